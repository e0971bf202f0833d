package org.grokcap.data.profiles;

import java.util.List;

/**
 * N generated profiles as parallel arrays (index = profile): pool indices of the name parts, city,
 * university and employer, the birth date as an index into {@link BirthDates}, and per relation the
 * target profile (or -1 where bipartite mode leaves a profile without a partner: one person per
 * mutual relation when N is odd).
 *
 * @param relations the relations, in r17 order; {@code targets[r]} belongs to {@code relations.get(r)}
 */
public record Profiles(int n, int[] first, int[] middle, int[] last, int[] birthDate, int[] city, int[] university,
                       int[] employer, List<String> relations, int[][] targets) {

    /** The profile's full name, "First Middle Last". */
    public String name(ValuePools pools, int p) {
        return pools.values(Pool.FIRST).get(first[p]) + " " + pools.values(Pool.MIDDLE).get(middle[p]) + " "
                + pools.values(Pool.LAST).get(last[p]);
    }

    /** How many distinct birth dates occur. */
    public int distinctBirthDates() {
        boolean[] seen = new boolean[BirthDates.COUNT];
        int d = 0;
        for (int date : birthDate) {
            if (!seen[date]) {
                seen[date] = true;
                d++;
            }
        }
        return d;
    }

    /** How many (profile, relation) pairs have no target. */
    public int missingRelations() {
        int m = 0;
        for (int[] t : targets) {
            for (int x : t) {
                if (x < 0) {
                    m++;
                }
            }
        }
        return m;
    }
}
