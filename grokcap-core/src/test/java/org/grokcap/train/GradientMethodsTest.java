package org.grokcap.train;

import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.config.GradFilterConfig;
import org.grokcap.config.OptimizerConfig;
import org.grokcap.io.Json;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.ParamLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * ⊥Grad and the Grokfast filters in {@link AdamWOptimizer} against plain double-precision versions
 * of their definitions, on the reference device and on cpu devices (1 and 3 threads; CpuDeviceTest splits
 * dot and axpy across threads at every size, ThreadCountDeterminismTest whole runs with both methods),
 * over a tiny model's real parameter layout (2 layers, tensors of 7 to 432 floats). The
 * optimizer leaves the gradient it handed to AdamW in the gradient buffer, which is what is compared.
 */
class GradientMethodsTest {
    private static final CpuDevice ONE = new CpuDevice(1);
    private static final CpuDevice THREE = new CpuDevice(3);
    private static final Device[] DEVICES = {new ReferenceDevice(), ONE, THREE};
    /** float32 arithmetic against double: a few ulps of the results, compared relative to the gradient's scale. */
    private static final double TOL = 2e-6;

    private static final ParamLayout LAYOUT = ParamLayout.of(tinyModel());

    @AfterAll
    static void close() {
        ONE.close();
        THREE.close();
    }

