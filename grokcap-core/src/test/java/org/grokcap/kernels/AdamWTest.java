package org.grokcap.kernels;

import static org.grokcap.kernels.Numerics.*;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class AdamWTest {

    /** One step of PyTorch's AdamW in double, in place on p, m, v. */
    static void adamWStep(double[] p, double[] g, double[] m, double[] v, double lr, double beta1, double beta2,
                          double eps, double weightDecay, int step) {
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1.0 - lr * weightDecay;
            m[i] = beta1 * m[i] + (1.0 - beta1) * g[i];
            v[i] = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i];
            double mHat = m[i] / (1.0 - Math.pow(beta1, step));
            double vHat = v[i] / (1.0 - Math.pow(beta2, step));
            p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
        }
    }

    @Property(tries = 100)
    void updateMatchesDoublePrecisionAdamW(@ForAll @IntRange(min = 1, max = 20) int n,
                                           @ForAll @IntRange(min = 1, max = 6) int steps,
                                           @ForAll boolean freshMoments,
                                           @ForAll boolean decay,
                                           @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float lr = (float) Math.exp(r.nextDouble(Math.log(1e-4), Math.log(1e-1)));
        float beta1 = (float) r.nextDouble(0.8, 0.95);
        float beta2 = (float) r.nextDouble(0.9, 0.999);
        float eps = (float) Math.exp(r.nextDouble(Math.log(1e-8), Math.log(1e-6)));
        float weightDecay = decay ? (float) r.nextDouble(0.01, 1.0) : 0f;
        int firstStep = freshMoments ? 1 : r.nextInt(2, 1000);

        // All four arrays share one offset, as the kernel takes one.
        int off = offset(r);
        int length = off + n + r.nextInt(0, 4);
        float[] params = padded(length, off, randomFloats(r, n, -2, 2));
        float[] m = padded(length, off, freshMoments ? new float[n] : randomFloats(r, n, -0.1, 0.1));
        float[] v = padded(length, off, freshMoments ? new float[n] : randomFloats(r, n, 0.0, 0.01));
        double[] pd = slice(params, off, n);
        double[] md = slice(m, off, n);
        double[] vd = slice(v, off, n);

        for (int s = 0; s < steps; s++) {
            int step = firstStep + s;
            float[] gradValues = randomFloats(r, n, -1, 1);
            float[] grads = new float[length];
            java.util.Arrays.fill(grads, Float.NaN);
            System.arraycopy(gradValues, 0, grads, off, n);

            AdamW.update(params, grads, m, v, off, n, lr, beta1, beta2, eps, weightDecay, step);
            adamWStep(pd, toDouble(gradValues), md, vd, lr, beta1, beta2, eps, weightDecay, step);

            String at = " after step " + step;
            assertClose("m" + at, md, m, off, 1e-5, 1e-7);
            assertClose("v" + at, vd, v, off, 1e-5, 1e-8);
            assertClose("params" + at, pd, params, off, 1e-5, 1e-6);
            for (float[] a : new float[][] {params, m, v}) {
                new Slab(a, off, n, SENTINEL, null).assertPaddingUnchanged("params/m/v" + at);
            }
        }
    }

    private static float[] padded(int length, int off, float[] values) {
        float[] a = new float[length];
        java.util.Arrays.fill(a, SENTINEL);
        System.arraycopy(values, 0, a, off, values.length);
        return a;
    }

    private static double[] slice(float[] a, int off, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = a[off + i];
        }
        return d;
    }
}
