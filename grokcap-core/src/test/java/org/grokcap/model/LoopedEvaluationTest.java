package org.grokcap.model;

import org.grokcap.backend.Device;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.kernels.Activation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Transformer#setLayerRepeats}: a model built with room for more passes, switched to r passes,
 * computes bit for bit what the same weights compute in a model built with layerRepeats = r (logits,
 * loss, exact-match counts and, after backward, gradients), and switching back gives bit for bit the
 * model built without the extra room. The buffers of the larger model lie at other offsets, so this
 * also checks that nothing depends on where a slice starts.
 */
class LoopedEvaluationTest {
    static final int V = 7;
    static final int T = 5;

    private static ModelConfig cfg(boolean llama, int repeats) {
        return llama
                ? new ModelConfig(V, V, T, 2, 8, 2, 12, null, null, null, null, null, null,
                        InitScheme.GPT2, repeats, Architecture.LLAMA, null, null)
                : new ModelConfig(V, V, T, 2, 8, 2, 12, Activation.GELU, true, true, true, true, null,
                        InitScheme.GPT2, repeats, null, null, null);
    }

    private record Pass(float[] logits, double loss, int hits, int sequenceHits, float[] grads) {}

    private static Pass run(Transformer m, int[] tokens, int[] targets, int B) {
        m.setBatch(tokens, targets, 0, B);
        m.forward();
        float[] logits = java.util.Arrays.copyOf(m.logits().host(), m.targetCount() * V);
        m.backward();
        m.device().toHost(m.grads());
        return new Pass(logits, m.lossSum(), m.hits(), m.sequenceHits(), m.grads().host().clone());
    }

    private static Transformer model(Device dev, ModelConfig c, int B, int maxRepeats, float[] params) {
        Transformer m = new Transformer(dev, c, B, maxRepeats);
        System.arraycopy(params, 0, m.params().host(), m.params().offset(), params.length);
        dev.toDevice(m.params());
        return m;
    }

    private static void assertSame(Pass want, Pass got, String what) {
        assertArrayEquals(want.logits(), got.logits(), what + ": logits");
        assertEquals(want.loss(), got.loss(), what + ": loss");
        assertEquals(want.hits(), got.hits(), what + ": hits");
        assertEquals(want.sequenceHits(), got.sequenceHits(), what + ": sequence hits");
        assertArrayEquals(want.grads(), got.grads(), what + ": gradients");
    }

    /**
     * device: reference, or cpu with that many threads; B 3 runs the plain first layer, B 9 (more
     * sequences than tokens) the vocabulary table.
     */
    @ParameterizedTest(name = "llama {0}, {1} threads (0: reference), batch {2}, trained ×{3}, evaluated ×{4}")
    @CsvSource({
            "false, 0, 3, 1, 3", "false, 0, 9, 2, 4", "false, 0, 3, 3, 1",
            "false, 1, 3, 1, 4", "false, 2, 9, 1, 3", "false, 3, 3, 2, 3", "false, 2, 9, 4, 2",
            "true, 0, 3, 1, 3", "true, 2, 9, 2, 4", "true, 3, 3, 3, 1"})
    void rPassesEqualAModelBuiltWithRRepeats(boolean llama, int threads, int B, int trained, int evaluated) {
        Random r = new Random(31L * B + 7L * trained + evaluated + (llama ? 1000 : 0));
        float[] params = new float[ParamLayout.of(cfg(llama, 1)).size()];
        for (int i = 0; i < params.length; i++) {
            params[i] = (float) (0.4 * r.nextGaussian());
        }
        int[][] tokens = new int[2][B * T];
        int[][] targets = new int[2][B * T];
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < B * T; i++) {
                tokens[k][i] = r.nextInt(V);
                targets[k][i] = i % T >= 2 ? r.nextInt(V) : -1; // a two-token answer and a one-token one
            }
        }
        try (Device dev = threads == 0 ? new ReferenceDevice() : new CpuDevice(threads)) {
            Transformer looped = model(dev, cfg(llama, trained), B, Math.max(trained, evaluated), params);
            Transformer asTrained = model(dev, cfg(llama, trained), B, trained, params);
            Transformer asEvaluated = model(dev, cfg(llama, evaluated), B, evaluated, params);
            assertEquals(trained, looped.layerRepeats());
            // training passes, evaluation passes (twice: the second finds the first's activations), training again
            int[] sequence = {trained, evaluated, evaluated, trained};
            for (int i = 0; i < sequence.length; i++) {
                int repeats = sequence[i];
                looped.setLayerRepeats(repeats);
                assertEquals(2 * repeats, looped.depth());
                Transformer reference = repeats == trained ? asTrained : asEvaluated;
                int batch = i % 2;
                assertSame(run(reference, tokens[batch], targets[batch], B), run(looped, tokens[batch], targets[batch], B),
                        "pass " + i + " (×" + repeats + ")");
            }
            int most = Math.max(trained, evaluated);
            assertThrows(IllegalArgumentException.class, () -> looped.setLayerRepeats(most + 1));
            assertThrows(IllegalArgumentException.class, () -> looped.setLayerRepeats(0));
        }
    }

    @ParameterizedTest(name = "layerRepeats {0}, room for {1}")
    @CsvSource({"2, 1", "3, 2"})
    void roomForFewerRepeatsThanTheModelRunsIsRefused(int repeats, int room) {
        assertThrows(IllegalArgumentException.class,
                () -> new Transformer(new ReferenceDevice(), cfg(false, repeats), 2, room));
    }
}
