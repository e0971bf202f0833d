package org.grokcap.model;

import org.grokcap.kernels.Activation;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.grokcap.backend.ReferenceDevice;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * A backward pass zeroes only what its batch uses of the activation gradients. If it missed a part
 * that the pass adds into, a second pass on the same batch would add onto the first one's leftovers:
 * so the gradients of a batch must come out the same before and after passes on other batches (larger,
 * smaller, with targets at every position or at a few), for GPT-2 and Llama models, with and without
 * the vocabulary table.
 */
class GradientZeroingTest {

    @Property(tries = 30)
    void aBatchGetsTheSameGradientsWhateverRanBefore(@ForAll @IntRange(min = 1, max = 3) int layers,
                                                     @ForAll boolean llama, @ForAll boolean layerNorm,
                                                     @ForAll @IntRange(min = 2, max = 4) int T, @ForAll long seed) {
        Random r = new Random(seed);
        int V = 5;
        int maxBatch = 12; // more sequences than tokens: the vocabulary table takes part when allowed
        ModelConfig cfg = llama
                ? new ModelConfig(V, V, T, layers, 8, 2, 12, null, null, null, null, null, null, null, null,
                Architecture.LLAMA, null, false)
                : new ModelConfig(V, V, T, layers, 8, 2, 12, Activation.GELU, layerNorm, true, true, true, null,
                InitScheme.GPT2);
        Transformer m = new Transformer(new ReferenceDevice(), cfg, maxBatch);
        for (int i = 0; i < m.params().size(); i++) {
            m.params().host()[m.params().offset() + i] = (float) (0.5 * r.nextGaussian());
        }
        int[][] batch = batch(r, 7, T, V, false);
        float[] first = gradients(m, batch);
        for (int k = 0; k < 3; k++) {
            gradients(m, batch(r, 1 + r.nextInt(maxBatch), T, V, r.nextBoolean()));
        }
        assertArrayEquals(first, gradients(m, batch), "the same batch, the same gradients");
    }

    /** tokens and targets of b sequences; targets at every position, or only at the last. */
    private static int[][] batch(Random r, int b, int T, int V, boolean everyPosition) {
        int[] tokens = new int[b * T];
        int[] targets = new int[b * T];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(V);
            targets[i] = everyPosition || i % T == T - 1 ? r.nextInt(V) : -1;
        }
        return new int[][]{tokens, targets};
    }

    private static float[] gradients(Transformer m, int[][] batch) {
        int b = batch[0].length / m.config().contextLength();
        m.setBatch(batch[0], batch[1], 0, b);
        m.forward();
        m.backward();
        float[] g = new float[m.grads().size()];
        System.arraycopy(m.grads().host(), m.grads().offset(), g, 0, g.length);
        return g;
    }
}
