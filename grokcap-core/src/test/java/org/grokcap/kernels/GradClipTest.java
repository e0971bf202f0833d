package org.grokcap.kernels;

import static org.grokcap.kernels.Numerics.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class GradClipTest {

    @Property(tries = 100)
    void sumOfSquaresAndScaleMatchDoublePrecision(@ForAll @IntRange(min = 1, max = 200) int n,
                                                  @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Slab g = input(r, n, -3, 3); // NaN around it: reading outside would poison the sum
        double[] values = g.values();
        double expected = 0.0;
        for (double x : values) {
            expected += x * x;
        }
        assertClose("sumOfSquares", expected, GradClip.sumOfSquares(g.a(), g.off(), n), 1e-12, 0.0);

        float factor = (float) r.nextDouble(0.01, 2.0);
        float[] a = g.a().clone();
        for (int i = 0; i < a.length; i++) {
            if (i < g.off() || i >= g.off() + n) {
                a[i] = SENTINEL;
            }
        }
        Slab target = new Slab(a, g.off(), n, SENTINEL, values);
        GradClip.scale(a, g.off(), n, factor);
        target.assertPaddingUnchanged("scaled g");
        for (int i = 0; i < n; i++) {
            // One float multiplication: the exact product of two floats, rounded once.
            assertEquals((float) (values[i] * factor), a[g.off() + i], "scaled g[" + i + "]");
        }

        // Clipping to a norm: after scaling by maxNorm/‖g‖ the norm is maxNorm.
        float maxNorm = (float) r.nextDouble(0.1, 1.0);
        float[] clipped = g.a().clone();
        GradClip.scale(clipped, g.off(), n, (float) (maxNorm / Math.sqrt(GradClip.sumOfSquares(clipped, g.off(), n))));
        assertClose("norm after clipping", maxNorm, Math.sqrt(GradClip.sumOfSquares(clipped, g.off(), n)), 1e-5, 0.0);
    }

    @Property(tries = 100)
    void dotAndAxpyMatchDoublePrecision(@ForAll @IntRange(min = 1, max = 200) int n, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Slab x = input(r, n, -3, 3); // NaN around both: reading outside would poison the results
        Slab y = input(r, n, -3, 3);
        double expected = 0.0;
        double magnitude = 0.0;
        for (int i = 0; i < n; i++) {
            expected += x.values()[i] * y.values()[i];
            magnitude += Math.abs(x.values()[i] * y.values()[i]);
        }
        assertClose("dot", expected, GradClip.dot(x.a(), x.off(), y.a(), y.off(), n), 0.0, 1e-12 * magnitude);

        float alpha = (float) r.nextDouble(-2.0, 2.0);
        float[] a = y.a().clone();
        GradClip.axpy(a, y.off(), alpha, x.a(), x.off(), n);
        new Slab(a, y.off(), n, y.pad(), y.initial()).assertPaddingUnchanged("axpy y");
        for (int i = 0; i < n; i++) {
            // The product rounded to float, then the sum rounded: two roundings, no fused multiply-add.
            float product = (float) (alpha * x.values()[i]);
            assertEquals((float) (y.values()[i] + product), a[y.off() + i], "axpy y[" + i + "]");
        }
    }
}
