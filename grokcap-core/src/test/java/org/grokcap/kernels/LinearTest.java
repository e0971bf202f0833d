package org.grokcap.kernels;

import static org.grokcap.kernels.Numerics.*;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class LinearTest {

    /** out = inp · wᵀ + bias in double; bias may be null. */
    static double[] linearForward(double[] inp, double[] w, double[] bias, int N, int C, int OC) {
        double[] out = new double[N * OC];
        for (int n = 0; n < N; n++) {
            for (int o = 0; o < OC; o++) {
                double acc = bias == null ? 0.0 : bias[o];
                for (int c = 0; c < C; c++) {
                    acc += inp[n * C + c] * w[o * C + c];
                }
                out[n * OC + o] = acc;
            }
        }
        return out;
    }

    @Property(tries = 100)
    void forwardAndBackwardMatchDoublePrecision(@ForAll @IntRange(min = 1, max = 6) int N,
                                                @ForAll @IntRange(min = 1, max = 12) int C,
                                                @ForAll @IntRange(min = 1, max = 12) int OC,
                                                @ForAll boolean withBias,
                                                @ForAll boolean withInputGradient,
                                                @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Slab inp = input(r, N * C, -1, 1);
        Slab w = input(r, OC * C, -1, 1);
        Slab bias = withBias ? input(r, OC, -1, 1) : null;
        Slab out = output(r, N * OC);
        Linear.forward(out.a(), out.off(), inp.a(), inp.off(), w.a(), w.off(),
                bias == null ? null : bias.a(), bias == null ? 0 : bias.off(), N, C, OC);

        double[] x = inp.values();
        double[] wd = w.values();
        double[] bd = bias == null ? null : bias.values();
        assertForward("out", linearForward(x, wd, bd, N, C, OC), out);

        float[] projection = randomFloats(r, N * OC, -1, 1);
        double[] R = toDouble(projection);
        Slab dout = input(r, projection);
        Slab dinp = withInputGradient ? gradient(r, N * C) : null;
        Slab dw = gradient(r, OC * C);
        Slab dbias = withBias ? gradient(r, OC) : null;
        Linear.backward(dinp == null ? null : dinp.a(), dinp == null ? 0 : dinp.off(), dw.a(), dw.off(),
                dbias == null ? null : dbias.a(), dbias == null ? 0 : dbias.off(),
                dout.a(), dout.off(), inp.a(), inp.off(), w.a(), w.off(), N, C, OC);

        if (dinp != null) {
            assertGradient("dinp", dinp, numericGradient(x, y -> dot(linearForward(y, wd, bd, N, C, OC), R)));
        }
        assertGradient("dw", dw, numericGradient(wd, y -> dot(linearForward(x, y, bd, N, C, OC), R)));
        if (dbias != null) {
            assertGradient("dbias", dbias, numericGradient(bd, y -> dot(linearForward(x, wd, y, N, C, OC), R)));
        }
    }
}
