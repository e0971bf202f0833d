package org.grokcap.kernels;

/**
 * Cross-entropy over rows of logits, each row one position that has a target: softmax or stablemax
 * probabilities, optionally against a label-smoothed target distribution.
 *
 * <p>With {@code float64} the loss is computed in double precision, as the reference grokking
 * setup does: once the loss is tiny, 1 − p in single precision rounds to zero and the gradient
 * would vanish. Backward recomputes the probabilities from the logits, so no probability buffer is kept.
 *
 * <p>Stablemax (Prieto et al., "Grokking at the Edge of Numerical Stability") replaces exp by
 * s(x) = x + 1 for x ≥ 0 and 1/(1 − x) for x &lt; 0, and p_v = s(x_v) / Σ_u s(x_u). s grows only
 * linearly, so a confident prediction does not push p_target to exactly 1 as fast as softmax does.
 * Each logit evaluates only its own branch of s: evaluating both and selecting one would divide by
 * zero at x = 1 (and give a NaN gradient there). s is not shift-invariant, so no max is subtracted.
 *
 * <p>Label smoothing ε puts 1 − ε + ε/V on the target and ε/V on every class (PyTorch's
 * {@code label_smoothing}); the loss is −Σ_v q_v log p_v = −log p_target + ε·(log s_target − mean_v log s_v),
 * with log s = x for softmax (the log-normaliser cancels in the difference).
 */
public final class CrossEntropy {
    private CrossEntropy() {}

    /**
     * Which loss a row gets.
     *
     * @param stablemax      stablemax probabilities instead of softmax
     * @param labelSmoothing ε in [0, 1)
     * @param float64        compute in double precision (else single)
     */
    public record Loss(boolean stablemax, double labelSmoothing, boolean float64) {
        /** Softmax cross-entropy without label smoothing. */
        public static Loss softmax(boolean float64) {
            return new Loss(false, 0.0, float64);
        }

        /** The same probabilities without label smoothing: the plain −log p(target). */
        public Loss unsmoothed() {
            return new Loss(stablemax, 0.0, float64);
        }
    }

    /**
     * losses[n] = −Σ_v q_v log p(logits[n])_v (−log p_target without smoothing); hits[n] = 1 if the argmax
     * is the target, else 0 (s is monotone, so stablemax has the same argmax as softmax).
     *
     * @param losses  (N)
     * @param hits    (N)
     * @param logits  (N,V)
     * @param targets (N) each in [0,V)
     */
    public static void forward(float[] losses, int lossesOff, float[] hits, int hitsOff, float[] logits, int logitsOff,
                               int[] targets, int targetsOff, int N, int V, Loss loss) {
        forward(losses, lossesOff, hits, hitsOff, logits, logitsOff, targets, targetsOff, N, V, loss, SCALAR);
    }

