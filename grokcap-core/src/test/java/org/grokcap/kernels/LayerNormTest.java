package org.grokcap.kernels;

import static org.grokcap.kernels.Numerics.*;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class LayerNormTest {
    /** PyTorch's eps. */
    static final double EPS = 1e-5;

    /** LayerNorm over C in double; fills mean and rstd (N) when they are not null. */
    static double[] layerNormForward(double[] inp, double[] weight, double[] bias, int N, int C,
                                     double[] mean, double[] rstd) {
        double[] out = new double[N * C];
        for (int n = 0; n < N; n++) {
            double m = 0.0;
            for (int c = 0; c < C; c++) {
                m += inp[n * C + c];
            }
            m /= C;
            double v = 0.0;
            for (int c = 0; c < C; c++) {
                double d = inp[n * C + c] - m;
                v += d * d;
            }
            v /= C;
            double s = 1.0 / Math.sqrt(v + EPS);
            for (int c = 0; c < C; c++) {
                out[n * C + c] = (inp[n * C + c] - m) * s * weight[c] + bias[c];
            }
            if (mean != null) {
                mean[n] = m;
                rstd[n] = s;
            }
        }
        return out;
    }

    /**
     * Rows in [-2,2) whose variance is at least 0.05 (C ≥ 2), so that finite differences stay well
     * conditioned; with C = 1 every row has variance 0 and the output is the bias.
     */
    static float[] rows(SplittableRandom r, int N, int C) {
        float[] a = new float[N * C];
        for (int n = 0; n < N; n++) {
            double var;
            do {
                double m = 0.0;
                for (int c = 0; c < C; c++) {
                    a[n * C + c] = (float) r.nextDouble(-2, 2);
                    m += a[n * C + c];
                }
                m /= C;
                var = 0.0;
                for (int c = 0; c < C; c++) {
                    var += (a[n * C + c] - m) * (a[n * C + c] - m);
                }
                var /= C;
            } while (C >= 2 && var < 0.05);
        }
        return a;
    }

    @Property(tries = 100)
    void forwardAndBackwardMatchDoublePrecision(@ForAll @IntRange(min = 1, max = 6) int N,
                                                @ForAll @IntRange(min = 1, max = 12) int C,
                                                @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Slab inp = input(r, rows(r, N, C));
        Slab weight = input(r, C, -1.5, 1.5);
        Slab bias = input(r, C, -1, 1);
        Slab out = output(r, N * C);
        Slab mean = output(r, N);
        Slab rstd = output(r, N);
        LayerNorm.forward(out.a(), out.off(), mean.a(), mean.off(), rstd.a(), rstd.off(),
                inp.a(), inp.off(), weight.a(), weight.off(), bias.a(), bias.off(), N, C);

        double[] x = inp.values();
        double[] w = weight.values();
        double[] b = bias.values();
        double[] meanExpected = new double[N];
        double[] rstdExpected = new double[N];
        assertForward("out", layerNormForward(x, w, b, N, C, meanExpected, rstdExpected), out);
        assertForward("mean", meanExpected, mean);
        assertForward("rstd", rstdExpected, rstd);

        float[] projection = randomFloats(r, N * C, -1, 1);
        double[] R = toDouble(projection);
        Slab dout = input(r, projection);
        Slab dinp = gradient(r, N * C);
        Slab dweight = gradient(r, C);
        Slab dbias = gradient(r, C);
        LayerNorm.backward(dinp.a(), dinp.off(), dweight.a(), dweight.off(), dbias.a(), dbias.off(),
                dout.a(), dout.off(), inp.a(), inp.off(), weight.a(), weight.off(),
                mean.a(), mean.off(), rstd.a(), rstd.off(), N, C);

        assertGradient("dinp", dinp, numericGradient(x, y -> dot(layerNormForward(y, w, b, N, C, null, null), R)));
        assertGradient("dweight", dweight,
                numericGradient(w, y -> dot(layerNormForward(x, y, b, N, C, null, null), R)));
        assertGradient("dbias", dbias, numericGradient(b, y -> dot(layerNormForward(x, w, y, N, C, null, null), R)));
    }
}
