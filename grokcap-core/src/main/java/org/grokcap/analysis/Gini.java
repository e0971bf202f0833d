package org.grokcap.analysis;

import java.util.Arrays;

/** The Gini coefficient of non-negative values: 0 when all are equal, (n−1)/n when one holds everything. */
public final class Gini {
    private Gini() {}

    /**
     * G = Σ_i Σ_j |x_i − x_j| / (2 n Σ x), computed from the sorted values as
     * 2 Σ_i i·x_(i) / (n Σ x) − (n+1)/n (i = 1..n), the form of Nanda et al.'s code. 0 for all zeros.
     */
    public static double of(double[] values) {
        int n = values.length;
        if (n == 0) {
            throw new IllegalArgumentException("the Gini coefficient of no values is undefined");
        }
        double[] x = values.clone();
        Arrays.sort(x);
        if (x[0] < 0) {
            throw new IllegalArgumentException("the Gini coefficient needs values ≥ 0, got " + x[0]);
        }
        double sum = 0;
        double weighted = 0;
        for (int i = 0; i < n; i++) {
            sum += x[i];
            weighted += (i + 1) * x[i];
        }
        if (sum == 0) {
            return 0;
        }
        return 2 * weighted / (n * sum) - (n + 1.0) / n;
    }
}