    /** {@link #forward}, with the exponentials done by {@code m}. */
    public static void forward(float[] losses, int lossesOff, float[] hits, int hitsOff, float[] logits, int logitsOff,
                               int[] targets, int targetsOff, int N, int V, Loss loss, RowMath m) {
        boolean float64 = loss.float64();
        double eps = loss.labelSmoothing();
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
            if (loss.stablemax()) {
                losses[lossesOff + n] = stablemaxLoss(logits, l, V, target, eps, float64);
            } else if (float64) {
                double sum = m.sumExp(logits, l, V, max, true);
                double term = Math.log(sum) - ((double) logits[l + target] - max);
                if (eps != 0.0) {
                    double mean = 0.0;
                    for (int v = 0; v < V; v++) {
                        mean += logits[l + v];
                    }
                    term += eps * (logits[l + target] - mean / V);
                }
                losses[lossesOff + n] = (float) term;
            } else {
                float sum = (float) m.sumExp(logits, l, V, max, false);
                float term = (float) Math.log(sum) - (logits[l + target] - max);
                if (eps != 0.0) {
                    float mean = 0f;
                    for (int v = 0; v < V; v++) {
                        mean += logits[l + v];
                    }
                    term += (float) eps * (logits[l + target] - mean / V);
                }
                losses[lossesOff + n] = term;
            }
            hits[hitsOff + n] = argmax == target ? 1f : 0f;
        }
    }

    /**
     * One row's stablemax loss: −log(s_t / S) (the ratio keeps a p_t near 1 accurate, where
     * log S − log s_t would cancel), plus ε·(log s_t − mean_v log s_v) with label smoothing.
     */
    private static float stablemaxLoss(float[] x, int xOff, int V, int target, double eps, boolean float64) {
        if (float64) {
            double sum = 0.0;
            for (int v = 0; v < V; v++) {
                sum += stable(x[xOff + v]);
            }
            double st = stable(x[xOff + target]);
            double term = -Math.log(st / sum);
            if (eps != 0.0) {
                double meanLog = 0.0;
                for (int v = 0; v < V; v++) {
                    meanLog += Math.log(stable(x[xOff + v]));
                }
                term += eps * (Math.log(st) - meanLog / V);
            }
            return (float) term;
        }
        float sum = 0f;
        for (int v = 0; v < V; v++) {
            sum += stable32(x[xOff + v]);
        }
        float st = stable32(x[xOff + target]);
        float term = -(float) Math.log(st / sum);
        if (eps != 0.0) {
            float meanLog = 0f;
            for (int v = 0; v < V; v++) {
                meanLog += (float) Math.log(stable32(x[xOff + v]));
            }
            term += (float) eps * ((float) Math.log(st) - meanLog / V);
        }
        return term;
    }

    /** s(x) = x + 1 for x ≥ 0, 1/(1 − x) below, in double; only the branch x uses is evaluated. */
    static double stable(double x) {
        if (x >= 0) {
            return x + 1.0;
        }
        return 1.0 / (1.0 - x);
    }

    /** {@link #stable} in single precision. */
    static float stable32(float x) {
        if (x >= 0f) {
            return x + 1f;
        }
        return 1f / (1f - x);
    }

    /**
     * dlogits += (∂ loss[n] / ∂ logits[n]) · dlossScale, where dlossScale is d(total loss)/d(losses[n])
     * (1/N for a mean). Softmax: p − q. Stablemax: s'(x_v)·(1/S − q_v/s(x_v)).
     *
     * @param dlogits (N,V)
     * @param logits  (N,V)
     * @param targets (N)
     */
    public static void backward(float[] dlogits, int dlogitsOff, float[] logits, int logitsOff,
                                int[] targets, int targetsOff, int N, int V, float dlossScale, Loss loss) {
        backward(dlogits, dlogitsOff, logits, logitsOff, targets, targetsOff, N, V, dlossScale, loss, SCALAR);
    }

    /** {@link #backward}, with the exponentials done by {@code m}. */
    public static void backward(float[] dlogits, int dlogitsOff, float[] logits, int logitsOff,
                                int[] targets, int targetsOff, int N, int V, float dlossScale, Loss loss,
                                RowMath m) {
        boolean float64 = loss.float64();
        double eps = loss.labelSmoothing();
        // q_v: 1 on the target and 0 elsewhere without smoothing, exactly
        double qOther = eps / V;
        double qTarget = (1.0 - eps) + qOther;
        for (int n = 0; n < N; n++) {
            int l = logitsOff + n * V;
            int target = targets[targetsOff + n];
            if (loss.stablemax()) {
                addStablemaxGradient(dlogits, dlogitsOff + n * V, logits, l, V, target, qTarget, qOther,
                        dlossScale, float64);
                continue;
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int v = 0; v < V; v++) {
                max = Math.max(max, logits[l + v]);
            }
            double sum = m.sumExp(logits, l, V, max, float64);
            m.addSoftmaxGradient(dlogits, dlogitsOff + n * V, logits, l, V, max, sum, target, qTarget, qOther,
                    dlossScale, float64);
        }
    }

    /**
     * d[v] += s'(x_v)·(1/S − q_v/s(x_v))·scale: for x ≥ 0, 1/S − q_v/(x + 1); for x &lt; 0, with
     * u = 1 − x (s = 1/u, s' = 1/u²), (1/(u·S) − q_v)/u.
     */
    private static void addStablemaxGradient(float[] d, int dOff, float[] x, int xOff, int V, int target,
                                             double qTarget, double qOther, float scale, boolean float64) {
        if (float64) {
            double sum = 0.0;
            for (int v = 0; v < V; v++) {
                sum += stable(x[xOff + v]);
            }
            for (int v = 0; v < V; v++) {
                double xv = x[xOff + v];
                double q = v == target ? qTarget : qOther;
                double g;
                if (xv >= 0) {
                    g = 1.0 / sum - q / (xv + 1.0);
                } else {
                    double u = 1.0 - xv;
                    g = (1.0 / (u * sum) - q) / u;
                }
                d[dOff + v] += (float) (g * scale);
            }
            return;
        }
        float sum = 0f;
        for (int v = 0; v < V; v++) {
            sum += stable32(x[xOff + v]);
        }
        for (int v = 0; v < V; v++) {
            float xv = x[xOff + v];
            float q = (float) (v == target ? qTarget : qOther);
            float g;
            if (xv >= 0f) {
                g = 1f / sum - q / (xv + 1f);
            } else {
                float u = 1f - xv;
                g = (1f / (u * sum) - q) / u;
            }
            d[dOff + v] += g * scale;
        }
    }

    /**
     * Rows whose single-precision loss term is exactly 0: the target's probability rounded to 1 in
     * float32 (softmax collapse: the other classes' terms are absorbed in the float sum), so a float32
     * implementation would give that row no gradient at all. Computed as a float32 implementation
     * would: {@link #forward} with float64 off and no smoothing (softmax: max-subtracted logits, float
     * sum of exp, float log, log(sum) − (x_target − max); stablemax: −log(s_target / S) in float).
     *
     * @param logits  (N,V)
     * @param targets (N)
     */
    public static int collapsedRows(float[] logits, int logitsOff, int[] targets, int targetsOff, int N, int V,
                                    boolean stablemax) {
        float[] losses = new float[N];
        float[] hits = new float[N];
        forward(losses, 0, hits, 0, logits, logitsOff, targets, targetsOff, N, V, new Loss(stablemax, 0.0, false));
        int collapsed = 0;
        for (float loss : losses) {
            collapsed += loss == 0f ? 1 : 0;
        }
        return collapsed;
    }

    /** The per-row exponentials, so that an optimised backend can run them on SIMD lanes. */
    public interface RowMath {
        /** Σ_v exp(x[v] − max) over n values: summed in double when float64, else in float (returned widened). */
        double sumExp(float[] x, int xOff, int n, float max, boolean float64);

        /**
         * d[v] += (exp(x[v] − max) / sum − q_v) · scale, q_v = qTarget at v = target and qOther elsewhere,
         * in double when float64, else in float.
         */
        void addSoftmaxGradient(float[] d, int dOff, float[] x, int xOff, int n, float max, double sum, int target,
                                double qTarget, double qOther, float scale, boolean float64);
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
                                       int target, double qTarget, double qOther, float scale, boolean float64) {
            if (float64) {
                for (int v = 0; v < n; v++) {
                    double p = Math.exp((double) x[xOff + v] - max) / sum;
                    d[dOff + v] += (float) ((p - (v == target ? qTarget : qOther)) * scale);
                }
                return;
            }
            float fsum = (float) sum;
            float qt = (float) qTarget;
            float qo = (float) qOther;
            for (int v = 0; v < n; v++) {
                float p = (float) Math.exp(x[xOff + v] - max) / fsum;
                d[dOff + v] += (p - (v == target ? qt : qo)) * scale;
            }
        }
    };
}
