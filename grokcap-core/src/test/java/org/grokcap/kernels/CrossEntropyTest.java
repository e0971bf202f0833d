package org.grokcap.kernels;

import static org.grokcap.kernels.Numerics.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class CrossEntropyTest {

    /** losses[n] = logsumexp(logits[n]) − logits[n][targets[n]] in double. */
    static double[] crossEntropyForward(double[] logits, int[] targets, int N, int V) {
        double[] losses = new double[N];
        for (int n = 0; n < N; n++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < V; v++) {
                max = Math.max(max, logits[n * V + v]);
            }
            double sum = 0.0;
            for (int v = 0; v < V; v++) {
                sum += Math.exp(logits[n * V + v] - max);
            }
            losses[n] = Math.log(sum) + max - logits[n * V + targets[n]];
        }
        return losses;
    }

    static int argmax(double[] logits, int n, int V) {
        int best = 0;
        for (int v = 1; v < V; v++) {
            if (logits[n * V + v] > logits[n * V + best]) {
                best = v;
            }
        }
        return best;
    }

    @Property(tries = 100)
    void forwardAndBackwardMatchDoublePrecision(@ForAll @IntRange(min = 1, max = 6) int N,
                                                @ForAll @IntRange(min = 2, max = 9) int V,
                                                @ForAll boolean float64,
                                                @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] targetValues = randomInts(r, N, V);
        Ints targets = ints(r, targetValues);
        Slab logits = input(r, N * V, -3, 3);
        Slab losses = output(r, N);
        Slab hits = output(r, N);
        CrossEntropy.forward(losses.a(), losses.off(), hits.a(), hits.off(), logits.a(), logits.off(),
                targets.a(), targets.off(), N, V, float64);

        double[] x = logits.values();
        double[] expectedLosses = crossEntropyForward(x, targetValues, N, V);
        assertForward("losses", expectedLosses, losses);
        double[] expectedHits = new double[N];
        for (int n = 0; n < N; n++) {
            expectedHits[n] = argmax(x, n, V) == targetValues[n] ? 1.0 : 0.0;
        }
        assertClose("hits", expectedHits, hits.a(), hits.off(), 0.0, 0.0);
        hits.assertPaddingUnchanged("hits");

        float dlossScale = (float) r.nextDouble(0.1, 2.0);
        Slab dlogits = gradient(r, N * V);
        CrossEntropy.backward(dlogits.a(), dlogits.off(), logits.a(), logits.off(), targets.a(), targets.off(),
                N, V, dlossScale, float64);
        double[] numeric = numericGradient(x, y -> {
            double total = 0.0;
            for (double loss : crossEntropyForward(y, targetValues, N, V)) {
                total += loss * dlossScale;
            }
            return total;
        });
        assertGradient("dlogits", dlogits, numeric);
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
        float[] values = randomFloats(r, N * V, -1, 1);
        for (int n = 0; n < N; n++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int v = 0; v < V; v++) {
                if (v != targetValues[n]) {
                    max = Math.max(max, values[n * V + v]);
                }
            }
            values[n * V + targetValues[n]] = (float) (max + r.nextDouble(28.0, 30.0));
        }
        Ints targets = ints(r, targetValues);
        Slab logits = input(r, values);
        float dlossScale = (float) r.nextDouble(0.1, 2.0);

        Slab losses = output(r, N);
        Slab hits = output(r, N);
        CrossEntropy.forward(losses.a(), losses.off(), hits.a(), hits.off(), logits.a(), logits.off(),
                targets.a(), targets.off(), N, V, true);
        Slab dlogits = zeroGradient(r, N * V);
        CrossEntropy.backward(dlogits.a(), dlogits.off(), logits.a(), logits.off(), targets.a(), targets.off(),
                N, V, dlossScale, true);
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
}
