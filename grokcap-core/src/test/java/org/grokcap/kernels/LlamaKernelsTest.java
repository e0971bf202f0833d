package org.grokcap.kernels;

import static org.grokcap.kernels.Numerics.*;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The Llama-style kernels against double-precision re-implementations and finite differences: RMSNorm, SwiGLU, rotary. */
class LlamaKernelsTest {

    static double[] rmsNormForward(double[] inp, double[] weight, int N, int C, double[] rstd) {
        double[] out = new double[N * C];
        for (int n = 0; n < N; n++) {
            double ms = 0.0;
            for (int c = 0; c < C; c++) {
                ms += inp[n * C + c] * inp[n * C + c];
            }
            double s = 1.0 / Math.sqrt(ms / C + 1e-5);
            for (int c = 0; c < C; c++) {
                out[n * C + c] = inp[n * C + c] * s * weight[c];
            }
            if (rstd != null) {
                rstd[n] = s;
            }
        }
        return out;
    }

    static double[] swigluForward(double[] inp, int N, int M) {
        double[] out = new double[N * M];
        for (int n = 0; n < N; n++) {
            for (int i = 0; i < M; i++) {
                double g = inp[n * 2 * M + i];
                out[n * M + i] = g / (1.0 + Math.exp(-g)) * inp[n * 2 * M + M + i];
            }
        }
        return out;
    }

    /** Rotate-half RoPE with angles computed here in double, independently of {@link Rotary#table}. */
    static double[] rotaryForward(double[] inp, int N, int T, int C, int H) {
        int hs = C / H;
        int half = hs / 2;
        double[] out = inp.clone();
        for (int n = 0; n < N; n++) {
            int t = n % T;
            for (int part = 0; part < 2; part++) {
                for (int h = 0; h < H; h++) {
                    int base = n * 3 * C + part * C + h * hs;
                    for (int i = 0; i < half; i++) {
                        double angle = t * Math.pow(10000.0, -2.0 * i / hs);
                        double x1 = inp[base + i];
                        double x2 = inp[base + half + i];
                        out[base + i] = x1 * Math.cos(angle) - x2 * Math.sin(angle);
                        out[base + half + i] = x2 * Math.cos(angle) + x1 * Math.sin(angle);
                    }
                }
            }
        }
        return out;
    }

    @Property(tries = 100)
    void rmsNormMatchesDoublePrecision(@ForAll @IntRange(min = 1, max = 6) int N,
                                       @ForAll @IntRange(min = 1, max = 12) int C, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Slab inp = input(r, N * C, -2, 2);
        Slab weight = input(r, C, -1.5, 1.5);
        Slab out = output(r, N * C);
        Slab rstd = output(r, N);
        RmsNorm.forward(out.a(), out.off(), rstd.a(), rstd.off(), inp.a(), inp.off(), weight.a(), weight.off(), N, C);
        double[] x = inp.values();
        double[] w = weight.values();
        double[] rstdExpected = new double[N];
        assertForward("out", rmsNormForward(x, w, N, C, rstdExpected), out);
        assertForward("rstd", rstdExpected, rstd);

        float[] projection = randomFloats(r, N * C, -1, 1);
        double[] R = toDouble(projection);
        Slab dout = input(r, projection);
        Slab dinp = gradient(r, N * C);
        Slab dweight = gradient(r, C);
        RmsNorm.backward(dinp.a(), dinp.off(), dweight.a(), dweight.off(), dout.a(), dout.off(),
                inp.a(), inp.off(), weight.a(), weight.off(), rstd.a(), rstd.off(), N, C);
        assertGradient("dinp", dinp, numericGradient(x, y -> dot(rmsNormForward(y, w, N, C, null), R)));
        assertGradient("dweight", dweight, numericGradient(w, y -> dot(rmsNormForward(x, y, N, C, null), R)));
    }

    @Property(tries = 100)
    void swigluMatchesDoublePrecision(@ForAll @IntRange(min = 1, max = 5) int N,
                                      @ForAll @IntRange(min = 1, max = 9) int M, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Slab inp = input(r, N * 2 * M, -4, 4);
        Slab out = output(r, N * M);
        Swiglu.forward(out.a(), out.off(), inp.a(), inp.off(), N, M);
        double[] x = inp.values();
        assertForward("out", swigluForward(x, N, M), out);

        float[] projection = randomFloats(r, N * M, -1, 1);
        double[] R = toDouble(projection);
        Slab dout = input(r, projection);
        Slab dinp = gradient(r, N * 2 * M);
        Swiglu.backward(dinp.a(), dinp.off(), inp.a(), inp.off(), dout.a(), dout.off(), N, M);
        assertGradient("dinp", dinp, numericGradient(x, y -> dot(swigluForward(y, N, M), R)));
    }

    @Property(tries = 100)
    void rotaryMatchesDoublePrecision(@ForAll @IntRange(min = 1, max = 3) int B, @ForAll @IntRange(min = 1, max = 7) int T,
                                      @ForAll @IntRange(min = 1, max = 3) int H,
                                      @ForAll @IntRange(min = 1, max = 4) int halfHead, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int hs = 2 * halfHead;
        int C = H * hs;
        int N = B * T;
        Slab cos = output(r, T * halfHead);
        Slab sin = output(r, T * halfHead);
        Rotary.table(cos.a(), cos.off(), sin.a(), sin.off(), T, hs);
        cos.assertPaddingUnchanged("cos");
        sin.assertPaddingUnchanged("sin");
        Slab inp = input(r, N * 3 * C, -2, 2);
        Slab out = output(r, N * 3 * C);
        Rotary.forward(out.a(), out.off(), inp.a(), inp.off(), cos.a(), cos.off(), sin.a(), sin.off(), N, T, C, H);
        double[] x = inp.values();
        assertForward("out", rotaryForward(x, N, T, C, H), out);

        float[] projection = randomFloats(r, N * 3 * C, -1, 1);
        double[] R = toDouble(projection);
        Slab dout = input(r, projection);
        Slab dinp = gradient(r, N * 3 * C);
        Rotary.backward(dinp.a(), dinp.off(), dout.a(), dout.off(), cos.a(), cos.off(), sin.a(), sin.off(), N, T, C, H);
        assertGradient("dinp", dinp, numericGradient(x, y -> dot(rotaryForward(y, N, T, C, H), R)));
    }
}
