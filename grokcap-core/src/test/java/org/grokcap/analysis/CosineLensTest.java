package org.grokcap.analysis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CosineLens#similarity}: its group sums and inclusion–exclusion against every pair's cosine
 * computed plainly in double precision, on fresh random clustered states of awkward sizes with tokens
 * from small alphabets (so many pairs share one), and on states whose answer is known exactly.
 */
class CosineLensTest {

    /**
     * Every unordered pair that shares no token at a position, its cosine straight from the definition:
     * {same mean, different mean, same pairs, different pairs}.
     */
    static double[] reference(float[] x, int offset, int n, int c, int[] group, int[][] tokens) {
        double same = 0;
        double different = 0;
        long samePairs = 0;
        long differentPairs = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (group[i] < 0 || group[j] < 0 || shareAToken(tokens[i], tokens[j])) {
                    continue;
                }
                double dot = 0;
                double ni = 0;
                double nj = 0;
                for (int k = 0; k < c; k++) {
                    double a = x[offset + i * c + k];
                    double b = x[offset + j * c + k];
                    dot += a * b;
                    ni += a * a;
                    nj += b * b;
                }
                double cos = dot / Math.sqrt(ni * nj);
                if (group[i] == group[j]) {
                    same += cos;
                    samePairs++;
                } else {
                    different += cos;
                    differentPairs++;
                }
            }
        }
        return new double[] {same / samePairs, different / differentPairs, samePairs, differentPairs};
    }

    static boolean shareAToken(int[] a, int[] b) {
        for (int k = 0; k < a.length; k++) {
            if (a[k] == b[k]) {
                return true;
            }
        }
        return false;
    }

    /** n rows of k tokens drawn from an alphabet of the given size. */
    static int[][] tokens(Random r, int n, int k, int alphabet) {
        int[][] t = new int[n][k];
        for (int[] row : t) {
            for (int j = 0; j < k; j++) {
                row[j] = r.nextInt(alphabet);
            }
        }
        return t;
    }

    /** Every row its own tokens: no pair is left out. */
    static int[][] distinct(int n, int k) {
        int[][] t = new int[n][k];
        for (int i = 0; i < n; i++) {
            Arrays.fill(t[i], i);
        }
        return t;
    }

    /** n states of c values after offset: a random centre per group plus noise; some rows have no group (−1). */
    static float[] clustered(Random r, int offset, int n, int c, int[] group, double noise) {
        int groups = 0;
        for (int g : group) {
            groups = Math.max(groups, g + 1);
        }
        double[][] centre = new double[groups][c];
        for (double[] row : centre) {
            for (int k = 0; k < c; k++) {
                row[k] = r.nextGaussian() + 0.5; // a shared offset: different groups are not orthogonal
            }
        }
        float[] x = new float[offset + n * c];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < c; k++) {
                double base = group[i] >= 0 ? centre[group[i]][k] : 0;
                x[offset + i * c + k] = (float) ((base + noise * r.nextGaussian()) * (1 + i % 3));
            }
        }
        return x;
    }

    @ParameterizedTest(name = "{0} states of {1} values, {2} groups, noise {3}, {4} tokens of {5}")
    @CsvSource({"203, 37, 11, 0.7, 3, 5", "64, 5, 3, 2.0, 2, 3", "3, 3, 1, 0.1, 3, 50", "517, 129, 40, 1.0, 3, 20",
            "1000, 128, 97, 0.3, 3, 100", "150, 9, 7, 0.5, 0, 1", "90, 16, 5, 0.4, 1, 4"})
    void equalsThePairwiseReference(int n, int c, int groups, double noise, int k, int alphabet) {
        Random r = new Random(7919L * n + c);
        int[] group = new int[n];
        for (int i = 0; i < n; i++) {
            group[i] = i % 13 == 5 ? -1 : r.nextInt(groups);
        }
        group[0] = 0;
        group[Math.min(1, n - 1)] = 0; // at least one same-group pair
        int offset = 17;
        float[] x = clustered(r, offset, n, c, group, noise);
        int[][] t = tokens(r, n, k, alphabet);
        if (n > 2) {
            t[2] = t[0].clone(); // a pair that shares every token
        }
        CosineLens.Similarity got = CosineLens.similarity(x, offset, n, c, group, t);
        double[] want = reference(x, offset, n, c, group, t);
        assertEquals(want[2], got.samePairs(), "same-group pairs");
        assertEquals(want[3], got.differentPairs(), "different-group pairs");
        if (want[2] > 0) {
            assertEquals(want[0], got.same(), 1e-10, "same-group mean cosine");
        } else {
            assertTrue(Double.isNaN(got.same()), "no same-group pair");
        }
        if (want[3] > 0) {
            assertEquals(want[1], got.different(), 1e-10, "different-group mean cosine");
        } else {
            assertTrue(Double.isNaN(got.different()), "no different-group pair");
        }
    }

    @Test
    void knownAnswers() {
        // orthogonal directions, one per group, each state a positive multiple of its group's:
        // the same group gives cosine 1, different groups 0, whatever the lengths
        int c = 6;
        int[] group = {0, 1, 2, 0, 1, 0, -1, 2};
        float[] x = new float[group.length * c];
        for (int i = 0; i < group.length; i++) {
            x[i * c + (group[i] >= 0 ? group[i] : 5)] = 0.25f + i;
        }
        CosineLens.Similarity s = CosineLens.similarity(x, 0, group.length, c, group, distinct(group.length, 3));
        assertEquals(3 + 1 + 1, s.samePairs(), "3 pairs in group 0, 1 in group 1, 1 in group 2");
        assertEquals(7 * 6 / 2 - 5, s.differentPairs(), "the other pairs of the 7 grouped states");
        assertEquals(1.0, s.same(), 1e-12);
        assertEquals(0.0, s.different(), 1e-12);

        // rows 0 and 3 share their first token: that pair is left out, and so are 1–4 (second token)
        int[][] t = distinct(group.length, 2);
        t[3][0] = t[0][0];
        t[4][1] = t[1][1];
        t[7][1] = t[6][1]; // row 6 has no group: nothing changes
        CosineLens.Similarity left = CosineLens.similarity(x, 0, group.length, c, group, t);
        assertEquals(3, left.samePairs(), "0–5, 3–5 and 2–7");
        assertEquals(16, left.differentPairs());
        assertEquals(1.0, left.same(), 1e-12);

        // opposite directions within a group: cosine −1
        float[] y = {1, 2, -2, -4};
        CosineLens.Similarity opposite = CosineLens.similarity(y, 0, 2, 2, new int[] {4, 4}, distinct(2, 1));
        assertEquals(-1.0, opposite.same(), 1e-12);
        assertTrue(Double.isNaN(opposite.different()), "one group: no different pair");

        // tight clusters, then the same states with shuffled labels: the gap goes from large to about 0
        Random r = new Random(3);
        int n = 400;
        int[] g = new int[n];
        for (int i = 0; i < n; i++) {
            g[i] = i % 20;
        }
        float[] z = clustered(r, 0, n, 64, g, 0.1);
        CosineLens.Similarity clustered = CosineLens.similarity(z, 0, n, 64, g, distinct(n, 3));
        assertTrue(clustered.same() > 0.99 && clustered.same() - clustered.different() > 0.3, clustered.toString());
        int[] shuffled = g.clone();
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = tmp;
        }
        CosineLens.Similarity random = CosineLens.similarity(z, 0, n, 64, shuffled, distinct(n, 3));
        assertTrue(Math.abs(random.same() - random.different()) < 0.05, random.toString());
    }

    @Test
    void aZeroStateHasNoCosine() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> CosineLens.similarity(new float[] {1, 0, 0, 0}, 0, 2, 2, new int[] {0, 0}, distinct(2, 1)));
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
    }
}
