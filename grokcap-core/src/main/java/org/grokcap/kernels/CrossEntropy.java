package org.grokcap.kernels;

/**
 * Softmax cross-entropy over rows of logits, each row one position that has a target.
 *
 * <p>With {@code float64} the softmax is computed in double precision, as the reference grokking
 * setup does: once the loss is tiny, 1 − p in single precision rounds to zero and the gradient
 * would vanish. Backward recomputes the softmax from the logits, so no probability buffer is kept.
 */
public final class CrossEntropy {
    private CrossEntropy() {}

    /**
     * losses[n] = −log softmax(logits[n])[targets[n]]; hits[n] = 1 if the argmax is the target, else 0.
     *
     * @param losses  (N)
     * @param hits    (N)
     * @param logits  (N,V)
     * @param targets (N) each in [0,V)
     */
    public static void forward(float[] losses, int lossesOff, float[] hits, int hitsOff, float[] logits, int logitsOff,
                               int[] targets, int targetsOff, int N, int V, boolean float64) {
        forward(losses, lossesOff, hits, hitsOff, logits, logitsOff, targets, targetsOff, N, V, float64, SCALAR);
    }

    /** {@link #forward}, with the exponentials done by {@code m}. */
    public static void forward(float[] losses, int lossesOff, float[] hits, int hitsOff, float[] logits, int logitsOff,
                               int[] targets, int targetsOff, int N, int V, boolean float64, RowMath m) {
        for (int n = 0; n < N; n++) {
            int l = logitsOff + n * V;
            int target = targets[targetsOff + n];
            float max = Float.NEGATIVE_INFINITY;
            int argmax = 0;
            for (int v = 0; v < V; v++) {
                if (logits[l + v] > max) {
                    max = logits[l + v];
                    argmax = v;
                }
            }
            double sum = m.sumExp(logits, l, V, max, float64);
            if (float64) {
                losses[lossesOff + n] = (float) (Math.log(sum) - ((double) logits[l + target] - max));
            } else {
                losses[lossesOff + n] = (float) Math.log(sum) - (logits[l + target] - max);
            }
            hits[hitsOff + n] = argmax == target ? 1f : 0f;
        }
    }

    /**
     * dlogits += (softmax(logits) − onehot(target)) · dlossScale, where dlossScale is d(total loss)/d(losses[n])
     * (1/N for a mean).
     *
     * @param dlogits (N,V)
     * @param logits  (N,V)
     * @param targets (N)
     */
    public static void backward(float[] dlogits, int dlogitsOff, float[] logits, int logitsOff,
                                int[] targets, int targetsOff, int N, int V, float dlossScale, boolean float64) {
        backward(dlogits, dlogitsOff, logits, logitsOff, targets, targetsOff, N, V, dlossScale, float64, SCALAR);
    }

    /** {@link #backward}, with the exponentials done by {@code m}. */
    public static void backward(float[] dlogits, int dlogitsOff, float[] logits, int logitsOff,
                                int[] targets, int targetsOff, int N, int V, float dlossScale, boolean float64,
                                RowMath m) {
        for (int n = 0; n < N; n++) {
            int l = logitsOff + n * V;
            float max = Float.NEGATIVE_INFINITY;
            for (int v = 0; v < V; v++) {
                max = Math.max(max, logits[l + v]);
            }
            double sum = m.sumExp(logits, l, V, max, float64);
            m.addSoftmaxGradient(dlogits, dlogitsOff + n * V, logits, l, V, max, sum, targets[targetsOff + n],
                    dlossScale, float64);
        }
    }

    /** The per-row exponentials, so that an optimised backend can run them on SIMD lanes. */
    public interface RowMath {
        /** Σ_v exp(x[v] − max) over n values: summed in double when float64, else in float (returned widened). */
        double sumExp(float[] x, int xOff, int n, float max, boolean float64);

        /** d[v] += (exp(x[v] − max) / sum − [v = target]) · scale, in double when float64, else in float. */
        void addSoftmaxGradient(float[] d, int dOff, float[] x, int xOff, int n, float max, double sum, int target,
                                float scale, boolean float64);
    }

    /** Plain loops, summing in index order. */
    public static final RowMath SCALAR = new RowMath() {
        @Override
        public double sumExp(float[] x, int xOff, int n, float max, boolean float64) {
            if (float64) {
                double sum = 0.0;
                for (int v = 0; v < n; v++) {
                    sum += Math.exp((double) x[xOff + v] - max);
                }
                return sum;
            }
            float sum = 0f;
            for (int v = 0; v < n; v++) {
                sum += (float) Math.exp(x[xOff + v] - max);
            }
            return sum;
        }

        @Override
        public void addSoftmaxGradient(float[] d, int dOff, float[] x, int xOff, int n, float max, double sum,
                                       int target, float scale, boolean float64) {
            if (float64) {
                for (int v = 0; v < n; v++) {
                    double p = Math.exp((double) x[xOff + v] - max) / sum;
                    d[dOff + v] += (float) ((p - (v == target ? 1.0 : 0.0)) * scale);
                }
                return;
            }
            float fsum = (float) sum;
            for (int v = 0; v < n; v++) {
                float p = (float) Math.exp(x[xOff + v] - max) / fsum;
                d[dOff + v] += (p - (v == target ? 1f : 0f)) * scale;
            }
        }
    };
}
