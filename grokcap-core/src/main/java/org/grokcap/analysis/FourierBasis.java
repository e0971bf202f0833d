package org.grokcap.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * The real Fourier basis of functions on Z_p (Nanda et al. 2023), as p orthonormal rows of length p:
 * row 0 is the constant 1/√p; for frequency k = 1..⌊(p−1)/2⌋ row 2k−1 is cos(2πkx/p) and row 2k is
 * sin(2πkx/p), both scaled to unit norm; for even p the last row is the Nyquist cosine cos(πx).
 * Frequency k's rows are {@link #rowsOf(int)}; frequencies run 1..{@link #frequencies()}.
 */
public final class FourierBasis {
    private final int p;
    private final double[][] rows; // (p, p)

    public FourierBasis(int p) {
        if (p < 2) {
            throw new IllegalArgumentException("a Fourier basis needs p ≥ 2, got " + p);
        }
        this.p = p;
        this.rows = new double[p][p];
        for (int x = 0; x < p; x++) {
            rows[0][x] = 1.0 / Math.sqrt(p);
        }
        for (int k = 1; k <= frequencies(); k++) {
            for (int r : rowsOf(k)) {
                boolean sine = r == 2 * k;
                double norm = 0;
                for (int x = 0; x < p; x++) {
                    double angle = 2 * Math.PI * k * x / p;
                    rows[r][x] = sine ? Math.sin(angle) : Math.cos(angle);
                    norm += rows[r][x] * rows[r][x];
                }
                double inv = 1.0 / Math.sqrt(norm);
                for (int x = 0; x < p; x++) {
                    rows[r][x] *= inv;
                }
            }
        }
    }

    public int p() {
        return p;
    }

    /** Number of non-constant frequencies: ⌊p/2⌋. */
    public int frequencies() {
        return p / 2;
    }

    /** The basis rows of frequency k (1..frequencies()): {cos, sin}, or only the cosine at k = p/2. */
    public int[] rowsOf(int k) {
        if (k < 1 || k > frequencies()) {
            throw new IllegalArgumentException("frequency " + k + " outside 1.." + frequencies());
        }
        return 2 * k == p ? new int[] {p - 1} : new int[] {2 * k - 1, 2 * k};
    }

    /** The basis rows of the given frequencies, preceded by the constant row 0 when withConstant. */
    public int[] rowsOf(int[] freqs, boolean withConstant) {
        List<Integer> rows = new ArrayList<>();
        if (withConstant) {
            rows.add(0);
        }
        for (int k : freqs) {
            for (int r : rowsOf(k)) {
                rows.add(r);
            }
        }
        return rows.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Basis row r at x. */
    public double at(int r, int x) {
        return rows[r][x];
    }

    /** A copy of basis row r. */
    public double[] row(int r) {
        return rows[r].clone();
    }

    /**
     * The Fourier coefficients of the columns of m (p, n): result (p, n) = basis · m, so result[r][j]
     * is column j's coefficient on row r.
     */
    public double[][] transform(double[][] m) {
        if (m.length != p) {
            throw new IllegalArgumentException("expected " + p + " rows, got " + m.length);
        }
        int n = m[0].length;
        double[][] out = new double[p][n];
        for (int r = 0; r < p; r++) {
            double[] o = out[r];
            for (int x = 0; x < p; x++) {
                double b = rows[r][x];
                double[] mx = m[x];
                for (int j = 0; j < n; j++) {
                    o[j] += b * mx[j];
                }
            }
        }
        return out;
    }

    /**
     * Norms per frequency of the columns of m (p, n) along its first axis: entry 0 is the norm of the
     * constant component, entry k the norm of frequency k's cos and sin components together
     * (√Σ_j Σ_{r ∈ rows(k)} coef[r][j]²).
     */
    public double[] frequencyNorms(double[][] m) {
        double[][] c = transform(m);
        double[] norms = new double[frequencies() + 1];
        norms[0] = Math.sqrt(sumSquares(c[0]));
        for (int k = 1; k <= frequencies(); k++) {
            double s = 0;
            for (int r : rowsOf(k)) {
                s += sumSquares(c[r]);
            }
            norms[k] = Math.sqrt(s);
        }
        return norms;
    }

    private static double sumSquares(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return s;
    }
}
