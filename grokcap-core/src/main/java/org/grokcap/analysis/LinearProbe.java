package org.grokcap.analysis;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A linear softmax probe: multinomial logistic regression from a feature vector (a residual-stream
 * row) to a class, with an L2 penalty on the weights (not the biases), fitted in double precision by
 * full-batch Adam on standardised features. The penalty is chosen by k-fold cross-validation on the
 * training part; the chosen probe is refitted on all of it and scored on a held-out test part that
 * took no part in the choice.
 */
public final class LinearProbe {
    /** Adam steps per fit: enough for these small, convex problems to settle (the loss change is reported). */
    public static final int ITERATIONS = 300;
    private static final double LR = 0.05;

    private final int dim;
    private final int classes;
    private final double lambda;
    private final double[] mean;
    private final double[] scale;
    private final double[] w; // (classes, dim + 1): weights then bias

    private LinearProbe(int dim, int classes, double lambda, double[] mean, double[] scale, double[] w) {
        this.dim = dim;
        this.classes = classes;
        this.lambda = lambda;
        this.mean = mean;
        this.scale = scale;
        this.w = w;
    }

    public double lambda() {
        return lambda;
    }

    /** Fits a probe to rows x[i] (all of length dim) with labels y[i] in [0, classes). */
    public static LinearProbe fit(double[][] x, int[] y, int classes, double lambda) {
        int n = x.length;
        if (n == 0 || n != y.length) {
            throw new IllegalArgumentException("a probe needs ≥ 1 example and one label per row; got " + n + " rows, "
                    + y.length + " labels");
        }
        int d = x[0].length;
        double[] mean = new double[d];
        double[] scale = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                scale[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
            }
        }
        for (int j = 0; j < d; j++) {
            double sd = Math.sqrt(scale[j] / n);
            scale[j] = sd > 1e-12 ? 1.0 / sd : 0.0;
        }
        double[][] z = standardise(x, mean, scale);
        int stride = d + 1;
        double[] w = new double[classes * stride];
        double[] g = new double[w.length];
        double[] m = new double[w.length];
        double[] v = new double[w.length];
        double[] p = new double[classes];
        for (int it = 1; it <= ITERATIONS; it++) {
            Arrays.fill(g, 0.0);
            for (int i = 0; i < n; i++) {
                softmax(w, z[i], d, classes, p);
                p[y[i]] -= 1.0;
                for (int k = 0; k < classes; k++) {
                    double pk = p[k] / n;
                    if (pk == 0.0) {
                        continue;
                    }
                    int o = k * stride;
                    for (int j = 0; j < d; j++) {
                        g[o + j] += pk * z[i][j];
                    }
                    g[o + d] += pk;
                }
            }
            for (int k = 0; k < classes; k++) {
                for (int j = 0; j < d; j++) {
                    g[k * stride + j] += 2 * lambda * w[k * stride + j];
                }
            }
            double b1 = 1 - Math.pow(0.9, it);
            double b2 = 1 - Math.pow(0.999, it);
            for (int q = 0; q < w.length; q++) {
                m[q] = 0.9 * m[q] + 0.1 * g[q];
                v[q] = 0.999 * v[q] + 0.001 * g[q] * g[q];
                w[q] -= LR * (m[q] / b1) / (Math.sqrt(v[q] / b2) + 1e-8);
            }
        }
        return new LinearProbe(d, classes, lambda, mean, scale, w);
    }

    /** Mean cross-entropy in bits and accuracy of the probe on (x, y): {bits, accuracy}. */
    public double[] score(double[][] x, int[] y) {
        double[][] z = standardise(x, mean, scale);
        double[] p = new double[classes];
        double ce = 0;
        int hits = 0;
        for (int i = 0; i < z.length; i++) {
            softmax(w, z[i], dim, classes, p);
            ce -= Math.log(Math.max(p[y[i]], 1e-300));
            int best = 0;
            for (int k = 1; k < classes; k++) {
                if (p[k] > p[best]) {
                    best = k;
                }
            }
            hits += best == y[i] ? 1 : 0;
        }
        return new double[] {ce / z.length / Math.log(2), (double) hits / z.length};
    }

    /**
     * The outcome of {@link #crossValidated}.
     *
     * @param lambda      the penalty chosen
     * @param cvBits      mean held-out cross-entropy (bits) of each candidate penalty, in the order given
     * @param testBits    the chosen probe's cross-entropy on the test part (bits)
     * @param testAccuracy its accuracy there
     * @param unigramBits cross-entropy on the test part of the training part's class frequencies (add-one smoothed)
     * @param trainCount  examples in the training part
     * @param testCount   examples in the test part
     */
    public record Result(double lambda, double[] cvBits, double testBits, double testAccuracy, double unigramBits,
                         int trainCount, int testCount) {}

    /**
     * Holds out testFraction of the examples (a seeded shuffle), picks the penalty among lambdas by
     * folds-fold cross-validation on the rest, refits there and scores on the held-out part.
     */
    public static Result crossValidated(double[][] x, int[] y, int classes, double[] lambdas, int folds,
                                        double testFraction, long seed) {
        int n = x.length;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int nTest = Math.max(1, (int) Math.round(n * testFraction));
        int nTrain = n - nTest;
        if (nTrain < folds) {
            throw new IllegalArgumentException("too few examples for a probe: " + n + " (need at least " + (folds + 1)
                    + ")");
        }
        int[] train = Arrays.copyOfRange(order, nTest, n);
        int[] test = Arrays.copyOfRange(order, 0, nTest);
        double[] cv = new double[lambdas.length];
        for (int li = 0; li < lambdas.length; li++) {
            double sum = 0;
            for (int f = 0; f < folds; f++) {
                int lo = f * nTrain / folds;
                int hi = (f + 1) * nTrain / folds;
                int[] fitIdx = new int[nTrain - (hi - lo)];
                int[] valIdx = Arrays.copyOfRange(train, lo, hi);
                System.arraycopy(train, 0, fitIdx, 0, lo);
                System.arraycopy(train, hi, fitIdx, lo, nTrain - hi);
                LinearProbe p = fit(rows(x, fitIdx), labels(y, fitIdx), classes, lambdas[li]);
                sum += p.score(rows(x, valIdx), labels(y, valIdx))[0] * valIdx.length;
            }
            cv[li] = sum / nTrain;
        }
        int best = 0;
        for (int li = 1; li < lambdas.length; li++) {
            if (cv[li] < cv[best]) {
                best = li;
            }
        }
        LinearProbe chosen = fit(rows(x, train), labels(y, train), classes, lambdas[best]);
        double[] s = chosen.score(rows(x, test), labels(y, test));
        return new Result(lambdas[best], cv, s[0], s[1], unigramBits(labels(y, train), labels(y, test), classes),
                nTrain, nTest);
    }

    /** Cross-entropy (bits) on test of the add-one-smoothed class frequencies of train. */
    public static double unigramBits(int[] train, int[] test, int classes) {
        double[] count = new double[classes];
        Arrays.fill(count, 1.0);
        for (int c : train) {
            count[c] += 1;
        }
        double total = train.length + classes;
        double ce = 0;
        for (int c : test) {
            ce -= Math.log(count[c] / total);
        }
        return ce / test.length / Math.log(2);
    }

    private static double[][] rows(double[][] x, int[] idx) {
        double[][] out = new double[idx.length][];
        for (int i = 0; i < idx.length; i++) {
            out[i] = x[idx[i]];
        }
        return out;
    }

    private static int[] labels(int[] y, int[] idx) {
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = y[idx[i]];
        }
        return out;
    }

    private static double[][] standardise(double[][] x, double[] mean, double[] scale) {
        double[][] z = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            z[i] = new double[mean.length];
            for (int j = 0; j < mean.length; j++) {
                z[i][j] = (x[i][j] - mean[j]) * scale[j];
            }
        }
        return z;
    }

    private static void softmax(double[] w, double[] z, int d, int classes, double[] p) {
        int stride = d + 1;
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) {
            double s = w[k * stride + d];
            for (int j = 0; j < d; j++) {
                s += w[k * stride + j] * z[j];
            }
            p[k] = s;
            max = Math.max(max, s);
        }
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            p[k] = Math.exp(p[k] - max);
            sum += p[k];
        }
        for (int k = 0; k < classes; k++) {
            p[k] /= sum;
        }
    }
}
