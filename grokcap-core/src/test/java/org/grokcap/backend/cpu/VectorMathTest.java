package org.grokcap.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The deterministic exp, tanh and lane sums: accurate, and the vector and scalar twins agree bit for bit. */
class VectorMathTest {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Property(tries = 2000)
    void expIsWithinTwoUlpOfMathExp(@ForAll @FloatRange(min = -87f, max = 88f) float x) {
        float expected = (float) Math.exp(x);
        float actual = VectorMath.exp(x);
        assertTrue(Math.abs(actual - expected) <= 2 * Math.ulp(expected), x + ": " + actual + " vs " + expected);
    }

    @Property(tries = 2000)
    void tanhIsWithin2e7OfMathTanh(@ForAll @FloatRange(min = -30f, max = 30f) float y) {
        float expected = (float) Math.tanh(y);
        float actual = VectorMath.tanh(y);
        assertTrue(Math.abs(actual - expected) <= 2e-7f, y + ": " + actual + " vs " + expected);
    }

    @Property(tries = 300)
    void vectorAndScalarTwinsAgreeBitwise(@ForAll long seed) {
        Random r = new Random(seed);
        float[] x = new float[S.length()];
        for (int i = 0; i < x.length; i++) {
            // mostly ordinary arguments, sometimes far outside the clamped range or non-finite
            x[i] = switch (r.nextInt(10)) {
                case 0 -> (float) (r.nextGaussian() * 500);
                case 1 -> new float[]{Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f}[r.nextInt(4)];
                default -> (float) (r.nextGaussian() * 20);
            };
        }
        FloatVector v = FloatVector.fromArray(S, x, 0);
        FloatVector e = VectorMath.exp(v);
        FloatVector t = VectorMath.tanh(v);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToIntBits(VectorMath.exp(x[i])), Float.floatToIntBits(e.lane(i)), "exp(" + x[i] + ")");
            assertEquals(Float.floatToIntBits(VectorMath.tanh(x[i])), Float.floatToIntBits(t.lane(i)), "tanh(" + x[i] + ")");
        }
        // the tree: lane i + lane (i + L/2) mod L, then + L/4, …, read at lane 0
        float[] tree = x.clone();
        for (int half = tree.length / 2; half >= 1; half /= 2) {
            float[] next = new float[tree.length];
            for (int i = 0; i < tree.length; i++) {
                next[i] = tree[i] + tree[(i + half) % tree.length];
            }
            tree = next;
        }
        assertEquals(Float.floatToIntBits(tree[0]), Float.floatToIntBits(VectorMath.sum(v)), "lane sum as a fixed tree");
    }

    @Property(tries = 20)
    void expSaturatesInsteadOfOverflowing(@ForAll @FloatRange(min = 88f, max = 1e30f) float big) {
        assertTrue(Float.isFinite(VectorMath.exp(big)), "finite above the range");
        assertTrue(VectorMath.exp(-big) > 0f, "positive below the range");
        assertEquals(1f, VectorMath.tanh(big));
        assertEquals(-1f, VectorMath.tanh(-big));
    }
}
