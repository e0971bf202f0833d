package org.grokcap.data.random;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonTypeName;
import org.apache.commons.rng.UniformRandomProvider;
import org.grokcap.config.Check;
import org.grokcap.config.ConfigException;
import org.grokcap.data.Split;
import org.grokcap.data.TaskSpec;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.util.Rngs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Uniformly random token sequences (docs/capacity.md, "Random tokens: the calibration"): N sequences of
 * S tokens, each token drawn independently and uniformly from V, so nothing can generalise and every bit
 * the model gets right is memorised.
 *
 * <p>Next-token prediction at every position that has a context: a sequence x_0..x_{S−1} is stored as
 * T = S − 1 input positions x_0..x_{S−2} whose targets are x_1..x_{S−1}. The first token has no
 * context, so no model can predict it better than log2 V: it is an input only, never a target, and the
 * dataset's entropy is N·(S−1)·log2 V. Storing T = S − 1 rather than S positions wastes no compute on a
 * last position without a target.
 *
 * <p>Sequence i is the i-th S-token draw of the seed's "random-tokens" stream, so a larger N extends a
 * smaller one (the datasets of a sweep over N are nested). The optional split "fresh" holds new
 * sequences from another stream: the model cannot know them, so its loss there stays at ln V.
 *
 * @param v     V, the vocabulary size, 2..65,536
 * @param s     S, tokens per sequence, 2..4,097 (T = S − 1 ≤ 4,096)
 * @param n     N, training sequences, ≥ 1, with N·(S−1) ≤ 2^27 tokens
 * @param fresh sequences in the "fresh" split, 0 for none; default min(N, 64)
 * @param seed  the data's seed; default the run's train.seed
 */
@JsonTypeName("random-tokens")
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RandomTokensTaskSpec(Integer v, Integer s, Integer n, Integer fresh, Long seed) implements TaskSpec {

    public static final int MAX_V = 1 << 16;
    public static final int MAX_S = 4097;
    /** The most target positions over both splits: keeps the int arrays and the data hash within int sizes. */
    public static final long MAX_TOKENS = 1L << 27;
    public static final String TRAIN = "train";
    public static final String FRESH = "fresh";

    public RandomTokensTaskSpec {
        v = Check.between("v", Check.present("v", v), 2, MAX_V);
        s = Check.between("s", Check.present("s", s), 2, MAX_S);
        n = Check.atLeast("n", Check.present("n", n), 1);
        fresh = Check.atLeast("fresh", fresh == null ? Math.min(n, 64) : fresh, 0);
        long tokens = ((long) n + fresh) * (s - 1);
        if (tokens > MAX_TOKENS) {
            throw new ConfigException("n", n, "gives (n + fresh)·(s − 1) = " + tokens + " target tokens; at most "
                    + MAX_TOKENS + " fit");
        }
    }

    /** Target positions per sequence, S − 1 (the first token has no context). */
    public int targetsPerSequence() {
        return s - 1;
    }

    /** log2 V: the entropy of one token, and the loss in bits of a model that knows nothing. */
    public double bitsPerToken() {
        return Math.log(v) / Math.log(2.0);
    }

    /** Entropy of one training sequence's targets, (S − 1)·log2 V bits. */
    public double bitsPerSequence() {
        return targetsPerSequence() * bitsPerToken();
    }

    /** Entropy of the training split, N·(S − 1)·log2 V bits. */
    public double datasetBits() {
        return n * bitsPerSequence();
    }

    @Override
    public TokenizedDataset generate(long runSeed) {
        long dataSeed = seed != null ? seed : runSeed;
        Map<String, Split> splits = new LinkedHashMap<>();
        splits.put(TRAIN, draw(TRAIN, n, Rngs.stream(dataSeed, "random-tokens")));
        if (fresh > 0) {
            splits.put(FRESH, draw(FRESH, fresh, Rngs.stream(dataSeed, "random-tokens-fresh")));
        }
        List<String> vocab = new ArrayList<>(v);
        for (int i = 0; i < v; i++) {
            vocab.add(Integer.toString(i));
        }
        return new TokenizedDataset(s - 1, vocab, v, splits, TRAIN);
    }

    /** count sequences of S uniform tokens; inputs x_0..x_{S−2}, targets x_1..x_{S−1}. */
    private Split draw(String name, int count, UniformRandomProvider rng) {
        int T = s - 1;
        int[] tokens = new int[count * T];
        int[] targets = new int[count * T];
        for (int i = 0; i < count; i++) {
            int o = i * T;
            tokens[o] = rng.nextInt(v);
            for (int t = 0; t < T; t++) {
                int next = rng.nextInt(v);
                targets[o + t] = next;
                if (t + 1 < T) {
                    tokens[o + t + 1] = next;
                }
            }
        }
        return new Split(name, count, tokens, targets);
    }
}
