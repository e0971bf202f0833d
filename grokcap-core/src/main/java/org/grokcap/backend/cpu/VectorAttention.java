package org.grokcap.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.grokcap.kernels.Attention;

/**
 * {@link Attention}'s forward and backward passes on Vector API lanes, for head sizes that are whole
 * vectors. The arithmetic is the reference loops' with two changes: a dot product sums lane-wise with
 * fused multiply-adds (then across lanes as {@link VectorMath#sum}), and every sum over keys (a head's
 * output, the query's gradient) runs with fused multiply-adds in a register, key by key, and is
 * stored once, where calling a dot and an axpy per key and head reloaded and stored the sum each time
 * (with head size 32 the calls, not the arithmetic, were the cost). Loaded only when
 * {@code jdk.incubator.vector} is in the boot layer.
 */
final class VectorAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorAttention() {}

    /** Whether these kernels apply: a head is whole vectors. */
    static boolean fits(int C, int H) {
        return C % H == 0 && (C / H) % L == 0;
    }

    /**
     * {@link Attention#forward} for query rows [0, NQ) of the given arrays; shapes as there. With a
     * rowMap, row r of the (B,T) grid is row rowMap[rowMapOff + r] of qkv (a table); null: row r itself.
     */
    static void forward(float[] out, int outOff, float[] att, int attOff, float[] qkv, int qkvOff,
                        int[] rowMap, int rowMapOff, int[] qRows, int qRowsOff, int NQ, int T, int C, int H,
                        float scale) {
        int hs = C / H;
        int C3 = 3 * C;
        for (int q = 0; q < NQ; q++) {
            int row = qRows[qRowsOff + q];
            int b = row / T;
            int t = row - b * T;
            for (int h = 0; h < H; h++) {
                int qi = qkvOff + at(rowMap, rowMapOff, row) * C3 + h * hs;
                int a = attOff + (q * H + h) * T;
                float max = Float.NEGATIVE_INFINITY;
                for (int t2 = 0; t2 <= t; t2++) {
                    int k = qkvOff + at(rowMap, rowMapOff, b * T + t2) * C3 + C + h * hs;
                    float s = dot(qkv, qi, qkv, k, hs) * scale;
                    att[a + t2] = s;
                    if (s > max) {
                        max = s;
                    }
                }
                Attention.softmax(att, a, t, T, max);
                // out_h = Σ_t2 p_t2 · v_t2, one vector of the head at a time, summed in a register
                int o = outOff + q * C + h * hs;
                for (int i = 0; i < hs; i += L) {
                    FloatVector acc = FloatVector.zero(S);
                    for (int t2 = 0; t2 <= t; t2++) {
                        int v = qkvOff + at(rowMap, rowMapOff, b * T + t2) * C3 + 2 * C + h * hs + i;
                        acc = FloatVector.fromArray(S, qkv, v).fma(FloatVector.broadcast(S, att[a + t2]), acc);
                    }
                    acc.intoArray(out, o + i);
                }
            }
        }
    }

    /**
     * {@link Attention#backward} for query rows [0, NQ) of the given arrays; shapes as there. q, k and v
     * are read through rowMap as in {@link #forward}; dqkv is always in the grid's layout.
     */
    static void backward(float[] dqkv, int dqkvOff, float[] dout, int doutOff, float[] qkv, int qkvOff,
                         int[] rowMap, int rowMapOff, float[] att, int attOff, int[] qRows, int qRowsOff,
                         int NQ, int T, int C, int H, float scale, float[] dpre) {
        int hs = C / H;
        int C3 = 3 * C;
        for (int q = 0; q < NQ; q++) {
            int row = qRows[qRowsOff + q];
            int b = row / T;
            int t = row - b * T;
            int keys = b * T * C3; // row (b, 0) of dqkv, relative to its offset
            for (int h = 0; h < H; h++) {
                int a = attOff + (q * H + h) * T;
                int d = doutOff + q * C + h * hs;
                int qi = qkvOff + at(rowMap, rowMapOff, row) * C3 + h * hs;
                int dqi = dqkvOff + row * C3 + h * hs;
                // g_t2 = dout·v_t2; mean = Σ p_t2 g_t2; d(pre-softmax)_t2 = p_t2 (g_t2 − mean)·scale
                float mean = 0f;
                for (int t2 = 0; t2 <= t; t2++) {
                    int v = qkvOff + at(rowMap, rowMapOff, b * T + t2) * C3 + 2 * C + h * hs;
                    float g = dot(dout, d, qkv, v, hs);
                    dpre[t2] = g;
                    mean += att[a + t2] * g;
                }
                for (int t2 = 0; t2 <= t; t2++) {
                    dpre[t2] = att[a + t2] * (dpre[t2] - mean) * scale;
                }
                for (int i = 0; i < hs; i += L) {
                    FloatVector dq = FloatVector.fromArray(S, dqkv, dqi + i);
                    FloatVector qv = FloatVector.fromArray(S, qkv, qi + i);
                    FloatVector dov = FloatVector.fromArray(S, dout, d + i);
                    for (int t2 = 0; t2 <= t; t2++) {
                        int base = keys + t2 * C3 + h * hs + i;
                        float p = att[a + t2];
                        // dv_t2 += p·dout; dq += dpre_t2·k_t2; dk_t2 += dpre_t2·q
                        int dv = dqkvOff + base + 2 * C;
                        dov.fma(FloatVector.broadcast(S, p), FloatVector.fromArray(S, dqkv, dv)).intoArray(dqkv, dv);
                        int k = qkvOff + at(rowMap, rowMapOff, b * T + t2) * C3 + C + h * hs + i;
                        dq = FloatVector.fromArray(S, qkv, k).fma(FloatVector.broadcast(S, dpre[t2]), dq);
                        int dk = dqkvOff + base + C;
                        qv.fma(FloatVector.broadcast(S, dpre[t2]), FloatVector.fromArray(S, dqkv, dk)).intoArray(dqkv, dk);
                    }
                    dq.intoArray(dqkv, dqi + i);
                }
            }
        }
    }

    /** Row r of the grid's q|k|v: rowMap[rowMapOff + r], or r itself without a map. */
    private static int at(int[] rowMap, int rowMapOff, int r) {
        return rowMap == null ? r : rowMap[rowMapOff + r];
    }

    /** Σ x·y over n (a multiple of L) elements, lane-wise then across lanes. */
    private static float dot(float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            acc = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), acc);
        }
        return VectorMath.sum(acc);
    }
}
