package org.grokcap.kernels;

import static org.grokcap.kernels.Numerics.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class CrossEntropyTest {

    static int argmax(double[] logits, int n, int V) {
        int best = 0;
        for (int v = 1; v < V; v++) {
            if (logits[n * V + v] > logits[n * V + best]) {
                best = v;
            }
        }
        return best;
    }

    /**
     * A target logit 28..30 above the others: 1 − p(target) ≈ 1e-13 is below float precision, so
     * only the double softmax keeps the target's gradient (and the loss) away from zero.
     */
    @Property(tries = 50)
    void float64KeepsTheGradientOfAConfidentPrediction(@ForAll @IntRange(min = 1, max = 6) int N,
                                                       @ForAll @IntRange(min = 2, max = 9) int V,
                                                       @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] targetValues = randomInts(r, N, V);
        float[] values = withTargetAbove(r, N, V, targetValues, 28.0, 30.0);
        Ints targets = ints(r, targetValues);
        Slab logits = input(r, values);
        float dlossScale = (float) r.nextDouble(0.1, 2.0);

        Slab losses = output(r, N);
        Slab hits = output(r, N);
        CrossEntropy.forward(losses.a(), losses.off(), hits.a(), hits.off(), logits.a(), logits.off(),
                targets.a(), targets.off(), N, V, CrossEntropy.Loss.softmax(true));
        Slab dlogits = zeroGradient(r, N * V);
        CrossEntropy.backward(dlogits.a(), dlogits.off(), logits.a(), logits.off(), targets.a(), targets.off(),
                N, V, dlossScale, CrossEntropy.Loss.softmax(true));
        dlogits.assertPaddingUnchanged("dlogits");

        double[] x = logits.values();
        for (int n = 0; n < N; n++) {
            int t = targetValues[n];
            // s = Σ_{v≠t} exp(x_v − x_t) = 1 − p_t up to a factor 1 + s; computed without cancellation.
            double s = 0.0;
            for (int v = 0; v < V; v++) {
                if (v != t) {
                    s += Math.exp(x[n * V + v] - x[n * V + t]);
                }
            }
            assertEquals(1f, hits.get(n), "hits[" + n + "]");
            // log(1+s) in the kernel loses a few digits of s to the rounding of 1+s.
            assertTrue(losses.get(n) > 0f, "losses[" + n + "] = " + losses.get(n) + " should stay > 0");
            assertClose("losses[" + n + "]", Math.log1p(s), losses.get(n), 2e-2, 0.0);
            float targetGrad = dlogits.get(n * V + t);
            assertTrue(targetGrad < 0f, "dlogits[" + (n * V + t) + "] = " + targetGrad + " should stay < 0");
            // p_t − 1 = −s/(1+s); the kernel's 1/(1+s) − 1 is exact to about 2e-16 absolute.
            assertClose("dlogits[" + (n * V + t) + "]", -s / (1 + s) * dlossScale, targetGrad, 2e-2, 0.0);
            for (int v = 0; v < V; v++) {
                if (v != t) {
                    double p = Math.exp(x[n * V + v] - x[n * V + t]) / (1 + s);
                    assertClose("dlogits[" + (n * V + v) + "]", p * dlossScale, dlogits.get(n * V + v), 1e-3, 0.0);
                }
            }
        }
    }

    // ---- stablemax and label smoothing ----------------------------------------------------------

    /**
     * −Σ_v q_v log p_v in double, straight from the definitions: p_v = s(x_v)/Σ_u s(x_u) with s = exp
     * (softmax, shifted by the row's max) or stablemax's s; q_v = (1 − ε)·[v = target] + ε/V.
     */
    static double[] smoothedLoss(double[] logits, int[] targets, int N, int V, boolean stablemax, double eps) {
        double[] losses = new double[N];
        for (int n = 0; n < N; n++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < V; v++) {
                max = Math.max(max, logits[n * V + v]);
            }
            double[] s = new double[V];
            double sum = 0.0;
            for (int v = 0; v < V; v++) {
                double x = logits[n * V + v];
                s[v] = stablemax ? (x < 0 ? 1 / (1 - x) : x + 1) : Math.exp(x - max);
                sum += s[v];
            }
            double loss = 0.0;
            for (int v = 0; v < V; v++) {
                double q = (v == targets[n] ? 1 - eps : 0.0) + eps / V;
                loss -= q * Math.log(s[v] / sum);
            }
            losses[n] = loss;
        }
        return losses;
    }

    /** Softmax or stablemax, with or without label smoothing, in double or single precision. */
    @Property(tries = 400)
    void everyLossMatchesItsDefinitionAndFiniteDifferences(@ForAll @IntRange(min = 1, max = 6) int N,
                                                           @ForAll @IntRange(min = 2, max = 9) int V,
                                                           @ForAll boolean stablemax, @ForAll boolean smoothed,
                                                           @ForAll boolean float64, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double eps = smoothed ? r.nextDouble(0.01, 0.99) : 0.0;
        CrossEntropy.Loss loss = new CrossEntropy.Loss(stablemax, eps, float64);
        int[] targetValues = randomInts(r, N, V);
        Ints targets = ints(r, targetValues);
        Slab logits = input(r, N * V, -3, 3);
        Slab losses = output(r, N);
        Slab hits = output(r, N);
        CrossEntropy.forward(losses.a(), losses.off(), hits.a(), hits.off(), logits.a(), logits.off(),
                targets.a(), targets.off(), N, V, loss);
        double[] x = logits.values();
        assertForward("losses", smoothedLoss(x, targetValues, N, V, stablemax, eps), losses);
        double[] expectedHits = new double[N];
        for (int n = 0; n < N; n++) {
            expectedHits[n] = argmax(x, n, V) == targetValues[n] ? 1.0 : 0.0;
        }
        assertClose("hits: s is monotone, so the argmax decides", expectedHits, hits.a(), hits.off(), 0.0, 0.0);
        hits.assertPaddingUnchanged("hits");

        float dlossScale = (float) r.nextDouble(0.1, 2.0);
        Slab dlogits = gradient(r, N * V);
        CrossEntropy.backward(dlogits.a(), dlogits.off(), logits.a(), logits.off(), targets.a(), targets.off(),
                N, V, dlossScale, loss);
        double[] numeric = numericGradient(x, y -> {
            double total = 0.0;
            for (double l : smoothedLoss(y, targetValues, N, V, stablemax, eps)) {
                total += l * dlossScale;
            }
            return total;
        });
        assertGradient("dlogits", dlogits, numeric);
    }

    /**
     * Logits at stablemax's edges: exactly 1 (where 1/(1 − x) of the other branch divides by zero),
     * exactly ±0 (where the branches meet), and ±1e30. Every loss and gradient is finite and matches
     * the definition (central differences with a step relative to each logit).
     */
    @Property(tries = 20)
    void stablemaxAtItsEdges(@ForAll boolean smoothed, @ForAll boolean float64, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] edge = {1f, 0f, -0f, -1f, 1e30f, -1e30f, 3e4f, -3e4f};
        int V = edge.length;
        int N = V;
        float[] values = new float[N * V];
        int[] targetValues = new int[N];
        for (int n = 0; n < N; n++) { // every edge value once as the target, the row a rotation of them
            for (int v = 0; v < V; v++) {
                values[n * V + v] = edge[(n + v) % V];
            }
            targetValues[n] = (V - n) % V;
        }
        double eps = smoothed ? 0.1 : 0.0;
        CrossEntropy.Loss loss = new CrossEntropy.Loss(true, eps, float64);
        Ints targets = ints(r, targetValues);
        Slab logits = input(r, values);
        Slab losses = output(r, N);
        Slab hits = output(r, N);
        CrossEntropy.forward(losses.a(), losses.off(), hits.a(), hits.off(), logits.a(), logits.off(),
                targets.a(), targets.off(), N, V, loss);
        Slab dlogits = zeroGradient(r, N * V);
        CrossEntropy.backward(dlogits.a(), dlogits.off(), logits.a(), logits.off(), targets.a(), targets.off(),
                N, V, 1f, loss);
        double[] x = logits.values();
        double[] expected = smoothedLoss(x, targetValues, N, V, true, eps);
        for (int n = 0; n < N; n++) {
            assertTrue(Float.isFinite(losses.get(n)), "losses[" + n + "] = " + losses.get(n));
            assertClose("losses[" + n + "]", expected[n], losses.get(n), float64 ? 1e-6 : 1e-5, 1e-6);
        }
        for (int i = 0; i < N * V; i++) {
            float g = dlogits.get(i);
            assertTrue(Float.isFinite(g), "dlogits[" + i + "] = " + g + " at logit " + values[i]);
            double h = 1e-6 * Math.max(1.0, Math.abs(x[i]));
            int n = i / V;
            double[] up = x.clone();
            double[] down = x.clone();
            up[i] += h;
            down[i] -= h;
            double numeric = (smoothedLoss(up, targetValues, N, V, true, eps)[n]
                    - smoothedLoss(down, targetValues, N, V, true, eps)[n]) / (2 * h);
            assertClose("dlogits[" + i + "] at logit " + values[i], numeric, g, 1e-3, 1e-6);
        }
    }

    /**
     * Softmax collapse: with the target 20..30 above every other logit and V ≤ 9, (V − 1)·e^−20 &lt; 2^−25,
     * so the float32 sum of exponentials rounds to exactly 1 and every row's float32 loss is 0; 0..5
     * above (or not the largest) leaves (V − 1)·e^−5 ≥ 6e-3, far above float resolution, and no row
     * collapses. Stablemax at the 20..30 margin has p_target ≤ 31/32, nowhere near collapse; at a
     * target of 1e9 (others in [−1, 1], s ≤ 2 each) the others' at most 16 is below half the float
     * spacing at 1e9 (64), so S == s_target and it collapses too.
     */
    @Property(tries = 50)
    void collapseCountsRowsWhoseFloat32LossIsZero(@ForAll @IntRange(min = 2, max = 9) int V,
                                                  @ForAll @IntRange(min = 1, max = 6) int N, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] targets = randomInts(r, N, V);
        float[] far = withTargetAbove(r, N, V, targets, 20, 30);
        assertEquals(N, CrossEntropy.collapsedRows(far, 0, targets, 0, N, V, false), "softmax, margin 20..30");
        assertEquals(0, CrossEntropy.collapsedRows(far, 0, targets, 0, N, V, true), "stablemax, margin 20..30");
        float[] near = withTargetAbove(r, N, V, targets, -5, 5);
        assertEquals(0, CrossEntropy.collapsedRows(near, 0, targets, 0, N, V, false), "softmax, margin -5..5");
        assertEquals(0, CrossEntropy.collapsedRows(near, 0, targets, 0, N, V, true), "stablemax, margin -5..5");
        float[] huge = withTargetAbove(r, N, V, targets, 1e9, 1e9);
        assertEquals(N, CrossEntropy.collapsedRows(huge, 0, targets, 0, N, V, true), "stablemax, target 1e9");
        assertEquals(N, CrossEntropy.collapsedRows(huge, 0, targets, 0, N, V, false), "softmax, target 1e9");
    }

    /** Logits in [−1, 1] with each row's target replaced by the row's largest other logit + [lo, hi]. */
    private static float[] withTargetAbove(SplittableRandom r, int N, int V, int[] targets, double lo, double hi) {
        float[] values = randomFloats(r, N * V, -1, 1);
        for (int n = 0; n < N; n++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int v = 0; v < V; v++) {
                if (v != targets[n]) {
                    max = Math.max(max, values[n * V + v]);
                }
            }
            values[n * V + targets[n]] = (float) (max + (lo == hi ? lo : r.nextDouble(lo, hi)));
        }
        return values;
    }
}
