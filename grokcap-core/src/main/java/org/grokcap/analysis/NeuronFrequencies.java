package org.grokcap.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which frequency each MLP neuron computes (Nanda et al. 2023): a neuron's activation at the last
 * position over all (a, b) is centered, transformed with the 2-D Fourier basis, and for every
 * frequency k the share of its variance in the components {const, cos k, sin k}_a × {const, cos k,
 * sin k}_b is taken. A neuron belongs to the k with the largest share when that share exceeds
 * {@link #THRESHOLD}; the key frequencies are those with at least one such neuron.
 *
 * @param bestFrequency  per neuron, the frequency with the largest share (0 for a neuron that never varies)
 * @param bestFraction   per neuron, that share (0 for a neuron that never varies)
 * @param keyFrequencies per key frequency (ascending), its neurons' count and mean share
 * @param keyFraction    share of the variance of all neurons together in the key frequencies' components
 */
public record NeuronFrequencies(int[] bestFrequency, double[] bestFraction, List<KeyFrequency> keyFrequencies,
                                double keyFraction) {

    /** The paper's cut-off: a neuron is clustered when one frequency explains more than 85% of its variance. */
    public static final double THRESHOLD = 0.85;

    /** One key frequency: how many neurons it explains and their mean share of variance. */
    public record KeyFrequency(int k, int neurons, double meanFraction) {}

    public int[] keys() {
        return keyFrequencies.stream().mapToInt(KeyFrequency::k).toArray();
    }

    /**
     * @param acts (p², M) activations, rows in a·p+b order
     */
    public static NeuronFrequencies of(FourierBasis basis, double[][] acts) {
        int p = basis.p();
        if (acts.length != p * p) {
            throw new IllegalArgumentException("expected the " + p * p + " (a, b) pairs of p = " + p + ", got " + acts.length);
        }
        int M = acts[0].length;
        double[] mean = new double[M];
        for (double[] row : acts) {
            for (int m = 0; m < M; m++) {
                mean[m] += row[m];
            }
        }
        for (int m = 0; m < M; m++) {
            mean[m] /= (double) p * p;
        }
        // x[a][b·M + m]: the centered activations with a as the first axis; the basis acts on it,
        // then on b for each first-axis coefficient i.
        double[][] x = new double[p][p * M];
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                double[] row = acts[a * p + b];
                for (int m = 0; m < M; m++) {
                    x[a][b * M + m] = row[m] - mean[m];
                }
            }
        }
        double[][] y = basis.transform(x);
        double[][][] sq = new double[p][][]; // sq[i][j][m] = coefficient (i, j) of neuron m, squared
        for (int i = 0; i < p; i++) {
            double[][] yi = new double[p][M];
            for (int b = 0; b < p; b++) {
                System.arraycopy(y[i], b * M, yi[b], 0, M);
            }
            double[][] z = basis.transform(yi);
            for (double[] zr : z) {
                for (int m = 0; m < M; m++) {
                    zr[m] *= zr[m];
                }
            }
            sq[i] = z;
        }
        double[] total = new double[M];
        for (double[][] si : sq) {
            for (double[] sij : si) {
                for (int m = 0; m < M; m++) {
                    total[m] += sij[m];
                }
            }
        }
        int F = basis.frequencies();
        int[] best = new int[M];
        double[] bestFrac = new double[M];
        for (int k = 1; k <= F; k++) {
            double[] share = blockSum(sq, basis.rowsOf(new int[] {k}, true), M);
            for (int m = 0; m < M; m++) {
                if (total[m] > 0 && share[m] / total[m] > bestFrac[m]) {
                    bestFrac[m] = share[m] / total[m];
                    best[m] = k;
                }
            }
        }
        Map<Integer, double[]> clusters = new TreeMap<>(); // k → {neurons, Σ share}
        for (int m = 0; m < M; m++) {
            if (bestFrac[m] > THRESHOLD) {
                double[] c = clusters.computeIfAbsent(best[m], k -> new double[2]);
                c[0]++;
                c[1] += bestFrac[m];
            }
        }
        List<KeyFrequency> keys = new ArrayList<>();
        clusters.forEach((k, c) -> keys.add(new KeyFrequency(k, (int) c[0], c[1] / c[0])));
        int[] keyArray = keys.stream().mapToInt(KeyFrequency::k).toArray();
        double keyShare = 0;
        double all = 0;
        if (keyArray.length > 0) {
            double[] s = blockSum(sq, basis.rowsOf(keyArray, true), M);
            for (int m = 0; m < M; m++) {
                keyShare += s[m];
            }
        }
        for (int m = 0; m < M; m++) {
            all += total[m];
        }
        return new NeuronFrequencies(best, bestFrac, List.copyOf(keys), all > 0 ? keyShare / all : 0);
    }

    /** Per neuron, Σ over (i, j) ∈ rows × rows of sq[i][j] (the (0, 0) entry is 0 after centering). */
    private static double[] blockSum(double[][][] sq, int[] rows, int M) {
        double[] s = new double[M];
        for (int i : rows) {
            for (int j : rows) {
                double[] v = sq[i][j];
                for (int m = 0; m < M; m++) {
                    s[m] += v[m];
                }
            }
        }
        return s;
    }
}
