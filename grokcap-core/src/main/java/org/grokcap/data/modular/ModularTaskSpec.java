package org.grokcap.data.modular;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonTypeName;
import org.grokcap.config.Check;
import org.grokcap.config.ConfigException;
import org.grokcap.data.TaskSpec;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.util.Rngs;
import org.apache.commons.rng.UniformRandomProvider;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Modular arithmetic (docs/science.md §1): every pair (a, b) in [0,p)² (b ≠ 0 for division) labelled
 * a∘b mod p, shuffled with the seed; the first ⌊trainFraction·n⌋ pairs train, the rest test. Loss and
 * accuracy at the last position only.
 *
 * @param p             the modulus, 2..4096; operations that divide need a prime
 * @param operation     one of Power et al.'s operations, e.g. "x+y"; default "x+y"
 * @param format        "a b =" (default) or "a op b ="
 * @param trainFraction fraction of pairs in the training split, in (0, 1); default 0.3
 */
@JsonTypeName("modular")
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModularTaskSpec(Integer p, Operation operation, InputFormat format, Double trainFraction)
        implements TaskSpec {

    public ModularTaskSpec {
        p = Check.between("p", Check.present("p", p), 2, 4096);
        operation = operation == null ? Operation.ADD : operation;
        format = format == null ? InputFormat.NO_OPERATOR : format;
        trainFraction = Check.openInterval("trainFraction", trainFraction == null ? 0.3 : trainFraction, 0.0, 1.0);
        if (operation.divides() && !isPrime(p)) {
            throw new ConfigException("p", p, "operation \"" + operation.symbol() + "\" divides, so p must be prime");
        }
    }

    @Override
    public TokenizedDataset generate(long seed) {
        int T = format.length();
        List<int[]> pairs = new ArrayList<>();
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                if (operation.defined(a, b)) {
                    pairs.add(new int[]{a, b});
                }
            }
        }
        // Fisher–Yates with the data stream of the seed: the split is a function of (seed, p, operation).
        UniformRandomProvider rng = Rngs.stream(seed, "data");
        for (int i = pairs.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int[] tmp = pairs.get(i);
            pairs.set(i, pairs.get(j));
            pairs.set(j, tmp);
        }
        int nTrain = (int) Math.floor(trainFraction * pairs.size());
        if (nTrain < 1 || nTrain >= pairs.size()) {
            throw new ConfigException("trainFraction", trainFraction, "leaves an empty split with p = " + p
                    + " (" + pairs.size() + " pairs)");
        }
        Map<String, Split> splits = new LinkedHashMap<>();
        splits.put("train", encode("train", pairs.subList(0, nTrain), T));
        splits.put("test", encode("test", pairs.subList(nTrain, pairs.size()), T));
        List<String> vocab = new ArrayList<>();
        for (int i = 0; i < p; i++) {
            vocab.add(Integer.toString(i));
        }
        if (format == InputFormat.WITH_OPERATOR) {
            vocab.add(operation.symbol());
        }
        vocab.add("=");
        return new TokenizedDataset(T, vocab, p, splits, "train");
    }

    private Split encode(String name, List<int[]> pairs, int T) {
        int n = pairs.size();
        int[] tokens = new int[n * T];
        int[] targets = new int[n * T];
        java.util.Arrays.fill(targets, -1);
        for (int i = 0; i < n; i++) {
            int a = pairs.get(i)[0];
            int b = pairs.get(i)[1];
            int o = i * T;
            tokens[o] = a;
            if (format == InputFormat.WITH_OPERATOR) {
                tokens[o + 1] = p;
                tokens[o + 2] = b;
                tokens[o + 3] = p + 1;
            } else {
                tokens[o + 1] = b;
                tokens[o + 2] = p;
            }
            targets[o + T - 1] = operation.apply(a, b, p);
        }
        return new Split(name, n, tokens, targets);
    }

    static boolean isPrime(int n) {
        if (n < 2) {
            return false;
        }
        for (int d = 2; (long) d * d <= n; d++) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }
}
