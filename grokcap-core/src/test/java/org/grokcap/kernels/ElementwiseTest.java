package org.grokcap.kernels;

import static org.grokcap.kernels.Numerics.*;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The elementwise kernels: GELU (tanh approximation), ReLU and the residual sum. */
class ElementwiseTest {

    static double[] geluForward(double[] x) {
        double k = Math.sqrt(2.0 / Math.PI);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = 0.5 * x[i] * (1.0 + Math.tanh(k * (x[i] + 0.044715 * x[i] * x[i] * x[i])));
        }
        return out;
    }

    static double[] reluForward(double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.max(0.0, x[i]);
        }
        return out;
    }

    static double[] residualForward(double[] a, double[] b) {
        return add(a, b);
    }

    @Property(tries = 100)
    void geluMatchesDoublePrecision(@ForAll @IntRange(min = 1, max = 40) int n, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Slab inp = input(r, n, -4, 4);
        Slab out = output(r, n);
        Gelu.forward(out.a(), out.off(), inp.a(), inp.off(), n);
        double[] x = inp.values();
        assertForward("gelu out", geluForward(x), out);

        float[] projection = randomFloats(r, n, -1, 1);
        double[] R = toDouble(projection);
        Slab dout = input(r, projection);
        Slab dinp = gradient(r, n);
        Gelu.backward(dinp.a(), dinp.off(), inp.a(), inp.off(), dout.a(), dout.off(), n);
        assertGradient("gelu dinp", dinp, numericGradient(x, y -> dot(geluForward(y), R)));
    }

    @Property(tries = 100)
    void reluMatchesDoublePrecision(@ForAll @IntRange(min = 1, max = 40) int n, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] values = randomFloats(r, n, -2, 2);
        for (int i = 0; i < n; i++) {
            if (Math.abs(values[i]) < 1e-3f) {
                values[i] = values[i] < 0f ? values[i] - 2e-3f : values[i] + 2e-3f;
            }
        }
        Slab inp = input(r, values);
        Slab out = output(r, n);
        Relu.forward(out.a(), out.off(), inp.a(), inp.off(), n);
        double[] x = inp.values();
        assertForward("relu out", reluForward(x), out);

        float[] projection = randomFloats(r, n, -1, 1);
        double[] R = toDouble(projection);
        Slab dout = input(r, projection);
        Slab dinp = gradient(r, n);
        Relu.backward(dinp.a(), dinp.off(), inp.a(), inp.off(), dout.a(), dout.off(), n);
        assertGradient("relu dinp", dinp, numericGradient(x, y -> dot(reluForward(y), R)));
    }

    @Property(tries = 100)
    void residualMatchesDoublePrecision(@ForAll @IntRange(min = 1, max = 40) int n, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Slab a = input(r, n, -2, 2);
        Slab b = input(r, n, -2, 2);
        Slab out = output(r, n);
        Residual.forward(out.a(), out.off(), a.a(), a.off(), b.a(), b.off(), n);
        double[] ad = a.values();
        double[] bd = b.values();
        assertForward("residual out", residualForward(ad, bd), out);

        float[] projection = randomFloats(r, n, -1, 1);
        double[] R = toDouble(projection);
        Slab dout = input(r, projection);
        Slab da = gradient(r, n);
        Slab db = gradient(r, n);
        Residual.backward(da.a(), da.off(), db.a(), db.off(), dout.a(), dout.off(), n);
        assertGradient("residual da", da, numericGradient(ad, y -> dot(residualForward(y, bd), R)));
        assertGradient("residual db", db, numericGradient(bd, y -> dot(residualForward(ad, y), R)));
    }
}
