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
}
