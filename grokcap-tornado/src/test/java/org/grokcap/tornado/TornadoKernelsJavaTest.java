package org.grokcap.tornado;

import org.grokcap.kernels.Embedding;
import org.grokcap.kernels.GatherRows;
import org.grokcap.kernels.Gelu;
import org.grokcap.kernels.GradClip;
import org.grokcap.kernels.LayerNorm;
import org.grokcap.kernels.Linear;
import org.grokcap.kernels.Relu;
import org.grokcap.kernels.Residual;
import org.grokcap.kernels.RmsNorm;
import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parallel scatter and two-stage reduction kernels of {@link TornadoKernels} called as plain Java
 * (their {@code @Parallel} loops then run in order) against the reference kernels, on fresh random
 * inputs of awkward sizes. The scatter kernels add each output's sources in the reference's order, so
 * they must match it exactly; the two-stage sums add in another order and match within rounding.
 * {@code TornadoDeviceTest} runs the same kernels compiled by TornadoVM.
 */
class TornadoKernelsJavaTest {
    private final Random rnd = new Random(2822);

    private float[] gaussian(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    private int[] below(int n, int bound) {
        int[] x = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextInt(bound);
        }
        return x;
    }

    /** One arena holding the given tensors back to back; offsets[i] is where tensor i starts. */
    private static FloatArray arena(int[] offsets, float[]... tensors) {
        int n = 0;
        for (int i = 0; i < tensors.length; i++) {
            offsets[i] = n;
            n += tensors[i].length;
        }
        FloatArray a = new FloatArray(n);
        for (int i = 0; i < tensors.length; i++) {
            for (int j = 0; j < tensors[i].length; j++) {
                a.set(offsets[i] + j, tensors[i][j]);
            }
        }
        return a;
    }

