package org.grokcap.backend.cpu;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.backend.IntBuf;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.model.Activation;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The optimised CPU kernels against the scalar reference, on fresh random inputs of many shapes. */
class CpuDeviceTest {
    private static final ReferenceDevice REF = new ReferenceDevice();
    // Shared by jqwik properties and JUnit tests, which run in different engines, so never closed
    // here: their threads are daemons and end with the JVM.
    private static final CpuDevice ONE = new CpuDevice(1);
    private static final CpuDevice TWO = new CpuDevice(2);
    private static final CpuDevice THREE = new CpuDevice(3);

    private static Buf random(Device d, String name, int n, Random r) {
        Buf b = d.floats(name, n + 3).slice(name, 3, n); // a non-zero offset on purpose
        for (int i = 0; i < n; i++) {
            b.host()[b.offset() + i] = (float) r.nextGaussian();
        }
        return b;
    }

    private static Buf copy(Device d, Buf src) {
        Buf b = d.floats(src.name(), src.size() + 1).slice(src.name(), 1, src.size());
        System.arraycopy(src.host(), src.offset(), b.host(), b.offset(), src.size());
        return b;
    }

    private static float[] values(Buf b) {
        float[] v = new float[b.size()];
        System.arraycopy(b.host(), b.offset(), v, 0, b.size());
        return v;
    }

