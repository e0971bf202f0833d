package org.grokcap.analysis;

import org.grokcap.analysis.AnswerLosses;

import org.grokcap.backend.ReferenceDevice;
import org.grokcap.data.Split;
import org.grokcap.model.Architecture;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.Transformer;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AnswerLossesTest {

    @Test
    void spansSumTheirPositionsLossesInBits() {
        int V = 7;
        int T = 6;
        int n = 5;
        ModelConfig cfg = new ModelConfig(V, V, T, 1, 8, 2, 16, null, null, null, null, null, null, null, null,
                Architecture.LLAMA, null, null);
        Random r = new Random(3);
        int[] tokens = new int[n * T];
        int[] targets = new int[n * T];
        java.util.Arrays.fill(targets, -1);
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(V);
        }
        // Two answers per sequence: positions 1..2 and 4 (lengths 2 and 1).
        int[] seq = new int[2 * n];
        int[] first = new int[2 * n];
        int[] len = new int[2 * n];
        for (int s = 0; s < n; s++) {
            for (int t : new int[] {1, 2, 4}) {
                targets[s * T + t] = r.nextInt(V);
            }
            seq[2 * s] = s;
            first[2 * s] = 1;
            len[2 * s] = 2;
            seq[2 * s + 1] = s;
            first[2 * s + 1] = 4;
            len[2 * s + 1] = 1;
        }
        Split split = new Split("train", n, tokens, targets);
        Transformer model = new Transformer(new ReferenceDevice(), cfg, 2); // batches of 2: three passes
        float[] p = model.params().host();
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (0.4 * r.nextGaussian());
        }
        double[] bits = AnswerLosses.of(model, split, seq, first, len);

        // Against the whole split in one pass: the same total, and each answer against its own positions.
        Transformer whole = new Transformer(new ReferenceDevice(), cfg, n);
        System.arraycopy(p, 0, whole.params().host(), 0, p.length);
        whole.setBatch(tokens, targets, 0, n);
        whole.forward();
        double total = 0;
        for (double b : bits) {
            total += b;
        }
        assertEquals(whole.lossSum() / Math.log(2), total, 1e-4, "bits summed over answers = total loss / ln 2");
        float[] perTarget = whole.targetLosses().host();
        int off = whole.targetLosses().offset();
        for (int s = 0; s < n; s++) {
            assertEquals((perTarget[off + 3 * s] + perTarget[off + 3 * s + 1]) / Math.log(2), bits[2 * s], 1e-5);
            assertEquals(perTarget[off + 3 * s + 2] / Math.log(2), bits[2 * s + 1], 1e-5);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AnswerLosses.of(model, split, new int[] {0}, new int[] {0}, new int[] {2}));
        assertEquals(true, e.getMessage().contains("no target"), e.getMessage());
    }
}
