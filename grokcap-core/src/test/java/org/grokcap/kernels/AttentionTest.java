package org.grokcap.kernels;

import static org.grokcap.kernels.Numerics.*;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class AttentionTest {

    /**
     * Causal multi-head attention in double at the query rows; fills {@code att} (NQ,H,T) with the
     * probabilities when it is not null.
     */
    static double[] attentionForward(double[] qkv, int[] rows, int T, int C, int H, double scale, double[] att) {
        int hs = C / H;
        int C3 = 3 * C;
        int NQ = rows.length;
        double[] out = new double[NQ * C];
        double[] s = new double[T];
        for (int q = 0; q < NQ; q++) {
            int row = rows[q];
            int b = row / T;
            int t = row % T;
            for (int h = 0; h < H; h++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int t2 = 0; t2 <= t; t2++) {
                    double dot = 0.0;
                    for (int i = 0; i < hs; i++) {
                        dot += qkv[row * C3 + h * hs + i] * qkv[(b * T + t2) * C3 + C + h * hs + i];
                    }
                    s[t2] = dot * scale;
                    max = Math.max(max, s[t2]);
                }
                double sum = 0.0;
                for (int t2 = 0; t2 <= t; t2++) {
                    sum += Math.exp(s[t2] - max);
                }
                for (int t2 = 0; t2 <= t; t2++) {
                    double p = Math.exp(s[t2] - max) / sum;
                    if (att != null) {
                        att[(q * H + h) * T + t2] = p;
                    }
                    for (int i = 0; i < hs; i++) {
                        out[q * C + h * hs + i] += p * qkv[(b * T + t2) * C3 + 2 * C + h * hs + i];
                    }
                }
            }
        }
        return out;
    }

    /** A random non-empty subset of 0..n-1, distinct, in random order. */
    static int[] randomRows(SplittableRandom r, int n) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = all[i];
            all[i] = all[j];
            all[j] = tmp;
        }
        return java.util.Arrays.copyOf(all, r.nextInt(1, n + 1));
    }

    @Property(tries = 100)
    void forwardAndBackwardMatchDoublePrecision(@ForAll @IntRange(min = 1, max = 3) int B,
                                                @ForAll @IntRange(min = 1, max = 5) int T,
                                                @ForAll @IntRange(min = 1, max = 4) int H,
                                                @ForAll @IntRange(min = 1, max = 3) int headSize,
                                                @ForAll boolean allRows,
                                                @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int C = H * headSize;
        int BT = B * T;
        int[] rows;
        if (allRows) {
            rows = new int[BT];
            for (int i = 0; i < BT; i++) {
                rows[i] = i;
            }
        } else {
            rows = randomRows(r, BT);
        }
        int NQ = rows.length;
        float scale = (float) r.nextDouble(0.1, 1.5);

        Slab qkv = input(r, BT * 3 * C, -1, 1);
        Ints qRows = ints(r, rows);
        Slab out = output(r, NQ * C);
        Slab att = output(r, NQ * H * T);
        Attention.forward(out.a(), out.off(), att.a(), att.off(), qkv.a(), qkv.off(),
                qRows.a(), qRows.off(), NQ, T, C, H, scale);

        double[] x = qkv.values();
        double[] attExpected = new double[NQ * H * T];
        assertForward("out", attentionForward(x, rows, T, C, H, scale, attExpected), out);
        assertForward("att", attExpected, att);

        float[] projection = randomFloats(r, NQ * C, -1, 1);
        double[] R = toDouble(projection);
        Slab dout = input(r, projection);
        Slab dqkv = gradient(r, BT * 3 * C);
        Attention.backward(dqkv.a(), dqkv.off(), dout.a(), dout.off(), qkv.a(), qkv.off(), att.a(), att.off(),
                qRows.a(), qRows.off(), NQ, T, C, H, scale);

        double[] numeric = numericGradient(x, y -> dot(attentionForward(y, rows, T, C, H, scale, null), R));
        assertGradient("dqkv", dqkv, numeric);
    }
}