    /** |a−b| ≤ tol·(1 + |b|) everywhere; matmuls with FMA and blocking differ from the reference by rounding. */
    private static void close(float[] expected, float[] actual, float tol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            float d = Math.abs(expected[i] - actual[i]);
            assertTrue(d <= tol * (1 + Math.abs(expected[i])), what + "[" + i + "]: " + expected[i] + " vs " + actual[i]);
        }
    }

    @Property(tries = 60)
    void linearMatchesReference(@ForAll @IntRange(min = 1, max = 41) int N, @ForAll @IntRange(min = 1, max = 70) int C,
                                @ForAll @IntRange(min = 1, max = 70) int OC, @ForAll boolean bias, @ForAll long seed) {
        Random r = new Random(seed);
        Buf inp = random(REF, "inp", N * C, r);
        Buf w = random(REF, "w", OC * C, r);
        Buf b = bias ? random(REF, "b", OC, r) : null;
        Buf dout = random(REF, "dout", N * OC, r);
        Buf outRef = REF.floats("out", N * OC);
        REF.linearForward(outRef, inp, w, b, N, C, OC);
        Buf dinpRef = random(REF, "dinp", N * C, r);
        Buf dwRef = random(REF, "dw", OC * C, r);
        Buf dbRef = bias ? random(REF, "db", OC, r) : null;
        Buf dinp0 = copy(REF, dinpRef);
        Buf dw0 = copy(REF, dwRef);
        Buf db0 = bias ? copy(REF, dbRef) : null;
        REF.linearBackward(dinpRef, dwRef, dbRef, dout, inp, w, N, C, OC);
        float[][] first = null;
        for (CpuDevice dev : new CpuDevice[]{ONE, TWO, THREE}) {
            Buf out = dev.floats("out", N * OC + 5).slice("out", 5, N * OC);
            dev.linearForward(out, inp, w, b, N, C, OC);
            Buf dinp = copy(dev, dinp0);
            Buf dw = copy(dev, dw0);
            Buf db = bias ? copy(dev, db0) : null;
            dev.linearBackward(dinp, dw, db, dout, inp, w, N, C, OC);
            float tol = 1e-5f * (float) Math.sqrt(Math.max(C, Math.max(OC, N)));
            close(values(outRef), values(out), tol, "out");
            close(values(dinpRef), values(dinp), tol, "dinp");
            close(values(dwRef), values(dw), tol, "dw");
            if (bias) {
                close(values(dbRef), values(db), tol, "dbias");
            }
            float[][] now = {values(out), values(dinp), values(dw), bias ? values(db) : new float[0]};
            if (first == null) {
                first = now;
            } else {
                for (int k = 0; k < now.length; k++) {
                    assertArrayEquals(first[k], now[k], "bitwise identical for any thread count, tensor " + k);
                }
            }
        }
    }

    @Property(tries = 60)
    void attentionMatchesReference(@ForAll @IntRange(min = 1, max = 4) int B, @ForAll @IntRange(min = 1, max = 6) int T,
                                   @ForAll @IntRange(min = 1, max = 4) int H, @ForAll @IntRange(min = 1, max = 5) int hsPick,
                                   @ForAll boolean subset, @ForAll long seed) {
        // head sizes 1, 2, 3 take the scalar kernel; 8, 16, 32 (whole vectors) the Vector API one
        int hs = new int[]{1, 2, 3, 8, 16, 32}[hsPick];
        Random r = new Random(seed);
        int C = H * hs;
        int N = B * T;
        int[] rows = new int[N];
        int NQ = 0;
        for (int i = 0; i < N; i++) {
            if (!subset || r.nextBoolean() || i == N - 1) {
                rows[NQ++] = i;
            }
        }
        Buf qkv = random(REF, "qkv", N * 3 * C, r);
        Buf dout = random(REF, "dout", NQ * C, r);
        Buf dqkv0 = random(REF, "dqkv", N * 3 * C, r);
        float scale = 0.1f + r.nextFloat();
        IntBuf q = REF.ints("rows", NQ);
        System.arraycopy(rows, 0, q.host(), 0, NQ);
        Buf outRef = REF.floats("out", NQ * C);
        Buf attRef = REF.floats("att", NQ * H * T);
        REF.attentionForward(outRef, attRef, qkv, q, NQ, T, C, H, scale);
        Buf dqkvRef = copy(REF, dqkv0);
        REF.attentionBackward(dqkvRef, dout, qkv, attRef, q, NQ, T, C, H, scale);
        float[][] first = null;
        for (CpuDevice dev : new CpuDevice[]{ONE, TWO, THREE}) {
            Buf out = dev.floats("out", NQ * C);
            Buf att = dev.floats("att", NQ * H * T);
            dev.attentionForward(out, att, qkv, q, NQ, T, C, H, scale);
            Buf dqkv = copy(dev, dqkv0);
            dev.attentionBackward(dqkv, dout, qkv, att, q, NQ, T, C, H, scale);
            // the vector kernel sums its dot products lane-wise: equal to the reference up to rounding
            close(values(outRef), values(out), 1e-5f * hs, "out");
            close(values(attRef), values(att), 1e-5f * hs, "att");
            close(values(dqkvRef), values(dqkv), 1e-5f * hs, "dqkv");
            float[][] now = {values(out), values(att), values(dqkv)};
            if (first == null) {
                first = now;
            }
            for (int k = 0; k < now.length; k++) {
                assertArrayEquals(first[k], now[k], "bitwise identical for any thread count, tensor " + k);
            }
        }
    }

    @Property(tries = 40)
    void crossEntropyMatchesReference(@ForAll @IntRange(min = 1, max = 30) int N, @ForAll @IntRange(min = 2, max = 130) int V,
                                      @ForAll boolean float64, @ForAll long seed) {
        Random r = new Random(seed);
        Buf logits = random(REF, "logits", N * V, r);
        IntBuf targets = REF.ints("t", N);
        for (int i = 0; i < N; i++) {
            targets.host()[i] = r.nextInt(V);
        }
        Buf lossRef = REF.floats("l", N);
        Buf hitsRef = REF.floats("h", N);
        REF.crossEntropyForward(lossRef, hitsRef, logits, targets, N, V, float64);
        Buf dRef = random(REF, "d", N * V, r);
        Buf d0 = copy(REF, dRef);
        REF.crossEntropyBackward(dRef, logits, targets, N, V, 1f / N, float64);
        float[][] first = null;
        for (CpuDevice dev : new CpuDevice[]{ONE, TWO, THREE}) {
            Buf loss = dev.floats("l", N);
            Buf hits = dev.floats("h", N);
            dev.crossEntropyForward(loss, hits, logits, targets, N, V, float64);
            Buf d = copy(dev, d0);
            dev.crossEntropyBackward(d, logits, targets, N, V, 1f / N, float64);
            // the vector kernels' exp and lane-wise sums differ from the reference by rounding only
            close(values(lossRef), values(loss), 1e-5f, "loss");
            assertArrayEquals(values(hitsRef), values(hits), "hits");
            close(values(dRef), values(d), 1e-6f, "dlogits");
            float[][] now = {values(loss), values(d)};
            if (first == null) {
                first = now;
            }
            assertArrayEquals(first[0], now[0], "losses bitwise identical for any thread count");
            assertArrayEquals(first[1], now[1], "dlogits bitwise identical for any thread count");
        }
    }

    @Property(tries = 40)
    void reluMatchesReferenceBitwise(@ForAll @IntRange(min = 1, max = 40_000) int n, @ForAll long seed) {
        Random r = new Random(seed);
        Buf inp = random(REF, "inp", n, r);
        Buf dout = random(REF, "dout", n, r);
        Buf d0 = random(REF, "d", n, r);
        inp.host()[inp.offset()] = Float.NaN; // NaN → 0 forward, no gradient, in every kernel
        Buf outRef = REF.floats("out", n);
        REF.activationForward(Activation.RELU, outRef, inp, n);
        Buf dRef = copy(REF, d0);
        REF.activationBackward(Activation.RELU, dRef, inp, dout, n);
        for (CpuDevice dev : new CpuDevice[]{ONE, TWO}) {
            Buf out = dev.floats("out", n);
            dev.activationForward(Activation.RELU, out, inp, n);
            Buf d = copy(dev, d0);
            dev.activationBackward(Activation.RELU, d, inp, dout, n);
            assertArrayEquals(values(outRef), values(out), "out");
            assertArrayEquals(values(dRef), values(d), "dinp");
        }
    }

    /** Residual sum, its backward, row gather and zeroing: reference kernels on split ranges, so the same bits. */
    @Property(tries = 30)
    void splitElementwiseKernelsMatchReferenceBitwise(@ForAll @IntRange(min = 1, max = 3000) int R,
                                                      @ForAll @IntRange(min = 1, max = 24) int C, @ForAll long seed) {
        Random r = new Random(seed);
        int n = R * C;
        Buf a = random(REF, "a", n, r);
        Buf b = random(REF, "b", n, r);
        Buf d0 = random(REF, "d", n, r);
        Buf table = random(REF, "table", 50 * C, r);
        IntBuf rows = REF.ints("rows", R);
        for (int i = 0; i < R; i++) {
            rows.host()[i] = r.nextInt(50);
        }
        Buf sumRef = REF.floats("sum", n);
        REF.residualForward(sumRef, a, b, n);
        Buf daRef = copy(REF, d0);
        Buf dbRef = copy(REF, a);
        REF.residualBackward(daRef, dbRef, b, n);
        Buf gatheredRef = REF.floats("g", n);
        REF.gatherRowsForward(gatheredRef, table, rows, R, C);
        for (CpuDevice dev : new CpuDevice[]{ONE, TWO, THREE}) {
            Buf sum = dev.floats("sum", n);
            dev.residualForward(sum, a, b, n);
            Buf da = copy(dev, d0);
            Buf db = copy(dev, a);
            dev.residualBackward(da, db, b, n);
            Buf gathered = dev.floats("g", n);
            dev.gatherRowsForward(gathered, table, rows, R, C);
            assertArrayEquals(values(sumRef), values(sum), "residual");
            assertArrayEquals(values(daRef), values(da), "residual backward, first input");
            assertArrayEquals(values(dbRef), values(db), "residual backward, second input");
            assertArrayEquals(values(gatheredRef), values(gathered), "gather");
            dev.zero(gathered);
            assertArrayEquals(new float[n], values(gathered), "zero");
        }
    }

    @Property(tries = 40)
    void geluMatchesReference(@ForAll @IntRange(min = 1, max = 40_000) int n, @ForAll long seed) {
        Random r = new Random(seed);
        Buf inp = random(REF, "inp", n, r);
        for (int i = 0; i < n; i += 7) {
            inp.host()[inp.offset() + i] *= 6f; // reach the saturated tails of tanh too
        }
        Buf dout = random(REF, "dout", n, r);
        Buf d0 = random(REF, "d", n, r);
        Buf outRef = REF.floats("out", n);
        REF.activationForward(Activation.GELU, outRef, inp, n);
        Buf dRef = copy(REF, d0);
        REF.activationBackward(Activation.GELU, dRef, inp, dout, n);
        float[] first = null;
        for (CpuDevice dev : new CpuDevice[]{ONE, TWO}) {
            Buf out = dev.floats("out", n);
            dev.activationForward(Activation.GELU, out, inp, n);
            Buf d = copy(dev, d0);
            dev.activationBackward(Activation.GELU, d, inp, dout, n);
            // VectorMath.tanh is within 2e-7 of Math.tanh; the derivative's 1 − tanh² and its factors of x
            // (up to ~20 here) and dout scale that up
            close(values(outRef), values(out), 1e-6f, "out");
            close(values(dRef), values(d), 1e-5f, "dinp");
            if (first == null) {
                first = values(d);
            }
            assertArrayEquals(first, values(d), "bitwise identical for any thread count");
        }
    }

    /**
     * The packed gemm with every generated Vector API kernel shape and with the scalar kernel, on any
     * shape, either layout of A and B and any split of the rows: bit-identical to each other, and within
     * rounding of a float64 product. K up to 600 crosses the 256-row block; M and N cross tile edges.
     */
    @Property(tries = 80)
    void vectorGemmIsBitIdenticalToScalarGemm(@ForAll @IntRange(min = 0, max = 4) int shape,
                                              @ForAll @IntRange(min = 1, max = 90) int M,
                                              @ForAll @IntRange(min = 1, max = 70) int N,
                                              @ForAll @IntRange(min = 1, max = 600) int K,
                                              @ForAll boolean aTransposed, @ForAll boolean bTransposed,
                                              @ForAll @IntRange(min = 1, max = 4) int parts, @ForAll long seed) {
        Random r = new Random(seed);
        float[] a = new float[M * K + 2];
        float[] b = new float[K * N + 1];
        float[] c0 = new float[M * N + 3];
        for (float[] x : new float[][]{a, b, c0}) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
        }
        // A (M,K) at offset 2, B (K,N) at offset 1, C (M,N) at offset 3, each row-major or transposed
        int aRow = aTransposed ? 1 : K;
        int aCol = aTransposed ? M : 1;
        int bRow = bTransposed ? 1 : N;
        int bCol = bTransposed ? K : 1;
        float[] expected = new float[M * N];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                double sum = c0[3 + i * N + j];
                for (int k = 0; k < K; k++) {
                    sum += (double) a[2 + i * aRow + k * aCol] * b[1 + k * bRow + j * bCol];
                }
                expected[i * N + j] = (float) sum;
            }
        }
        float[] scalar = multiply(new Gemm(new Gemm.ScalarKernel()), M, N, K, a, aRow, aCol, b, bRow, bCol, c0, 1);
        Gemm.MicroKernel kernel = new Gemm.MicroKernel[]{new GemmKernel5x2(), new GemmKernel12x2(),
                new GemmKernel14x2(), new GemmKernel8x3(), new GemmKernel6x4()}[shape];
        float[] vector = multiply(new Gemm(kernel), M, N, K, a, aRow, aCol, b, bRow, bCol, c0, parts);
        assertArrayEquals(scalar, vector, "vector vs scalar kernel");
        float[] result = new float[M * N];
        System.arraycopy(vector, 3, result, 0, M * N);
        close(expected, result, 2e-5f * (float) Math.sqrt(K), "C");
    }

    /** C = c0 + A·B through packB and multiplyAdd, with the rows of C split into parts as threads would. */
    private static float[] multiply(Gemm g, int M, int N, int K, float[] a, int aRow, int aCol, float[] b, int bRow,
                                    int bCol, float[] c0, int parts) {
        float[] packed = new float[g.packedBSize(N, K)];
        g.packB(packed, 0, 1, N, K, b, 1, bRow, bCol);
        g.packB(packed, 1, g.panels(N), N, K, b, 1, bRow, bCol);
        float[] c = c0.clone();
        float[] scratch = new float[g.scratchSize()];
        for (int p = 0; p < parts; p++) {
            g.multiplyAdd(M * p / parts, M * (p + 1) / parts, N, K, a, 2, aRow, aCol, packed, c, 3, N, scratch);
        }
        return c;
    }
}
