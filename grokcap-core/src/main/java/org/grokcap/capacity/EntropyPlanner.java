package org.grokcap.capacity;

import org.grokcap.util.BadInputException;
import org.grokcap.data.profiles.ProfilesTaskSpec;
import org.grokcap.data.profiles.ValuePools;

/**
 * Finds the number of profiles whose dataset entropy is closest to a target, for scaling-law sweeps.
 * The entropy of a planned dataset uses the expected number of distinct birth dates
 * ({@link DatasetShape#expectedDistinctDates}), since the real number is known only once the data
 * exists. The search is a bisection, which relies on the entropy growing with n: it does while
 * n ≤ N_names/2 (the name set's log C(N_names, n) shrinks beyond that), so the search stays there.
 */
public final class EntropyPlanner {
    /** The N found, its entropy, and the entropies of its neighbours N−1 and N+1. */
    public record Plan(long n, double bits, double bitsBelow, double bitsAbove, long maxN) {}

    private EntropyPlanner() {}

    public static Plan plan(ProfilesTaskSpec spec, ValuePools pools, double targetBits, EncodingScheme scheme,
                            SelectionScheme selection) {
        if (!(targetBits > 0) || Double.isInfinite(targetBits)) {
            throw new BadInputException("--target-bits " + targetBits + ": must be a positive number");
        }
        long maxN = Math.min(50_000_000L, pools.possibleNames() / 2);
        if (maxN < 3) {
            throw new BadInputException("the pools make only " + pools.possibleNames() + " distinct names; planning "
                    + "needs at least 6 (enlarge task.pools)");
        }
        long lo = 2;
        if (bits(spec, pools, maxN, scheme, selection) < targetBits) {
            throw new BadInputException("--target-bits " + targetBits + ": more than the " + String.format("%.6g",
                    bits(spec, pools, maxN, scheme, selection)) + " bits of the largest dataset searched (n = " + maxN
                    + "); enlarge the pools");
        }
        long hi = maxN;
        while (lo < hi) { // smallest n with bits(n) ≥ target
            long mid = lo + (hi - lo) / 2;
            if (bits(spec, pools, mid, scheme, selection) >= targetBits) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        long n = lo;
        if (n > 2 && targetBits - bits(spec, pools, n - 1, scheme, selection)
                <= bits(spec, pools, n, scheme, selection) - targetBits) {
            n--;
        }
        return new Plan(n, bits(spec, pools, n, scheme, selection),
                n > 2 ? bits(spec, pools, n - 1, scheme, selection) : Double.NaN,
                bits(spec, pools, n + 1, scheme, selection), maxN);
    }

    public static double bits(ProfilesTaskSpec spec, ValuePools pools, long n, EncodingScheme scheme,
                              SelectionScheme selection) {
        DatasetShape shape = DatasetShape.of(spec, pools, n, DatasetShape.expectedDistinctDates(n));
        return DatasetEntropy.compute(shape, scheme, selection).totalBits();
    }
}
