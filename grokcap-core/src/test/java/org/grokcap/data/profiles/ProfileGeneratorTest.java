package org.grokcap.data.profiles;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProfileGeneratorTest {
    private static final ValuePools POOLS = ProfilesTaskSpec.of(2).loadPools();

    private static Profiles bipartite(int n, long seed) {
        return ProfileGenerator.generate(n, Relations.R17, RelationMode.BIPARTITE, POOLS, seed);
    }

    @Test
    void bipartiteRelationsAreConsistentAndMutualForEvenAndOddN() {
        for (int n : new int[]{2, 3, 10, 101, 1000}) {
            Profiles p = bipartite(n, n);
            List<String> rel = p.relations();
            for (int r = 0; r < rel.size(); r++) {
                int[] t = p.targets()[r];
                switch (Relations.shape(rel.get(r))) {
                    case MUTUAL -> {
                        int unmatched = 0;
                        for (int x = 0; x < n; x++) {
                            if (t[x] < 0) {
                                unmatched++;
                                continue;
                            }
                            assertNotEquals(x, t[x], rel.get(r) + " of " + x + " is " + x + " itself");
                            assertEquals(x, t[t[x]], rel.get(r) + " is not mutual at " + x + " (n = " + n + ")");
                        }
                        assertEquals(n % 2, unmatched, "with odd n exactly one person has no " + rel.get(r));
                    }
                    case INVERSE -> {
                        int[] inverse = p.targets()[rel.indexOf(Relations.INVERSES.get(rel.get(r)))];
                        for (int x = 0; x < n; x++) {
                            assertNotEquals(x, t[x]);
                            assertEquals(x, inverse[t[x]], "X's " + rel.get(r) + "'s "
                                    + Relations.INVERSES.get(rel.get(r)) + " is not X at " + x + " (n = " + n + ")");
                        }
                        assertSingleCycle(t);
                    }
                    case ONE_TO_ONE -> assertSingleCycle(t);
                }
            }
        }
    }

    /** A permutation of all n people made of one cycle: nobody is their own r, everyone is somebody's r. */
    private static void assertSingleCycle(int[] t) {
        int x = 0;
        int steps = 0;
        do {
            x = t[x];
            steps++;
        } while (x != 0 && steps <= t.length);
        assertEquals(t.length, steps, "not one cycle through all people");
    }

    @Test
    void theOriginalsBrokenShapeDoesNotOccur() {
        // EleutherAI's bipartite mode left half the people without a parent and the other half without
        // a child (empty answers); here every person has every inverse-pair relation.
        Profiles p = bipartite(9, 3);
        assertEquals(7, p.missingRelations(), "only the 7 mutual relations leave one person out at odd n");
    }

    @Test
    void uniformTargetsAreAnyProfileAndNamesAreUnique() {
        Profiles p = ProfileGenerator.generate(2000, Relations.R4, RelationMode.UNIFORM, POOLS, 5);
        Set<String> names = new HashSet<>();
        for (int x = 0; x < p.n(); x++) {
            assertTrue(names.add(p.name(POOLS, x)), "repeated name " + p.name(POOLS, x));
        }
        for (int[] t : p.targets()) {
            for (int y : t) {
                assertTrue(y >= 0 && y < p.n());
            }
        }
        assertEquals(0, p.missingRelations());
    }

    @Test
    void deterministicBySeedAndRelationsDoNotDisturbNames() {
        Profiles a = ProfileGenerator.generate(300, Relations.R4, RelationMode.UNIFORM, POOLS, 11);
        Profiles b = ProfileGenerator.generate(300, Relations.R4, RelationMode.UNIFORM, POOLS, 11);
        Profiles c = ProfileGenerator.generate(300, Relations.R17, RelationMode.BIPARTITE, POOLS, 11);
        Profiles d = ProfileGenerator.generate(300, Relations.R4, RelationMode.UNIFORM, POOLS, 12);
        assertArrayEquals(a.first(), b.first());
        assertArrayEquals(a.birthDate(), b.birthDate());
        assertArrayEquals(a.targets()[2], b.targets()[2]);
        assertArrayEquals(a.last(), c.last(), "names come from their own stream");
        assertArrayEquals(a.city(), c.city());
        assertNotEquals(java.util.Arrays.toString(a.last()), java.util.Arrays.toString(d.last()));
    }

    @Test
    void birthDatesAreUniformOverAll67200() {
        // Each index decodes to a distinct (year, month, day) inside the documented ranges...
        Set<String> dates = new HashSet<>();
        for (int i = 0; i < BirthDates.COUNT; i++) {
            int y = BirthDates.year(i);
            int m = BirthDates.month(i);
            int d = BirthDates.day(i);
            assertTrue(y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 28);
            assertTrue(dates.add(BirthDates.iso(i)));
        }
        // ...and the generator's days of the month are uniform: chi-square over 28 days, 27 degrees of
        // freedom, below the 0.999 quantile 55.5 (the original's clamping would give the 28th ~4× weight).
        Profiles p = ProfileGenerator.generate(28_000, List.of(), RelationMode.UNIFORM, POOLS, 1);
        int[] count = new int[28];
        for (int date : p.birthDate()) {
            count[BirthDates.day(date) - 1]++;
        }
        double chi2 = 0;
        for (int c : count) {
            chi2 += (c - 1000.0) * (c - 1000.0) / 1000.0;
        }
        assertTrue(chi2 < 55.5, "days of month not uniform: chi2 = " + chi2);
    }
}
