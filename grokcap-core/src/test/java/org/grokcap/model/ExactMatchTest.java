package org.grokcap.model;

import org.grokcap.kernels.Activation;

import org.grokcap.backend.Buf;
import org.grokcap.backend.ReferenceDevice;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Transformer#sequenceHits}: a sequence counts when the argmax is right at every one of its targets. */
class ExactMatchTest {

    @Test
    void sequenceHitsCountSequencesWithEveryTargetRight() {
        int V = 5;
        int T = 6;
        int B = 40;
        ModelConfig cfg = new ModelConfig(V, V, T, 1, 8, 2, 16, Activation.RELU, false, false, true, false, null,
                InitScheme.GPT2);
        Transformer m = new Transformer(new ReferenceDevice(), cfg, B);
        Random r = new Random(3);
        float[] p = m.params().host();
        for (int i = 0; i < p.length; i++) {
            p[m.params().offset() + i] = (float) r.nextGaussian();
        }
        m.device().toDevice(m.params());
        int[] tokens = new int[B * T];
        int[] targets = new int[B * T];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(V);
            targets[i] = -1;
        }
        for (int b = 0; b < B; b++) {
            if (b % 10 == 9) {
                continue; // a sequence without targets counts for nothing
            }
            for (int t = 3; t < 3 + 1 + b % 3; t++) { // 1 to 3 targets per sequence
                targets[b * T + t] = r.nextInt(2); // classes 0 or 1: about half the positions are right
            }
        }
        m.setBatch(tokens, targets, 0, B);
        m.forward();
        Buf lg = m.logits();
        int row = 0;
        int expectedSequences = 0;
        int expectedHits = 0;
        int positionHits = 0;
        for (int b = 0; b < B; b++) {
            boolean any = false;
            boolean all = true;
            for (int t = 0; t < T; t++) {
                int target = targets[b * T + t];
                if (target < 0) {
                    continue;
                }
                int best = 0;
                for (int v = 1; v < V; v++) {
                    if (lg.host()[lg.offset() + row * V + v] > lg.host()[lg.offset() + row * V + best]) {
                        best = v;
                    }
                }
                any = true;
                all &= best == target;
                positionHits += best == target ? 1 : 0;
                row++;
            }
            expectedSequences += any ? 1 : 0;
            expectedHits += any && all ? 1 : 0;
        }
        assertEquals(36, expectedSequences);
        assertEquals(expectedSequences, m.sequenceCount());
        assertEquals(expectedHits, m.sequenceHits());
        assertEquals(positionHits, m.hits());
        assertTrue(expectedHits > 0 && expectedHits < positionHits, "the case separates the two accuracies: "
                + expectedHits + " sequences, " + positionHits + " positions");
    }
}