    private static ModelConfig tinyModel() {
        try {
            return Json.mapper().readValue("""
                    {"vocabSize":11,"outputVocabSize":7,"contextLength":5,"layers":2,"dModel":12,"heads":3,
                     "dMlp":20,"activation":"gelu","layerNorm":true}""", ModelConfig.class);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static OptimizerConfig optimizer(boolean orthogonal) {
        return new OptimizerConfig(1e-3, null, null, null, 0.0, null, null, null, orthogonal, null, null, null, null);
    }

    /** The optimizer on dev with the given parameters; each step takes one of gradients and returns what AdamW got. */
    private static List<float[]> run(Device dev, OptimizerConfig oc, GradFilterConfig filter, float[] params,
                                     List<float[]> gradients) {
        int n = LAYOUT.size();
        Buf p = dev.floats("p", n);
        Buf g = dev.floats("g", n);
        System.arraycopy(params, 0, p.host(), 0, n);
        AdamWOptimizer opt = new AdamWOptimizer(dev, oc, filter, LAYOUT, p, g);
        List<float[]> seen = new ArrayList<>();
        for (float[] grad : gradients) {
            System.arraycopy(grad, 0, g.host(), 0, n);
            opt.step();
            seen.add(Arrays.copyOf(g.host(), n));
        }
        return seen;
    }

    private static float[] gaussian(Random r, double scale) {
        float[] a = new float[LAYOUT.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (scale * r.nextGaussian());
        }
        return a;
    }

    private static List<float[]> gradients(Random r, int steps) {
        List<float[]> gs = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            gs.add(gaussian(r, 0.1));
        }
        return gs;
    }

    /** ⊥Grad by its definition, in double: per tensor g − (w·g / (w·w + ε))·w, rescaled to ‖g‖. */
    private static double[] orthogonal(double[] g, float[] w, double eps) {
        double[] out = new double[g.length];
        for (ParamLayout.Tensor t : LAYOUT.tensors()) {
            double wg = 0, ww = 0, gg = 0;
            for (int i = t.offset(); i < t.offset() + t.size(); i++) {
                wg += w[i] * g[i];
                ww += (double) w[i] * w[i];
                gg += g[i] * g[i];
            }
            double proj = wg / (ww + eps);
            double oo = 0;
            for (int i = t.offset(); i < t.offset() + t.size(); i++) {
                out[i] = g[i] - proj * w[i];
                oo += out[i] * out[i];
            }
            double scale = Math.sqrt(gg) / (Math.sqrt(oo) + eps);
            for (int i = t.offset(); i < t.offset() + t.size(); i++) {
                out[i] *= scale;
            }
        }
        return out;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /** |actual − expected| ≤ TOL·(max |expected| of the tensor) for every entry, per tensor. */
    private static void assertNear(String what, double[] expected, float[] actual) {
        assertNear(what, expected, actual, null);
    }

    private static void assertNear(String what, double[] expected, float[] actual, ParamLayout.Tensor except) {
        for (ParamLayout.Tensor t : LAYOUT.tensors()) {
            if (t == except) {
                continue;
            }
            double scale = 0;
            for (int i = t.offset(); i < t.offset() + t.size(); i++) {
                scale = Math.max(scale, Math.abs(expected[i]));
            }
            for (int i = t.offset(); i < t.offset() + t.size(); i++) {
                if (!(Math.abs(actual[i] - expected[i]) <= TOL * scale + 1e-30)) {
                    fail(what + ": " + t.name() + "[" + (i - t.offset()) + "] expected " + expected[i] + ", got "
                            + actual[i] + " (tensor scale " + scale + ")");
                }
            }
        }
    }

    /** The cpu devices give the same bits for any thread count; the filters' arithmetic is elementwise, so the reference's too. */
    private static void assertSameOnEveryDevice(String what, List<List<float[]>> perDevice, boolean referenceBits) {
        for (int d = 1; d < perDevice.size(); d++) {
            if (d == 1 && !referenceBits) {
                continue;
            }
            for (int s = 0; s < perDevice.get(0).size(); s++) {
                assertArrayEquals(perDevice.get(d == 1 ? 0 : 1).get(s), perDevice.get(d).get(s),
                        what + ", step " + s + ": " + DEVICES[d].describe() + " bit for bit");
            }
        }
    }

    @Test
    void orthogonalGradientIsTheGradientWithoutItsComponentAlongTheWeightsAtTheSameNorm() {
        Random r = new Random(11);
        float[] w = gaussian(r, 0.5);
        List<float[]> gs = gradients(r, 1);
        // Edge cases by design: a gradient parallel to its weights (g⊥ = 0 up to rounding), and a zero gradient.
        ParamLayout.Tensor parallel = LAYOUT.get("layers.0.mlp.fc.weight");
        ParamLayout.Tensor zero = LAYOUT.get("lnf.bias");
        for (int i = 0; i < parallel.size(); i++) {
            gs.get(0)[parallel.offset() + i] = -0.25f * w[parallel.offset() + i];
        }
        Arrays.fill(gs.get(0), zero.offset(), zero.offset() + zero.size(), 0f);
        double[] expected = orthogonal(toDouble(gs.get(0)), w, 1e-30);
        List<List<float[]>> all = new ArrayList<>();
        for (Device dev : DEVICES) {
            List<float[]> got = run(dev, optimizer(true), null, w, gs);
            all.add(got);
            float[] g = got.get(0);
            // g⊥ of the parallel tensor is rounding noise rescaled to ‖g‖: no value to compare it with
            assertNear("⊥Grad on " + dev.describe(), expected, g, parallel);
            for (ParamLayout.Tensor t : LAYOUT.tensors()) {
                if (t == parallel || t == zero) {
                    continue;
                }
                double wg = 0, ww = 0, gg = 0, g0 = 0;
                for (int i = t.offset(); i < t.offset() + t.size(); i++) {
                    wg += (double) w[i] * g[i];
                    ww += (double) w[i] * w[i];
                    gg += (double) g[i] * g[i];
                    g0 += (double) gs.get(0)[i] * gs.get(0)[i];
                }
                assertEquals(0.0, wg / Math.sqrt(ww * gg), 1e-5, t.name() + ": g⊥ is orthogonal to w");
                assertEquals(Math.sqrt(g0), Math.sqrt(gg), 1e-5 * Math.sqrt(g0), t.name() + ": ‖g⊥‖ = ‖g‖");
            }
            for (int i = zero.offset(); i < zero.offset() + zero.size(); i++) {
                assertEquals(0f, g[i], "a zero gradient stays zero");
            }
            for (int i = parallel.offset(); i < parallel.offset() + parallel.size(); i++) {
                assertTrue(Float.isFinite(g[i]), "a gradient parallel to the weights stays finite");
            }
        }
        // sums of products: the cpu devices agree with each other, not with the reference's summation order
        assertSameOnEveryDevice("⊥Grad", all, false);
    }

    @Test
    void emaFilterAddsLambdaTimesTheAverageStartingFromTheFirstGradient() {
        GradFilterConfig ema = new GradFilterConfig("ema", 0.8, null, 3.0, null);
        Random r = new Random(12);
        float[] w = gaussian(r, 0.5);
        List<float[]> gs = gradients(r, 6);
        List<List<float[]>> all = new ArrayList<>();
        for (Device dev : DEVICES) {
            List<float[]> got = run(dev, optimizer(false), ema, w, gs);
            all.add(got);
            double[] mu = null;
            for (int s = 0; s < gs.size(); s++) {
                double[] g = toDouble(gs.get(s));
                if (mu == null) {
                    mu = g.clone();
                }
                double[] expected = new double[g.length];
                for (int i = 0; i < g.length; i++) {
                    mu[i] = 0.8 * mu[i] + 0.2 * g[i];
                    expected[i] = g[i] + 3.0 * mu[i];
                }
                assertNear("ema step " + s + " on " + dev.describe(), expected, got.get(s));
            }
        }
        assertSameOnEveryDevice("ema", all, true);
    }

    @Test
    void maFilterAddsLambdaTimesTheWindowMeanOnceTheWindowIsFull() {
        GradFilterConfig ma = new GradFilterConfig("ma", null, 3, 5.0, null);
        Random r = new Random(13);
        float[] w = gaussian(r, 0.5);
        List<float[]> gs = gradients(r, 8);
        List<List<float[]>> all = new ArrayList<>();
        for (Device dev : DEVICES) {
            List<float[]> got = run(dev, optimizer(false), ma, w, gs);
            all.add(got);
            Deque<double[]> window = new ArrayDeque<>();
            for (int s = 0; s < gs.size(); s++) {
                double[] g = toDouble(gs.get(s));
                window.addLast(g);
                if (window.size() > 3) {
                    window.removeFirst();
                }
                double[] expected = g.clone();
                if (window.size() == 3) {
                    for (double[] old : window) {
                        for (int i = 0; i < g.length; i++) {
                            expected[i] += 5.0 * old[i] / 3;
                        }
                    }
                }
                assertNear("ma step " + s + " on " + dev.describe(), expected, got.get(s));
            }
            assertArrayEquals(gs.get(0), got.get(0), "warm-up: the gradient passes unchanged until the window is full");
        }
        assertSameOnEveryDevice("ma", all, true);
    }

    /** The order: the filter sees raw gradients, ⊥Grad the filtered one. */
    @Test
    void theFilterRunsOnTheRawGradientAndOrthogonalGradientOnTheFilteredOne() {
        GradFilterConfig ema = new GradFilterConfig("ema", 0.9, null, 2.0, null);
        Random r = new Random(14);
        float[] w = gaussian(r, 0.5);
        List<float[]> gs = gradients(r, 4);
        for (Device dev : DEVICES) {
            List<float[]> got = run(dev, optimizer(true), ema, w, gs.subList(0, 2));
            // Before step 2 the weights moved once; recompute with the moved weights to stay exact.
            int n = LAYOUT.size();
            Buf p = dev.floats("p", n);
            Buf g = dev.floats("g", n);
            System.arraycopy(w, 0, p.host(), 0, n);
            AdamWOptimizer opt = new AdamWOptimizer(dev, optimizer(true), ema, LAYOUT, p, g);
            double[] mu = null;
            for (int s = 0; s < 2; s++) {
                float[] before = Arrays.copyOf(p.host(), n);
                System.arraycopy(gs.get(s), 0, g.host(), 0, n);
                opt.step();
                double[] raw = toDouble(gs.get(s));
                if (mu == null) {
                    mu = raw.clone();
                }
                double[] filtered = new double[n];
                for (int i = 0; i < n; i++) {
                    mu[i] = 0.9 * mu[i] + 0.1 * raw[i];
                    filtered[i] = raw[i] + 2.0 * mu[i];
                }
                assertNear("filter then ⊥Grad, step " + s + " on " + dev.describe(), orthogonal(filtered, before, 1e-30),
                        g.host());
                assertArrayEquals(got.get(s), g.host(), "the same run twice");
            }
        }
    }

    /** normalizeLr: the first Adam step moves each weight by about lr·sign(g), so the ratio of the moves is the scale. */
    @Test
    void normalizeLrScalesTheLearningRateByOneOverOnePlusLambda() {
        Random r = new Random(15);
        float[] w = gaussian(r, 0.5);
        List<float[]> gs = gradients(r, 1);
        float[][] moved = new float[2][];
        for (int k = 0; k < 2; k++) {
            Device dev = DEVICES[k];
            int n = LAYOUT.size();
            Buf p = dev.floats("p", n);
            Buf g = dev.floats("g", n);
            System.arraycopy(w, 0, p.host(), 0, n);
            System.arraycopy(gs.get(0), 0, g.host(), 0, n);
            new AdamWOptimizer(dev, optimizer(false), new GradFilterConfig("ema", null, null, 4.0, k == 1), LAYOUT, p, g)
                    .step();
            moved[k] = new float[n];
            for (int i = 0; i < n; i++) {
                moved[k][i] = p.host()[i] - w[i];
            }
        }
        for (int i = 0; i < moved[0].length; i++) {
            assertEquals(moved[0][i] / 5.0, moved[1][i], 1e-3 * Math.abs(moved[0][i] / 5.0), "weight " + i);
        }
    }

    @Test
    void orthogonalGradientWithWeightDecayIsWarnedAbout() {
        assertEquals(List.of(), optimizer(true).warnings(), "weight decay 0: nothing to say");
        assertEquals(List.of(), new OptimizerConfig(null, null, null, null, 1.0, null, null, null, false, null, null, null, null).warnings());
        List<String> w = new OptimizerConfig(null, null, null, null, 1.0, null, null, null, true, null, null, null, null).warnings();
        assertEquals(1, w.size());
        assertTrue(w.get(0).contains("orthogonalGradient") && w.get(0).contains("weightDecay"), w.get(0));
    }
}
