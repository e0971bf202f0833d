package org.grokcap.kernels;

/**
 * Multi-head causal self-attention over a fused q|k|v buffer, evaluated only at chosen query rows.
 *
 * <p>The query rows are indices {@code b*T + t} into the (B,T) grid; the query at (b,t) attends to
 * keys (b,0..t). Every layer but the last asks for all rows; the last layer asks only for the rows
 * whose output the loss reads, which is exact and saves the work the loss never sees.
 */
public final class Attention {
    private Attention() {}

    /**
     * @param out   (NQ,C) the heads' outputs, concatenated
     * @param att   (NQ,H,T) softmax probabilities, saved for backward (entries after t are 0)
     * @param qkv   (B,T,3C) q, k, v for every position, heads contiguous within each of q, k, v
     * @param qRows (NQ) row index b*T+t of each query
     * @param scale the factor on q·k (usually 1/√(C/H))
     */
    public static void forward(float[] out, int outOff, float[] att, int attOff, float[] qkv, int qkvOff,
                               int[] qRows, int qRowsOff, int NQ, int T, int C, int H, float scale) {
        int hs = C / H;
        int C3 = 3 * C;
        for (int q = 0; q < NQ; q++) {
            int row = qRows[qRowsOff + q];
            int b = row / T;
            int t = row - b * T;
            for (int h = 0; h < H; h++) {
                int qi = qkvOff + row * C3 + h * hs;
                int a = attOff + (q * H + h) * T;
                float max = Float.NEGATIVE_INFINITY;
                for (int t2 = 0; t2 <= t; t2++) {
                    float dot = dot(qkv, qi, qkv, qkvOff + (b * T + t2) * C3 + C + h * hs, hs) * scale;
                    att[a + t2] = dot;
                    if (dot > max) {
                        max = dot;
                    }
                }
                softmax(att, a, t, T, max);
                int o = outOff + q * C + h * hs;
                for (int i = 0; i < hs; i++) {
                    out[o + i] = 0f;
                }
                for (int t2 = 0; t2 <= t; t2++) {
                    axpy(att[a + t2], qkv, qkvOff + (b * T + t2) * C3 + 2 * C + h * hs, out, o, hs);
                }
            }
        }
    }

    /**
     * dqkv += gradient of out with respect to q, k and v.
     *
     * <p>With p the probabilities and g_j = dout·v_j, d(pre-softmax)_j = p_j (g_j − Σ_i p_i g_i);
     * the sum is taken in a first pass so that nothing needs scratch space.
     *
     * @param dqkv (B,T,3C)
     * @param dout (NQ,C)
     * @param qkv  (B,T,3C)
     * @param att  (NQ,H,T) as saved by forward
     */
    public static void backward(float[] dqkv, int dqkvOff, float[] dout, int doutOff, float[] qkv, int qkvOff,
                                float[] att, int attOff, int[] qRows, int qRowsOff,
                                int NQ, int T, int C, int H, float scale) {
        int hs = C / H;
        int C3 = 3 * C;
        for (int q = 0; q < NQ; q++) {
            int row = qRows[qRowsOff + q];
            int b = row / T;
            int t = row - b * T;
            for (int h = 0; h < H; h++) {
                int a = attOff + (q * H + h) * T;
                int d = doutOff + q * C + h * hs;
                int qi = qkvOff + row * C3 + h * hs;
                int dqi = dqkvOff + row * C3 + h * hs;
                float mean = 0f;
                for (int t2 = 0; t2 <= t; t2++) {
                    mean += att[a + t2] * dot(dout, d, qkv, qkvOff + (b * T + t2) * C3 + 2 * C + h * hs, hs);
                }
                for (int t2 = 0; t2 <= t; t2++) {
                    int base = (b * T + t2) * C3 + h * hs;
                    float p = att[a + t2];
                    float g = dot(dout, d, qkv, qkvOff + base + 2 * C, hs);
                    float dpre = p * (g - mean) * scale;
                    axpy(p, dout, d, dqkv, dqkvOff + base + 2 * C, hs);
                    axpy(dpre, qkv, qkvOff + base + C, dqkv, dqi, hs);
                    axpy(dpre, qkv, qi, dqkv, dqkvOff + base + C, hs);
                }
            }
        }
    }

    /**
     * The scores att[a … a+t] (their largest is max) become probabilities, and att[a+t+1 … a+T-1], the
     * keys a causal query cannot see, become 0.
     */
    public static void softmax(float[] att, int a, int t, int T, float max) {
        float sum = 0f;
        for (int t2 = 0; t2 <= t; t2++) {
            float e = (float) Math.exp(att[a + t2] - max);
            att[a + t2] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int t2 = 0; t2 < T; t2++) {
            att[a + t2] = t2 <= t ? att[a + t2] * inv : 0f;
        }
    }

    /** Σ x·y over n elements, in index order. */
    private static float dot(float[] x, int xOff, float[] y, int yOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += x[xOff + i] * y[yOff + i];
        }
        return s;
    }

    /** y += p·x over n elements. */
    private static void axpy(float p, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += p * x[xOff + i];
        }
    }
}
