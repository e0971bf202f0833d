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
            double logSum;
            if (float64) {
                double sum = 0.0;
                for (int v = 0; v < V; v++) {
                    sum += Math.exp((double) logits[l + v] - max);
                }
                logSum = Math.log(sum);
                losses[lossesOff + n] = (float) (logSum - ((double) logits[l + target] - max));
            } else {
                float sum = 0f;
                for (int v = 0; v < V; v++) {
                    sum += (float) Math.exp(logits[l + v] - max);
                }
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
        for (int n = 0; n < N; n++) {
            int l = logitsOff + n * V;
            int target = targets[targetsOff + n];
            float max = Float.NEGATIVE_INFINITY;
            for (int v = 0; v < V; v++) {
                max = Math.max(max, logits[l + v]);
            }
            if (float64) {
                double sum = 0.0;
                for (int v = 0; v < V; v++) {
                    sum += Math.exp((double) logits[l + v] - max);
                }
                for (int v = 0; v < V; v++) {
                    double p = Math.exp((double) logits[l + v] - max) / sum;
                    double g = (p - (v == target ? 1.0 : 0.0)) * dlossScale;
                    dlogits[dlogitsOff + n * V + v] += (float) g;
                }
            } else {
                float sum = 0f;
                for (int v = 0; v < V; v++) {
                    sum += (float) Math.exp(logits[l + v] - max);
                }
                for (int v = 0; v < V; v++) {
                    float p = (float) Math.exp(logits[l + v] - max) / sum;
                    dlogits[dlogitsOff + n * V + v] += (p - (v == target ? 1f : 0f)) * dlossScale;
                }
            }
        }
    }
}
