package org.grokcap.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * Helpers shared by the kernel tests: random tensors placed at non-zero offsets inside padded
 * arrays, central finite differences in double precision, and tolerance checks whose messages
 * name the tensor and the index.
 *
 * <p>Inputs are padded with NaN (floats) or a large negative number (ints), so a kernel that reads
 * outside its tensor produces NaN or throws. Outputs and gradients are padded with a sentinel that
 * must survive the call, so a kernel that writes outside its tensor fails too.
 */
final class Numerics {
    /** Step of the central differences. */
    static final double H = 1e-6;
    /** Gradients: float kernel against double finite differences. */
    static final double GRAD_RTOL = 1e-3;
    static final double GRAD_ATOL = 1e-4;
    /** Forward: float kernel against the double re-implementation. */
    static final double FWD_RTOL = 1e-4;
    static final double FWD_ATOL = 1e-5;

    static final float SENTINEL = -12345.25f;
    static final float GARBAGE = 777.5f;
    static final int INT_PAD = -1_000_000;

    private Numerics() {}

    /**
     * A tensor of {@code n} floats stored from {@code off} in the larger array {@code a}; the
     * rest of {@code a} holds {@code pad}. {@code initial} is the content when it was made.
     */
    record Slab(float[] a, int off, int n, float pad, double[] initial) {
        double[] values() {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = a[off + i];
            }
            return d;
        }

        float get(int i) {
            return a[off + i];
        }

        void assertPaddingUnchanged(String what) {
            int bits = Float.floatToRawIntBits(pad);
            for (int i = 0; i < a.length; i++) {
                if ((i < off || i >= off + n) && Float.floatToRawIntBits(a[i]) != bits) {
                    fail(what + ": wrote outside its tensor at array index " + i + " (tensor at " + off
                            + ".." + (off + n - 1) + "): " + a[i]);
                }
            }
        }
    }

    /** An int tensor stored from {@code off} in {@code a}, padded with {@link #INT_PAD}. */
    record Ints(int[] a, int off) {}

    /** A random offset in 1..5. */
    static int offset(SplittableRandom r) {
        return r.nextInt(1, 6);
    }

    private static Slab place(SplittableRandom r, float[] values, float pad) {
        int off = offset(r);
        float[] a = new float[off + values.length + r.nextInt(0, 4)];
        java.util.Arrays.fill(a, pad);
        System.arraycopy(values, 0, a, off, values.length);
        return new Slab(a, off, values.length, pad, toDouble(values));
    }

    /** An input tensor holding {@code values}, padded with NaN. */
    static Slab input(SplittableRandom r, float[] values) {
        return place(r, values, Float.NaN);
    }

    /** An input tensor of uniform values in [lo, hi), padded with NaN. */
    static Slab input(SplittableRandom r, int n, double lo, double hi) {
        return input(r, randomFloats(r, n, lo, hi));
    }

    /** An output tensor filled with garbage that the forward must overwrite, padded with the sentinel. */
    static Slab output(SplittableRandom r, int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, GARBAGE);
        return place(r, v, SENTINEL);
    }

    /** A gradient tensor pre-filled with values of magnitude 0.5..1.5 and random sign, padded with the sentinel. */
    static Slab gradient(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble(0.5, 1.5) * (r.nextBoolean() ? 1 : -1));
        }
        return place(r, v, SENTINEL);
    }

    /** A gradient tensor pre-filled with zeros, padded with the sentinel. */
    static Slab zeroGradient(SplittableRandom r, int n) {
        return place(r, new float[n], SENTINEL);
    }

    static Ints ints(SplittableRandom r, int[] values) {
        int off = offset(r);
        int[] a = new int[off + values.length + r.nextInt(0, 4)];
        java.util.Arrays.fill(a, INT_PAD);
        System.arraycopy(values, 0, a, off, values.length);
        return new Ints(a, off);
    }

    static float[] randomFloats(SplittableRandom r, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextDouble(lo, hi);
        }
        return a;
    }

    static int[] randomInts(SplittableRandom r, int n, int bound) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextInt(bound);
        }
        return a;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    static double dot(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("lengths " + a.length + " and " + b.length);
        }
        double s = 0.0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double[] add(double[] a, double[] b) {
        double[] s = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            s[i] = a[i] + b[i];
        }
        return s;
    }

    static double maxAbs(double[] a) {
        double m = 0.0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /**
     * The gradient of {@code loss} at {@code x} by central differences in double precision;
     * {@code x} is perturbed one element at a time and restored.
     */
    static double[] numericGradient(double[] x, ToDoubleFunction<double[]> loss) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double xi = x[i];
            double up = xi + H;
            double down = xi - H;
            x[i] = up;
            double fUp = loss.applyAsDouble(x);
            x[i] = down;
            double fDown = loss.applyAsDouble(x);
            x[i] = xi;
            g[i] = (fUp - fDown) / (up - down);
        }
        return g;
    }

    /**
     * Checks |actual − expected| ≤ rtol·|expected| + atol·max(1, max|expected|) element by element
     * (NaN fails).
     */
    static void assertClose(String what, double[] expected, float[] actual, int off, double rtol, double atol) {
        double scale = Math.max(1.0, maxAbs(expected));
        for (int i = 0; i < expected.length; i++) {
            check(what, i, expected[i], actual[off + i], rtol, atol * scale);
        }
    }

    static void assertClose(String what, double[] expected, double[] actual, double rtol, double atol) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        double scale = Math.max(1.0, maxAbs(expected));
        for (int i = 0; i < expected.length; i++) {
            check(what, i, expected[i], actual[i], rtol, atol * scale);
        }
    }

    static void assertClose(String what, double expected, double actual, double rtol, double atol) {
        check(what, 0, expected, actual, rtol, atol);
    }

    private static void check(String what, int i, double expected, double actual, double rtol, double atol) {
        double diff = Math.abs(actual - expected);
        double tol = rtol * Math.abs(expected) + atol;
        if (!(diff <= tol)) {
            fail(String.format("%s[%d]: expected %.9g, got %.9g (|diff| %.3g > tolerance %.3g)",
                    what, i, expected, actual, diff, tol));
        }
    }

    /** A forward output against the double re-implementation; its padding must be untouched. */
    static void assertForward(String what, double[] expected, Slab actual) {
        assertClose(what, expected, actual.a(), actual.off(), FWD_RTOL, FWD_ATOL);
        actual.assertPaddingUnchanged(what);
    }

    /**
     * A gradient that backward added into: it must equal its pre-filled content plus the numeric
     * gradient, and its padding must be untouched.
     */
    static void assertGradient(String what, Slab grad, double[] numeric) {
        assertClose(what, add(grad.initial(), numeric), grad.a(), grad.off(), GRAD_RTOL, GRAD_ATOL);
        grad.assertPaddingUnchanged(what);
    }
}
