package org.grokcap.model;

import org.apache.commons.rng.UniformRandomProvider;
import org.grokcap.backend.Buf;
import org.grokcap.util.Rngs;

import java.util.Arrays;

/**
 * Autoregressive decoding with a trained {@link Transformer}: from a prompt, predict the next token,
 * append it, and repeat until a stop token, a token budget or the model's context length T ends it.
 * Greedy decoding takes the argmax (the lowest id among equal logits, as the training accuracy does);
 * sampling draws from softmax(logits / temperature), optionally over the k largest logits only.
 *
 * <p>Each step runs one forward pass of a single sequence over all T positions, the unused ones
 * padded: attention is causal, so padding after the last real token changes nothing, and the small
 * models grokcap trains make a key/value cache not worth its complexity.
 */
public final class Decoder {
    /**
     * Sampling settings.
     *
     * @param temperature logits are divided by it; &gt; 0
     * @param topK        draw among the k most likely tokens only; 0 means all
     * @param seed        seed of the sampling stream; the same seed gives the same tokens
     */
    public record Sampling(double temperature, int topK, long seed) {
        public Sampling {
            if (!(temperature > 0) || !Double.isFinite(temperature)) {
                throw new IllegalArgumentException("temperature must be a finite number > 0, got " + temperature);
            }
            if (topK < 0) {
                throw new IllegalArgumentException("top-k must be ≥ 0 (0: all tokens), got " + topK);
            }
        }
    }

    /** Why decoding stopped. */
    public enum Stop {
        /** the stop token was produced (it is the last generated token) */
        STOP_TOKEN,
        /** the token budget was used up */
        MAX_TOKENS,
        /** the sequence reached the model's context length */
        CONTEXT_FULL
    }

    /** The generated tokens (after the prompt) and why generation ended. */
    public record Result(int[] tokens, Stop stop) {}

    private final Transformer model;
    private final int T;
    private final int vOut;
    private final int[] tokens;
    private final int[] targets;

    public Decoder(Transformer model) {
        this.model = model;
        this.T = model.config().contextLength();
        this.vOut = model.config().resolvedOutputVocab();
        this.tokens = new int[T];
        this.targets = new int[T];
    }

    /**
     * Generates up to maxNew tokens after prompt.
     *
     * @param prompt    token ids, 1..T of them
     * @param maxNew    most tokens to generate
     * @param stopToken generation ends once this token is produced; −1 for none
     * @param sampling  null for greedy decoding
     */
    public Result generate(int[] prompt, int maxNew, int stopToken, Sampling sampling) {
        if (prompt.length < 1 || prompt.length > T) {
            throw new IllegalArgumentException("a prompt of " + prompt.length + " tokens; the model reads 1.." + T);
        }
        if (maxNew < 0) {
            throw new IllegalArgumentException("maxNew must be ≥ 0, got " + maxNew);
        }
        UniformRandomProvider rng = sampling == null ? null : Rngs.stream(sampling.seed(), "sample");
        Arrays.fill(tokens, 0);
        System.arraycopy(prompt, 0, tokens, 0, prompt.length);
        int length = prompt.length;
        int[] out = new int[Math.min(maxNew, T - length + 1)];
        int n = 0;
        while (true) {
            if (n == maxNew) {
                return new Result(Arrays.copyOf(out, n), Stop.MAX_TOKENS);
            }
            if (length > T) { // the last token has no position to be read from
                return new Result(Arrays.copyOf(out, n), Stop.CONTEXT_FULL);
            }
            double[] logits = nextLogits(length);
            int next = sampling == null ? argmax(logits) : sample(logits, sampling, rng);
            out[n++] = next;
            if (next == stopToken) {
                return new Result(Arrays.copyOf(out, n), Stop.STOP_TOKEN);
            }
            if (length < T) {
                tokens[length] = next;
            }
            length++;
        }
    }

    /** The logits of the token after the first length tokens of {@link #tokens}. */
    private double[] nextLogits(int length) {
        Arrays.fill(targets, -1);
        targets[length - 1] = 0; // any class: it only marks the position whose logits the model computes
        model.setBatch(tokens, targets, 0, 1);
        model.forward();
        Buf lg = model.logits();
        double[] logits = new double[vOut];
        for (int v = 0; v < vOut; v++) {
            logits[v] = lg.host()[lg.offset() + v];
        }
        return logits;
    }

    /** The first index of the largest value (NaN never wins). */
    static int argmax(double[] logits) {
        int best = 0;
        for (int v = 1; v < logits.length; v++) {
            if (logits[v] > logits[best] || Double.isNaN(logits[best])) {
                best = v;
            }
        }
        return best;
    }

    /** A draw from softmax(logits / temperature) restricted to the top k. */
    static int sample(double[] logits, Sampling s, UniformRandomProvider rng) {
        int V = logits.length;
        Integer[] order = new Integer[V];
        for (int v = 0; v < V; v++) {
            order[v] = v;
        }
        // most likely first; ties by id, so the candidates do not depend on the sort's stability
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Double.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int k = s.topK() == 0 ? V : Math.min(s.topK(), V);
        double max = logits[order[0]];
        double[] p = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            p[i] = Math.exp((logits[order[i]] - max) / s.temperature());
            sum += p[i];
        }
        double u = rng.nextDouble() * sum;
        for (int i = 0; i < k; i++) {
            u -= p[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[k - 1]; // u landed on the rounding error of the sum
    }
}
