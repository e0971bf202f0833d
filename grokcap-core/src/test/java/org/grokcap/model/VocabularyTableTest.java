package org.grokcap.model;

import org.grokcap.kernels.Activation;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.backend.Device;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The first-layer vocabulary-table shortcut gives the same logits, loss and gradients as the plain path. */
class VocabularyTableTest {

    @Property(tries = 25)
    void tableAndPlainPathsAgree(@ForAll @IntRange(min = 1, max = 2) int layers, @ForAll boolean layerNorm,
                                 @ForAll boolean cpu, @ForAll @IntRange(min = 2, max = 6) int V,
                                 @ForAll @IntRange(min = 1, max = 4) int T, @ForAll long seed) {
        Random r = new Random(seed);
        int B = V + 1 + r.nextInt(6); // more sequences than tokens: the table is used
        ModelConfig cfg = new ModelConfig(V, V, T, layers, 8, 2, 12, Activation.GELU, layerNorm, true, true, true,
                null, InitScheme.GPT2);
        int[] tokens = new int[B * T];
        int[] targets = new int[B * T];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(V);
            targets[i] = r.nextInt(3) == 0 ? -1 : r.nextInt(V);
        }
        targets[T - 1] = 0;
        float[][] results = new float[2][];
        double[] losses = new double[2];
        float[] params = null;
        for (int k = 0; k < 2; k++) {
            Device dev = cpu ? new CpuDevice(2) : new ReferenceDevice();
            Transformer m = new Transformer(dev, cfg, B);
            if (params == null) {
                params = new float[m.layout().size()];
                for (int i = 0; i < params.length; i++) {
                    params[i] = (float) (0.5 * r.nextGaussian());
                }
            }
            System.arraycopy(params, 0, m.params().host(), 0, params.length);
            m.setVocabularyTable(k == 0);
            m.setBatch(tokens, targets, 0, B);
            m.forward();
            m.backward();
            losses[k] = m.lossSum();
            results[k] = m.grads().host().clone();
            dev.close();
        }
        assertEquals(losses[1], losses[0], 1e-4 * (1 + Math.abs(losses[1])), "loss");
        for (int i = 0; i < results[0].length; i++) {
            float a = results[1][i];
            float b = results[0][i];
            assertTrue(Math.abs(a - b) <= 1e-4f * (1 + Math.abs(a)), "grad[" + i + "]: plain " + a + " table " + b);
        }
    }
}
