package org.grokcap.model;

import org.grokcap.kernels.Activation;

import org.apache.commons.rng.UniformRandomProvider;
import org.grokcap.backend.Buf;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.util.Rngs;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DecoderTest {
    private static final int V = 9;
    private static final int T = 10;

    /** A 2-layer model with random weights, large enough that its argmax varies from position to position. */
    private static Transformer randomModel(int maxBatch) {
        ModelConfig cfg = new ModelConfig(V, V, T, 2, 16, 2, 32, Activation.GELU, true, true, true, false, null,
                InitScheme.GPT2);
        Transformer m = new Transformer(new ReferenceDevice(), cfg, maxBatch);
        Init.initialize(m.params().host(), m.layout(), cfg, Rngs.stream(11, "init"));
        m.device().toDevice(m.params());
        return m;
    }

    @Test
    void greedyTokensAreTheArgmaxesOfOneTeacherForcedPassOverTheFinishedSequence() {
        Transformer m = randomModel(1);
        int[] prompt = {3, 1, 4};
        Decoder.Result r = new Decoder(m).generate(prompt, 100, -1, null);
        assertEquals(Decoder.Stop.CONTEXT_FULL, r.stop());
        assertEquals(T - prompt.length + 1, r.tokens().length, "one token per position left, plus the last prediction");
        int[] seq = new int[T];
        System.arraycopy(prompt, 0, seq, 0, prompt.length);
        System.arraycopy(r.tokens(), 0, seq, prompt.length, T - prompt.length);
        int[] targets = new int[T];
        Arrays.fill(targets, -1);
        for (int t = prompt.length - 1; t < T; t++) {
            targets[t] = 0;
        }
        m.setBatch(seq, targets, 0, 1);
        m.forward();
        Buf lg = m.logits();
        Set<Integer> distinct = new HashSet<>();
        for (int i = 0; i < r.tokens().length; i++) {
            double[] row = new double[V];
            for (int v = 0; v < V; v++) {
                row[v] = lg.host()[lg.offset() + i * V + v];
            }
            assertEquals(Decoder.argmax(row), r.tokens()[i], "token " + i);
            distinct.add(r.tokens()[i]);
        }
        assertTrue(distinct.size() > 1, "the check sees more than one token: " + Arrays.toString(r.tokens()));
    }

    @Test
    void decodingStopsAtTheStopTokenOrTheBudget() {
        Transformer m = randomModel(1);
        Decoder d = new Decoder(m);
        int[] prompt = {0, 2};
        int[] all = d.generate(prompt, 100, -1, null).tokens();
        Decoder.Result stopped = d.generate(prompt, 100, all[2], null);
        int first = 0;
        while (all[first] != all[2]) {
            first++;
        }
        assertEquals(Decoder.Stop.STOP_TOKEN, stopped.stop());
        assertArrayEquals(Arrays.copyOf(all, first + 1), stopped.tokens(), "ends with the stop token's first occurrence");
        Decoder.Result two = d.generate(prompt, 2, -1, null);
        assertEquals(Decoder.Stop.MAX_TOKENS, two.stop());
        assertArrayEquals(Arrays.copyOf(all, 2), two.tokens());
    }

    @Test
    void samplingWithASeedIsDeterministicAndSeedsDiffer() {
        Transformer m = randomModel(1);
        Decoder d = new Decoder(m);
        int[] prompt = {5};
        Decoder.Sampling s = new Decoder.Sampling(2.0, 0, 42);
        int[] a = d.generate(prompt, 100, -1, s).tokens();
        assertArrayEquals(a, d.generate(prompt, 100, -1, s).tokens(), "same seed, same tokens");
        Set<String> seen = new HashSet<>();
        for (long seed = 0; seed < 8; seed++) {
            seen.add(Arrays.toString(d.generate(prompt, 100, -1, new Decoder.Sampling(2.0, 0, seed)).tokens()));
        }
        assertTrue(seen.size() > 1, "different seeds sample different sequences: " + seen);
        assertArrayEquals(d.generate(prompt, 100, -1, null).tokens(),
                d.generate(prompt, 100, -1, new Decoder.Sampling(5.0, 1, 7)).tokens(), "top-1 sampling is greedy");
    }

    @Test
    void samplesFollowTheTemperedSoftmaxOverTheTopK() {
        double[] logits = {0, Math.log(2), Math.log(4), -1e9};
        UniformRandomProvider rng = Rngs.stream(1, "test");
        int n = 40000;
        int[] counts = new int[4];
        for (int i = 0; i < n; i++) {
            counts[Decoder.sample(logits, new Decoder.Sampling(1.0, 0, 0), rng)]++;
        }
        assertEquals(1.0 / 7, counts[0] / (double) n, 0.01);
        assertEquals(2.0 / 7, counts[1] / (double) n, 0.01);
        assertEquals(4.0 / 7, counts[2] / (double) n, 0.01);
        assertEquals(0, counts[3]);
        // temperature 2 halves the logits: weights 1, √2, 2
        Arrays.fill(counts, 0);
        for (int i = 0; i < n; i++) {
            counts[Decoder.sample(logits, new Decoder.Sampling(2.0, 2, 0), rng)]++;
        }
        assertEquals(0, counts[0], "outside the top 2");
        assertEquals(Math.sqrt(2) / (2 + Math.sqrt(2)), counts[1] / (double) n, 0.01);
        assertNotEquals(0, counts[2]);
    }
}
