package org.grokcap.data.profiles;

import org.apache.commons.rng.UniformRandomProvider;
import org.grokcap.config.ConfigException;
import org.grokcap.util.Rngs;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Draws N profiles (docs/science.md §3). Each part uses its own random stream of the seed
 * ("profiles.names", "profiles.dates", "profiles.values", "profiles.relations"), so that adding a
 * relation does not change anybody's name or birth date.
 *
 * <p>Names: first, middle and last drawn uniformly from their pools, redrawn until the full name is
 * new. Dates: uniform over {@link BirthDates#COUNT}. City, university, employer: uniform over their
 * pools. Relations, {@code uniform}: every target uniform over all N profiles (itself included).
 * {@code bipartite}, by {@link Relations.Shape}:
 * <ul>
 *   <li>MUTUAL: the people are shuffled and paired (0,1), (2,3), ...; with odd N the last person of
 *       the shuffle has no partner for that relation (target -1, and no question is asked about it).
 *       Each mutual relation has its own shuffle.</li>
 *   <li>INVERSE pair (parent/child, grandparent/grandchild, mentor/protege): one uniformly random
 *       cyclic permutation σ of all N people (Sattolo's algorithm: a single cycle, so nobody is their
 *       own relative and X's child's child is never X unless N = 2); the first of the pair in r17 order
 *       is σ, the second σ⁻¹. So X's child's parent is X, and everybody has one of each.</li>
 *   <li>ONE_TO_ONE (betrayer, debtor, blackmailer, hero): its own random cyclic permutation.</li>
 * </ul>
 */
public final class ProfileGenerator {
    private ProfileGenerator() {}

    public static Profiles generate(int n, List<String> relations, RelationMode mode, ValuePools pools, long seed) {
        long possible = pools.possibleNames();
        if (n > possible) {
            throw new ConfigException("n", n, "more than the " + possible + " distinct names the pools make ("
                    + pools.size(Pool.FIRST) + " first × " + pools.size(Pool.MIDDLE) + " middle × "
                    + pools.size(Pool.LAST) + " last)");
        }
        int[] first = new int[n];
        int[] middle = new int[n];
        int[] last = new int[n];
        UniformRandomProvider names = Rngs.stream(seed, "profiles.names");
        Set<Long> used = new HashSet<>();
        int nf = pools.size(Pool.FIRST);
        int nm = pools.size(Pool.MIDDLE);
        int nl = pools.size(Pool.LAST);
        for (int p = 0; p < n; p++) {
            while (true) {
                int f = names.nextInt(nf);
                int m = names.nextInt(nm);
                int l = names.nextInt(nl);
                if (used.add(((long) f * nm + m) * nl + l)) {
                    first[p] = f;
                    middle[p] = m;
                    last[p] = l;
                    break;
                }
            }
        }
        UniformRandomProvider dates = Rngs.stream(seed, "profiles.dates");
        int[] birthDate = new int[n];
        for (int p = 0; p < n; p++) {
            birthDate[p] = dates.nextInt(BirthDates.COUNT);
        }
        UniformRandomProvider values = Rngs.stream(seed, "profiles.values");
        int[] city = draw(values, n, pools.size(Pool.CITY));
        int[] university = draw(values, n, pools.size(Pool.UNIVERSITY));
        int[] employer = draw(values, n, pools.size(Pool.EMPLOYER));
        int[][] targets = new int[relations.size()][];
        for (int r = 0; r < relations.size(); r++) {
            String rel = relations.get(r);
            // One stream per relation name: a relation's targets do not depend on which others are present.
            UniformRandomProvider rng = Rngs.stream(seed, "profiles.relations." + rel);
            if (mode == RelationMode.UNIFORM) {
                targets[r] = draw(rng, n, n);
            } else if (Relations.shape(rel) == Relations.Shape.MUTUAL) {
                targets[r] = matching(rng, n);
            } else {
                // An inverse pair shares one permutation, drawn from the stream of its first half.
                String inverse = Relations.INVERSES.get(rel);
                boolean second = inverse != null && Relations.R17.indexOf(inverse) < Relations.R17.indexOf(rel);
                int[] sigma = cycle(second ? Rngs.stream(seed, "profiles.relations." + inverse) : rng, n);
                targets[r] = second ? invert(sigma) : sigma;
            }
        }
        return new Profiles(n, first, middle, last, birthDate, city, university, employer, List.copyOf(relations),
                targets);
    }

    private static int[] draw(UniformRandomProvider rng, int n, int bound) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = rng.nextInt(bound);
        }
        return a;
    }

    /** A uniformly random perfect matching; with odd n the last person of the shuffle gets -1. */
    static int[] matching(UniformRandomProvider rng, int n) {
        int[] order = shuffled(rng, n);
        int[] t = new int[n];
        java.util.Arrays.fill(t, -1);
        for (int i = 0; i + 1 < n; i += 2) {
            t[order[i]] = order[i + 1];
            t[order[i + 1]] = order[i];
        }
        return t;
    }

    /** A uniformly random cyclic permutation (one cycle through all n), Sattolo's algorithm. */
    static int[] cycle(UniformRandomProvider rng, int n) {
        int[] s = identity(n);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i);
            int tmp = s[i];
            s[i] = s[j];
            s[j] = tmp;
        }
        return s;
    }

    static int[] shuffled(UniformRandomProvider rng, int n) {
        int[] s = identity(n);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = s[i];
            s[i] = s[j];
            s[j] = tmp;
        }
        return s;
    }

    private static int[] invert(int[] sigma) {
        int[] inv = new int[sigma.length];
        for (int i = 0; i < sigma.length; i++) {
            inv[sigma[i]] = i;
        }
        return inv;
    }

    private static int[] identity(int n) {
        int[] s = new int[n];
        for (int i = 0; i < n; i++) {
            s[i] = i;
        }
        return s;
    }
}