    private static void exact(float[] ref, FloatArray a, int off) {
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], a.get(off + i), 0f, "element " + i);
        }
    }

    private static void close(float[] ref, FloatArray a, int off, float tol) {
        for (int i = 0; i < ref.length; i++) {
            float scale = Math.max(1f, Math.abs(ref[i]));
            assertTrue(Math.abs(ref[i] - a.get(off + i)) <= tol * scale,
                    "element " + i + ": reference " + ref[i] + ", kernel " + a.get(off + i));
        }
    }

    @Test
    void invertIndexGroupsSourcesByDestinationInOrder() {
        int[] rows = {2, 0, 2, 1, 2, 0};
        int[] idx = TornadoKernels.invertIndex(rows, 0, rows.length, 3);
        assertArrayEquals(new int[] {0, 2, 3, 6, 1, 5, 3, 0, 2, 4}, idx);
    }

    @Test
    void gatherRowsBackwardMatchesTheReferenceExactly() {
        int[][] cases = {{2822, 294, 97}, {943, 97, 294}, {97, 2822, 1}};
        for (int[] k : cases) {
            int R = k[0];
            int D = k[1];
            int C = k[2];
            int[] rows = below(R, D);
            float[] dinp = gaussian(D * C);
            float[] dout = gaussian(R * C);
            int[] at = new int[2];
            FloatArray a = arena(at, dinp, dout);
            IntArray idx = withInverse(TornadoKernels.invertIndex(rows, 0, R, D), at[0], at[1]);
            TornadoKernels.gatherRowsBackward(a, idx, 0, D, C, 1);
            GatherRows.backward(dinp, 0, dout, 0, rows, 0, R, C);
            exact(dinp, a, at[0]);
        }
    }

    @Test
    void embeddingBackwardMatchesTheReferenceExactly() {
        int B = 97;
        int T = 29;
        int V = 294;
        int C = 97;
        int[] tokens = below(B * T, V);
        float[] dwte = gaussian(V * C);
        float[] dwpe = gaussian(T * C);
        float[] dout = gaussian(B * T * C);
        int[] at = new int[3];
        FloatArray a = arena(at, dwte, dwpe, dout);
        IntArray idx = withInverse(TornadoKernels.invertIndex(tokens, 0, B * T, V), at[0], at[2]);
        TornadoKernels.gatherRowsBackward(a, idx, 0, V, C, 1);
        TornadoKernels.embeddingBackwardPositions(a, offsets(at[1], at[2]), 0, B, T, C, 1);
        Embedding.backward(dwte, 0, dwpe, 0, dout, 0, tokens, 0, B, T, C);
        exact(dwte, a, at[0]);
        exact(dwpe, a, at[1]);
    }

    @Test
    void biasGradientInTwoStagesMatchesTheReference() {
        for (int[] k : new int[][] {{943, 97}, {2822, 294}, {97, 943}}) {
            int N = k[0];
            int OC = k[1];
            int C = 3;
            int P = TornadoDevice.columnParts(N);
            // two models in one task each stage: (dout, dbias, parts) twice
            float[][] dout = {gaussian(N * OC), gaussian(N * OC)};
            float[][] dbias = {gaussian(OC), gaussian(OC)};
            int[] at = new int[6];
            FloatArray a = arena(at, dout[0], dbias[0], new float[P * OC], dout[1], dbias[1], new float[P * OC]);
            TornadoKernels.columnSumParts(a, offsets(at[2], at[0], at[5], at[3]), 0, N, OC, P, 2);
            TornadoKernels.addColumnParts(a, offsets(at[1], at[2], at[4], at[5]), 0, OC, P, 2);
            for (int m = 0; m < 2; m++) {
                Linear.backward(null, 0, new float[OC * C], 0, dbias[m], 0, dout[m], 0, new float[N * C], 0,
                        new float[OC * C], 0, N, C, OC);
                close(dbias[m], a, at[3 * m + 1], 1e-4f);
            }
        }
    }

    @Test
    void normWeightGradientsInTwoStagesMatchTheReference() {
        int N = 2822;
        int C = 97;
        int P = TornadoDevice.columnParts(N);
        float[] inp = gaussian(N * C);
        float[] w = gaussian(C);
        float[] b = gaussian(C);
        float[] dout = gaussian(N * C);
        float[] mean = new float[N];
        float[] rstd = new float[N];
        LayerNorm.forward(new float[N * C], 0, mean, 0, rstd, 0, inp, 0, w, 0, b, 0, N, C);
        float[] dw = gaussian(C);
        float[] db = gaussian(C);
        int[] at = new int[7];
        FloatArray a = arena(at, dw, db, dout, inp, mean, rstd, new float[2 * P * C]);
        TornadoKernels.layerNormParamParts(a, offsets(at[6], at[6] + P * C, at[2], at[3], at[4], at[5]), 0, N, C, P, 1);
        TornadoKernels.addColumnParts(a, offsets(at[0], at[6]), 0, C, P, 1);
        TornadoKernels.addColumnParts(a, offsets(at[1], at[6] + P * C), 0, C, P, 1);
        LayerNorm.backward(new float[N * C], 0, dw, 0, db, 0, dout, 0, inp, 0, w, 0, mean, 0, rstd, 0, N, C);
        close(dw, a, at[0], 1e-4f);
        close(db, a, at[1], 1e-4f);

        float[] rrstd = new float[N];
        RmsNorm.forward(new float[N * C], 0, rrstd, 0, inp, 0, w, 0, N, C);
        float[] dg = gaussian(C);
        int[] rat = new int[5];
        FloatArray r = arena(rat, dg, dout, inp, rrstd, new float[P * C]);
        TornadoKernels.rmsNormWeightParts(r, offsets(rat[4], rat[1], rat[2], rat[3]), 0, N, C, P, 1);
        TornadoKernels.addColumnParts(r, offsets(rat[0], rat[4]), 0, C, P, 1);
        RmsNorm.backward(new float[N * C], 0, dg, 0, dout, 0, inp, 0, w, 0, rrstd, 0, N, C);
        close(dg, r, rat[0], 1e-4f);
    }

    /** A kernel with a model dimension, called for the models whose offsets idx holds from 0 on. */
    private interface ModelKernel {
        void run(FloatArray a, IntArray idx, int models);
    }

    /**
     * Two models' tensors (sizes: one model's, in the order of the kernel's offsets) filled at random in one
     * arena: the kernel called once for both leaves the arena, bit for bit, as two calls of one model each
     * do, and changes it.
     */
    private void twoModelsAsEachAlone(String kernel, ModelKernel k, int... sizes) {
        float[][] tensors = new float[2 * sizes.length][];
        for (int i = 0; i < tensors.length; i++) {
            tensors[i] = gaussian(sizes[i % sizes.length]);
        }
        int[] at = new int[tensors.length];
        FloatArray together = arena(at, tensors);
        FloatArray alone = arena(at, tensors);
        FloatArray before = arena(at, tensors);
        k.run(together, offsets(at), 2);
        k.run(alone, offsets(Arrays.copyOfRange(at, 0, sizes.length)), 1);
        k.run(alone, offsets(Arrays.copyOfRange(at, sizes.length, at.length)), 1);
        boolean changed = false;
        for (int i = 0; i < together.getSize(); i++) {
            assertEquals(Float.floatToRawIntBits(alone.get(i)), Float.floatToRawIntBits(together.get(i)),
                    kernel + ", arena element " + i);
            changed |= together.get(i) != before.get(i);
        }
        assertTrue(changed, kernel + " wrote nothing");
    }

    @Test
    void normsSwiGluRotaryAndLoneEpiloguesOfTwoModelsInOneCallGiveEachModelWhatItGetsAlone() {
        int N = 35;
        int C = 24;
        int M = 19;
        int T = 5;
        int H = 4;
        int P = TornadoDevice.columnParts(N);
        int rows = N * C;
        twoModelsAsEachAlone("layerNormForward", (a, idx, k) -> TornadoKernels.layerNormForward(a, idx, 0, N, C, k),
                rows, N, N, rows, C, C);
        twoModelsAsEachAlone("layerNormBackwardInput",
                (a, idx, k) -> TornadoKernels.layerNormBackwardInput(a, idx, 0, N, C, k), rows, rows, rows, C, N, N);
        twoModelsAsEachAlone("layerNormParamParts",
                (a, idx, k) -> TornadoKernels.layerNormParamParts(a, idx, 0, N, C, P, k), P * C, P * C, rows, rows, N, N);
        twoModelsAsEachAlone("rmsNormForward", (a, idx, k) -> TornadoKernels.rmsNormForward(a, idx, 0, N, C, k),
                rows, N, rows, C);
        twoModelsAsEachAlone("rmsNormBackwardInput",
                (a, idx, k) -> TornadoKernels.rmsNormBackwardInput(a, idx, 0, N, C, k), rows, rows, rows, C, N);
        twoModelsAsEachAlone("rmsNormWeightParts",
                (a, idx, k) -> TornadoKernels.rmsNormWeightParts(a, idx, 0, N, C, P, k), P * C, rows, rows, N);
        twoModelsAsEachAlone("swigluForward", (a, idx, k) -> TornadoKernels.swigluForward(a, idx, 0, N, M, k),
                N * M, 2 * N * M);
        twoModelsAsEachAlone("swigluBackward", (a, idx, k) -> TornadoKernels.swigluBackward(a, idx, 0, N, M, k),
                2 * N * M, 2 * N * M, N * M);
        for (int kind : new int[] {TornadoKernels.EPILOGUE_RELU, TornadoKernels.EPILOGUE_GELU, TornadoKernels.EPILOGUE_RESIDUAL}) {
            twoModelsAsEachAlone("elementwise " + kind, (a, idx, k) -> TornadoKernels.elementwise(a, idx, 0, kind, rows, k),
                    rows, rows, rows);
        }
        int half = C / H / 2;
        for (int sign : new int[] {1, -1}) {
            twoModelsAsEachAlone("rotary " + sign, (a, idx, k) -> TornadoKernels.rotary(a, idx, 0, N, T, C, H, sign, k),
                    3 * rows, 3 * rows, T * half, T * half);
        }
    }

    @Test
    void dotInTwoStagesMatchesTheReference() {
        for (int n : new int[] {97, 294, 943 * 2822}) {
            float[] x = gaussian(n);
            float[] y = gaussian(n);
            int[] at = new int[3];
            FloatArray a = arena(at, x, y, new float[TornadoKernels.SUM_PARTS]);
            FloatArray out = new FloatArray(1);
            TornadoKernels.dotParts(a, offsets(at[2], at[0], at[0]), 0, n, 1);
            TornadoKernels.sumParts(out, 0, a, at[2]);
            double squares = GradClip.sumOfSquares(x, 0, n);
            assertEquals(squares, out.get(0), 1e-5 * squares, "Σ x², n = " + n);
            TornadoKernels.dotParts(a, offsets(at[2], at[0], at[1]), 0, n, 1);
            TornadoKernels.sumParts(out, 0, a, at[2]);
            double dot = 0;
            for (int i = 0; i < n; i++) {
                dot += (double) x[i] * y[i];
            }
            assertEquals(dot, out.get(0), 1e-5 * Math.sqrt(squares * GradClip.sumOfSquares(y, 0, n)), "Σ x·y, n = " + n);
        }
    }

    /** One model's offsets for {@link TornadoKernels#gatherRowsBackward} (dinp, dout, where inverse starts), then inverse. */
    private static IntArray withInverse(int[] inverse, int dinp, int dout) {
        IntArray idx = new IntArray(3 + inverse.length);
        idx.set(0, dinp);
        idx.set(1, dout);
        idx.set(2, 3);
        for (int i = 0; i < inverse.length; i++) {
            idx.set(3 + i, inverse[i]);
        }
        return idx;
    }

    /** The arena offsets a kernel with a model dimension reads, model after model. */
    private static IntArray offsets(int... values) {
        IntArray idx = new IntArray(values.length);
        for (int i = 0; i < values.length; i++) {
            idx.set(i, values[i]);
        }
        return idx;
    }

    /**
     * C (M,N) by {@link TornadoKernels#gemm} on the work-groups a device would run; flags may hold an
     * epilogue too (written at epiOff, residual at resOff).
     */
    private static void gemm(FloatArray a, int cOff, int aOff, int bOff, int biasOff, int M, int N, int K, int flags,
                             int epiOff, int resOff) {
        gemms(a, new int[] {cOff, aOff, bOff, biasOff, flags & TornadoKernels.EPILOGUE_RESIDUAL, epiOff, resOff}, M, N, K,
                flags & ~TornadoKernels.EPILOGUE_RESIDUAL);
    }

    /** The products of offsets.length / 7 models in one {@link TornadoKernels#gemm}, offsets as it reads them. */
    private static void gemms(FloatArray a, int[] offsets, int M, int N, int K, int flags) {
        int t = TornadoKernels.TILE;
        int out = t * TornadoKernels.BLOCK;
        int models = offsets.length / TornadoKernels.GEMM_OFFSETS;
        IntArray idx = new IntArray(offsets.length + 3);
        for (int i = 0; i < offsets.length; i++) {
            idx.set(3 + i, offsets[i]);
        }
        WorkGroups.run((N + out - 1) / out * t, models * ((M + out - 1) / out * t), t, t, ctx ->
                TornadoKernels.gemm(ctx, a, idx, 3, M, N, K, flags));
    }

    /**
     * Three models' products in one task, each with its own epilogue (or none), give the bits of each
     * product alone, in every layout (forward, input and weight gradients).
     */
    @Test
    void tiledMatmulsOfSeveralModelsInOneTaskGiveTheBitsOfEachAlone() {
        int M = 45;
        int N = 37;
        int K = 19;
        int[] epilogues = {TornadoKernels.EPILOGUE_GELU, 0, TornadoKernels.EPILOGUE_RESIDUAL};
        for (int flags : new int[] {TornadoKernels.B_T | TornadoKernels.BIAS, TornadoKernels.ACCUMULATE,
                TornadoKernels.A_T | TornadoKernels.ACCUMULATE}) {
            boolean forward = (flags & TornadoKernels.B_T) != 0;
            float[][] tensors = new float[3 * 6][];
            for (int m = 0; m < 3; m++) {
                tensors[6 * m] = gaussian(M * K);
                tensors[6 * m + 1] = gaussian(K * N);
                tensors[6 * m + 2] = gaussian(N);
                tensors[6 * m + 3] = gaussian(M * N);
                tensors[6 * m + 4] = new float[M * N];
                tensors[6 * m + 5] = gaussian(M * N);
            }
            int[] at = new int[tensors.length];
            FloatArray together = arena(at, tensors);
            FloatArray alone = arena(new int[tensors.length], tensors);
            int[] offsets = new int[3 * TornadoKernels.GEMM_OFFSETS];
            for (int m = 0; m < 3; m++) {
                int e = forward ? epilogues[m] : 0;
                int[] o = {at[6 * m + 3], at[6 * m], at[6 * m + 1], at[6 * m + 2], e, at[6 * m + 4], at[6 * m + 5]};
                System.arraycopy(o, 0, offsets, TornadoKernels.GEMM_OFFSETS * m, o.length);
                gemm(alone, o[0], o[1], o[2], o[3], M, N, K, flags | e, o[5], o[6]);
            }
            gemms(together, offsets, M, N, K, flags);
            for (int i = 0; i < together.getSize(); i++) {
                assertEquals(Float.floatToRawIntBits(alone.get(i)), Float.floatToRawIntBits(together.get(i)),
                        "flags " + flags + ", element " + i);
            }
            boolean wrote = false;
            for (int i = 0; i < M * N; i++) {
                wrote |= together.get(at[3] + i) != tensors[3][i];
            }
            assertTrue(wrote, "flags " + flags + ": the first model's C was written");
        }
    }

    /** The forward product's epilogues against the separate kernels they replace: ReLU, GELU, a residual add. */
    @Test
    void tiledMatmulEpiloguesMatchTheSeparateKernels() {
        int N = 97;
        int C = 43;
        int OC = 33;
        for (int epilogue : new int[] {TornadoKernels.EPILOGUE_RELU, TornadoKernels.EPILOGUE_GELU,
                TornadoKernels.EPILOGUE_RESIDUAL}) {
            float[] inp = gaussian(N * C);
            float[] w = gaussian(OC * C);
            float[] bias = gaussian(OC);
            float[] res = gaussian(N * OC);
            int[] at = new int[6];
            FloatArray a = arena(at, inp, w, bias, new float[N * OC], new float[N * OC], res);
            gemm(a, at[3], at[0], at[1], at[2], N, OC, C, TornadoKernels.B_T | TornadoKernels.BIAS | epilogue, at[4],
                    at[5]);
            float[] out = new float[N * OC];
            Linear.forward(out, 0, inp, 0, w, 0, bias, 0, N, C, OC);
            close(out, a, at[3], 1e-4f);
            float[] c = new float[N * OC]; // the C the kernel wrote, which its epilogue reads
            for (int i = 0; i < c.length; i++) {
                c[i] = a.get(at[3] + i);
            }
            float[] want = new float[N * OC];
            if (epilogue == TornadoKernels.EPILOGUE_RELU) {
                Relu.forward(want, 0, c, 0, want.length);
            } else if (epilogue == TornadoKernels.EPILOGUE_GELU) {
                Gelu.forward(want, 0, c, 0, want.length);
            } else {
                Residual.forward(want, 0, res, 0, c, 0, want.length);
            }
            close(want, a, at[4], 1e-5f);
        }
    }

    @Test
    void tiledMatmulsMatchTheLinearLayerAtAwkwardSizes() {
        // (N, C, OC): rows, inputs, outputs; none a multiple of the 32-wide blocks or the 16-deep k steps
        for (int[] k : new int[][] {{97, 294, 943}, {294, 97, 33}, {1, 17, 97}}) {
            int N = k[0];
            int C = k[1];
            int OC = k[2];
            float[] inp = gaussian(N * C);
            float[] w = gaussian(OC * C);
            float[] bias = gaussian(OC);
            float[] out = new float[N * OC];
            float[] dout = gaussian(N * OC);
            float[] dinp = gaussian(N * C);
            float[] dw = gaussian(OC * C);
            int[] at = new int[7];
            FloatArray a = arena(at, inp, w, bias, out, dout, dinp, dw);
            gemm(a, at[3], at[0], at[1], at[2], N, OC, C, TornadoKernels.B_T | TornadoKernels.BIAS, 0, 0);
            gemm(a, at[5], at[4], at[1], 0, N, C, OC, TornadoKernels.ACCUMULATE, 0, 0);
            gemm(a, at[6], at[4], at[0], 0, OC, C, N, TornadoKernels.A_T | TornadoKernels.ACCUMULATE, 0, 0);
            Linear.forward(out, 0, inp, 0, w, 0, bias, 0, N, C, OC);
            Linear.backward(dinp, 0, dw, 0, null, 0, dout, 0, inp, 0, w, 0, N, C, OC);
            close(out, a, at[3], 1e-4f);
            close(dinp, a, at[5], 1e-4f);
            close(dw, a, at[6], 1e-4f);
        }
    }
}
