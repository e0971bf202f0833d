package org.grokcap.analysis;

/**
 * Restricted and excluded loss (Nanda et al. 2023, §5.1) from a modular-addition model's logits on
 * the whole (a, b) grid. For every output class c, the logits as a function of (a, b) are projected on
 * the directions cos(w_k(a+b)) and sin(w_k(a+b)) of the key frequencies k (w_k = 2πk/p):
 * <ul>
 *   <li>restricted logits = those projections + the per-class mean over the grid: only the part of
 *       the logits that the key-frequency algorithm explains;</li>
 *   <li>excluded logits = the logits minus those projections: everything else.</li>
 * </ul>
 * The grid functions u(a+b mod p) for the basis rows u are orthogonal with squared norm p, so a
 * projection reduces to sums over the p anti-diagonals a+b ≡ s.
 */
public final class FourierLosses {
    private FourierLosses() {}

    /**
     * @param logits   (p², V) rows in a·p+b order
     * @param keep     frequencies whose components to keep (besides the per-class mean)
     * @return (p², V) the restricted logits
     */
    public static double[][] restricted(FourierBasis basis, double[][] logits, int[] keep) {
        return project(basis, logits, basis.rowsOf(keep, true));
    }

    /** (p², V) the logits minus their components on the frequencies in remove. */
    public static double[][] excluded(FourierBasis basis, double[][] logits, int[] remove) {
        double[][] proj = project(basis, logits, basis.rowsOf(remove, false));
        double[][] out = new double[logits.length][];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i].clone();
            for (int c = 0; c < out[i].length; c++) {
                out[i][c] -= proj[i][c];
            }
        }
        return out;
    }

    /** Mean cross-entropy (natural log) of the rows with include[i], against labels[i]. */
    public static double crossEntropy(double[][] logits, int[] labels, boolean[] include) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < logits.length; i++) {
            if (include != null && !include[i]) {
                continue;
            }
            double[] z = logits[i];
            double max = Double.NEGATIVE_INFINITY;
            for (double v : z) {
                max = Math.max(max, v);
            }
            double s = 0;
            for (double v : z) {
                s += Math.exp(v - max);
            }
            sum += max + Math.log(s) - z[labels[i]];
            n++;
        }
        if (n == 0) {
            throw new IllegalArgumentException("no rows to average the loss over");
        }
        return sum / n;
    }

    /** The component of each class's logit grid on the functions row(a+b mod p), summed over rows. */
    private static double[][] project(FourierBasis basis, double[][] logits, int[] rows) {
        int p = basis.p();
        if (logits.length != p * p) {
            throw new IllegalArgumentException("expected the " + p * p + " (a, b) pairs of p = " + p + ", got "
                    + logits.length + " rows");
        }
        int V = logits[0].length;
        double[][] diag = new double[p][V]; // Σ over a+b ≡ s of the logits
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                double[] z = logits[a * p + b];
                double[] d = diag[(a + b) % p];
                for (int c = 0; c < V; c++) {
                    d[c] += z[c];
                }
            }
        }
        double[][] perSum = new double[p][V]; // the projection's value at every (a, b) with a+b ≡ s
        for (int r : rows) {
            double[] coef = new double[V];
            for (int s = 0; s < p; s++) {
                double u = basis.at(r, s);
                for (int c = 0; c < V; c++) {
                    coef[c] += diag[s][c] * u;
                }
            }
            for (int s = 0; s < p; s++) {
                double u = basis.at(r, s) / p;
                for (int c = 0; c < V; c++) {
                    perSum[s][c] += coef[c] * u;
                }
            }
        }
        double[][] out = new double[p * p][];
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                out[a * p + b] = perSum[(a + b) % p].clone();
            }
        }
        return out;
    }
}
