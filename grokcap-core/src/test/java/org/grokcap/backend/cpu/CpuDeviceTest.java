package org.grokcap.backend.cpu;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.backend.IntBuf;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.kernels.Rotary;
import org.grokcap.kernels.Activation;
import org.grokcap.kernels.CrossEntropy;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

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
    // the same, but splitting every call however small, so small shapes exercise the thread splits too
    private static final CpuDevice TWO_ALWAYS = new CpuDevice(2, CpuDevice.vectorApiPresent(), 1);
    private static final CpuDevice THREE_ALWAYS = new CpuDevice(3, CpuDevice.vectorApiPresent(), 1);
    /** The default path and the always-split ones: bit-identical to each other, near the reference. */
    private static final CpuDevice[] FAST = {ONE, TWO, THREE, TWO_ALWAYS, THREE_ALWAYS};
    /** The scalar fallback (as without the Vector API module), on one thread and split three ways. */
    private static final CpuDevice[] SCALAR = {new CpuDevice(1, false, CpuDevice.PARALLEL_MIN), new CpuDevice(3, false, 1)};

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

    /**
     * Attention on q|k|v looked up in a table (the first layer's vocabulary table): against the reference
     * (which gathers, then attends), and bit for bit against the device's own gather-then-attend, for 1, 2
     * and 3 threads. Head sizes 16 and 32 take the in-place vector path; 3 the gathering fallback.
     */
    @Property(tries = 40)
    void attentionFromATableMatchesGatheredAttention(@ForAll @IntRange(min = 1, max = 40) int B,
                                                     @ForAll @IntRange(min = 1, max = 4) int T,
                                                     @ForAll @IntRange(min = 1, max = 4) int H,
                                                     @ForAll @IntRange(min = 0, max = 2) int hsPick,
                                                     @ForAll boolean lastOnly, @ForAll long seed) {
        int hs = new int[]{3, 16, 32}[hsPick];
        Random r = new Random(seed);
        int C = H * hs;
        int N = B * T;
        int V = 1 + r.nextInt(6);
        Buf table = random(REF, "table", V * T * 3 * C, r);
        IntBuf rows = REF.ints("rows", N);
        for (int i = 0; i < N; i++) {
            rows.host()[i] = r.nextInt(V) * T + i % T;
        }
        int NQ = lastOnly ? B : N;
        IntBuf q = REF.ints("q", NQ);
        for (int i = 0; i < NQ; i++) {
            q.host()[i] = lastOnly ? i * T + T - 1 : i;
        }
        Buf dout = random(REF, "dout", NQ * C, r);
        Buf dqkv0 = random(REF, "dqkv", N * 3 * C, r);
        float scale = 0.1f + r.nextFloat();
        Buf qkvRef = REF.floats("qkv", N * 3 * C);
        Buf outRef = REF.floats("out", NQ * C);
        Buf attRef = REF.floats("att", NQ * H * T);
        REF.attentionForwardFromTable(outRef, attRef, qkvRef, table, rows, q, N, NQ, T, C, H, scale);
        Buf dqkvRef = copy(REF, dqkv0);
        REF.attentionBackwardFromTable(dqkvRef, dout, qkvRef, table, rows, attRef, q, NQ, T, C, H, scale);
        for (CpuDevice dev : new CpuDevice[]{ONE, TWO, THREE}) {
            Buf qkv = dev.floats("qkv", N * 3 * C);
            Buf out = dev.floats("out", NQ * C);
            Buf att = dev.floats("att", NQ * H * T);
            dev.attentionForwardFromTable(out, att, qkv, table, rows, q, N, NQ, T, C, H, scale);
            Buf dqkv = copy(dev, dqkv0);
            dev.attentionBackwardFromTable(dqkv, dout, qkv, table, rows, att, q, NQ, T, C, H, scale);
            close(values(outRef), values(out), 1e-5f * hs, "out");
            close(values(attRef), values(att), 1e-5f * hs, "att");
            close(values(dqkvRef), values(dqkv), 1e-5f * hs, "dqkv");
            // the device's own gather-then-attend: the same arithmetic on the same values
            Buf gathered = dev.floats("gathered", N * 3 * C);
            dev.gatherRowsForward(gathered, table, rows, N, 3 * C);
            Buf out2 = dev.floats("out2", NQ * C);
            Buf att2 = dev.floats("att2", NQ * H * T);
            dev.attentionForward(out2, att2, gathered, q, NQ, T, C, H, scale);
            Buf dqkv2 = copy(dev, dqkv0);
            dev.attentionBackward(dqkv2, dout, gathered, att2, q, NQ, T, C, H, scale);
            assertArrayEquals(values(out2), values(out), "out: in place = gathered, " + dev.describe());
            assertArrayEquals(values(att2), values(att), "att: in place = gathered");
            assertArrayEquals(values(dqkv2), values(dqkv), "dqkv: in place = gathered");
        }
    }

    @Property(tries = 40)
    void crossEntropyMatchesReference(@ForAll @IntRange(min = 1, max = 30) int N, @ForAll @IntRange(min = 2, max = 130) int V,
                                      @ForAll boolean float64, @ForAll boolean stablemax, @ForAll boolean smoothed,
                                      @ForAll long seed) {
        Random r = new Random(seed);
        CrossEntropy.Loss kind = new CrossEntropy.Loss(stablemax, smoothed ? r.nextDouble() * 0.99 : 0.0, float64);
        Buf logits = random(REF, "logits", N * V, r);
        IntBuf targets = REF.ints("t", N);
        for (int i = 0; i < N; i++) {
            targets.host()[i] = r.nextInt(V);
        }
        Buf lossRef = REF.floats("l", N);
        Buf hitsRef = REF.floats("h", N);
        REF.crossEntropyForward(lossRef, hitsRef, logits, targets, N, V, kind);
        Buf dRef = random(REF, "d", N * V, r);
        Buf d0 = copy(REF, dRef);
        REF.crossEntropyBackward(dRef, logits, targets, N, V, 1f / N, kind);
        float[][] first = null;
        for (CpuDevice dev : new CpuDevice[]{ONE, TWO, THREE}) {
            Buf loss = dev.floats("l", N);
            Buf hits = dev.floats("h", N);
            dev.crossEntropyForward(loss, hits, logits, targets, N, V, kind);
            Buf d = copy(dev, d0);
            dev.crossEntropyBackward(d, logits, targets, N, V, 1f / N, kind);
            // the vector kernels' exp and lane-wise sums differ from the reference by rounding only
            close(values(lossRef), values(loss), 1e-5f, "loss");
            assertArrayEquals(values(hitsRef), values(hits), "hits");
            close(values(dRef), values(d), 1e-6f, "dlogits");
            if (stablemax) { // no vector kernel: the rows run the reference's own loops on the threads
                assertArrayEquals(values(lossRef), values(loss), "stablemax losses bitwise as the reference's");
                assertArrayEquals(values(dRef), values(d), "stablemax dlogits bitwise as the reference's");
            }
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

    /** Residual sum, its backward, row gather and zeroing: elementwise adds and copies, so the reference's bits. */
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
        for (CpuDevice dev : all()) {
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
     * The packed gemm with both Vector API kernel shapes (AVX2's and AVX-512's) and with the scalar kernel, on any
     * shape, either layout of A and B and any split of the rows: bit-identical to each other, and within
     * rounding of a float64 product. K up to 600 crosses the 256-row block; M and N cross tile edges.
     */
    @Property(tries = 80)
    void vectorGemmIsBitIdenticalToScalarGemm(@ForAll @IntRange(min = 0, max = 1) int shape,
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
        Gemm.MicroKernel kernel = shape == 0 ? new GemmKernel5x2() : new GemmKernel12x2();
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

    private static CpuDevice[] all() {
        CpuDevice[] all = java.util.Arrays.copyOf(FAST, FAST.length + SCALAR.length);
        System.arraycopy(SCALAR, 0, all, FAST.length, SCALAR.length);
        return all;
    }

    /**
     * Runs op (which returns the tensors it wrote) on the reference and on every CPU device. The fast
     * devices must agree with the reference within tol, |a−b| ≤ tol·(1 + |b|), NaN where it has NaN,
     * and with each other bit for bit. The scalar devices must agree with each other bit for bit, and
     * with the reference too when scalarIsReference.
     */
    private static void check(String what, float tol, boolean scalarIsReference, Function<Device, float[][]> op) {
        float[][] ref = op.apply(REF);
        for (CpuDevice[] group : new CpuDevice[][]{FAST, SCALAR}) {
            float[][] first = null;
            for (CpuDevice dev : group) {
                float[][] got = op.apply(dev);
                for (int k = 0; k < ref.length; k++) {
                    String name = what + " tensor " + k + " on " + dev.describe();
                    if (group == SCALAR && scalarIsReference) {
                        assertArrayEquals(ref[k], got[k], name + ": the scalar path is the reference's arithmetic");
                    } else {
                        near(ref[k], got[k], tol, name);
                    }
                    if (first != null) {
                        assertArrayEquals(first[k], got[k], name + ": bitwise identical for any thread count");
                    }
                }
                if (first == null) {
                    first = got;
                }
            }
        }
    }

    /** As {@link #close}, and non-finite values (NaN, ±∞) must match exactly. */
    private static void near(float[] expected, float[] actual, float tol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            if (!Float.isFinite(e) || !Float.isFinite(a)) {
                assertEquals(e, a, what + "[" + i + "]");
                continue;
            }
            assertTrue(Math.abs(e - a) <= tol * (1 + Math.abs(e)), what + "[" + i + "]: " + e + " vs " + a);
        }
    }

    /** Sometimes a NaN in an input, which must come out wherever the reference's comes out. */
    private static void maybeNaN(Buf b, boolean nan, Random r) {
        if (nan && b.size() > 0) {
            b.host()[b.offset() + r.nextInt(b.size())] = Float.NaN;
        }
    }

    @Property(tries = 60)
    void layerNormMatchesReference(@ForAll @IntRange(min = 1, max = 200) int N, @ForAll @IntRange(min = 1, max = 200) int C,
                                   @ForAll boolean nan, @ForAll long seed) {
        Random r = new Random(seed);
        Buf inp = random(REF, "inp", N * C, r);
        maybeNaN(inp, nan, r);
        Buf weight = random(REF, "w", C, r);
        Buf bias = random(REF, "b", C, r);
        Buf dout = random(REF, "dout", N * C, r);
        Buf dinp0 = random(REF, "dinp", N * C, r);
        Buf dw0 = random(REF, "dw", C, r);
        Buf db0 = random(REF, "db", C, r);
        // the vector path sums a row's statistics lane-wise: within rounding of the reference
        check("layerNorm", 2e-5f, true, d -> {
            Buf out = d.floats("out", N * C);
            Buf mean = d.floats("mean", N);
            Buf rstd = d.floats("rstd", N);
            d.layerNormForward(out, mean, rstd, inp, weight, bias, N, C);
            // backward from the reference's saved statistics, so that it is compared on equal inputs
            Buf meanRef = REF.floats("meanRef", N);
            Buf rstdRef = REF.floats("rstdRef", N);
            REF.layerNormForward(REF.floats("o", N * C), meanRef, rstdRef, inp, weight, bias, N, C);
            Buf dinp = copy(d, dinp0);
            Buf dw = copy(d, dw0);
            Buf db = copy(d, db0);
            d.layerNormBackward(dinp, dw, db, dout, inp, weight, meanRef, rstdRef, N, C);
            return new float[][]{values(out), values(mean), values(rstd), values(dinp), values(dw), values(db)};
        });
    }

    @Property(tries = 60)
    void rmsNormMatchesReference(@ForAll @IntRange(min = 1, max = 200) int N, @ForAll @IntRange(min = 1, max = 200) int C,
                                 @ForAll boolean nan, @ForAll long seed) {
        Random r = new Random(seed);
        Buf inp = random(REF, "inp", N * C, r);
        maybeNaN(inp, nan, r);
        Buf weight = random(REF, "w", C, r);
        Buf dout = random(REF, "dout", N * C, r);
        Buf dinp0 = random(REF, "dinp", N * C, r);
        Buf dw0 = random(REF, "dw", C, r);
        check("rmsNorm", 2e-5f, true, d -> {
            Buf out = d.floats("out", N * C);
            Buf rstd = d.floats("rstd", N);
            d.rmsNormForward(out, rstd, inp, weight, N, C);
            Buf rstdRef = REF.floats("rstdRef", N);
            REF.rmsNormForward(REF.floats("o", N * C), rstdRef, inp, weight, N, C);
            Buf dinp = copy(d, dinp0);
            Buf dw = copy(d, dw0);
            d.rmsNormBackward(dinp, dw, dout, inp, weight, rstdRef, N, C);
            return new float[][]{values(out), values(rstd), values(dinp), values(dw)};
        });
    }

    /** Few token ids, so rows of dwte repeat; adds in the reference's order give its bits. */
    @Property(tries = 60)
    void embeddingMatchesReferenceBitwise(@ForAll @IntRange(min = 1, max = 8) int B, @ForAll @IntRange(min = 1, max = 40) int T,
                                          @ForAll @IntRange(min = 1, max = 150) int C, @ForAll @IntRange(min = 1, max = 9) int V,
                                          @ForAll long seed) {
        Random r = new Random(seed);
        IntBuf tokens = REF.ints("tokens", B * T);
        for (int i = 0; i < B * T; i++) {
            tokens.host()[i] = r.nextInt(V);
        }
        Buf wte = random(REF, "wte", V * C, r);
        Buf wpe = random(REF, "wpe", T * C, r);
        Buf dout = random(REF, "dout", B * T * C, r);
        Buf dwte0 = random(REF, "dwte", V * C, r);
        Buf dwpe0 = random(REF, "dwpe", T * C, r);
        check("embedding", 0f, true, d -> {
            Buf out = d.floats("out", B * T * C);
            d.embeddingForward(out, tokens, wte, wpe, B, T, C);
            Buf dwte = copy(d, dwte0);
            Buf dwpe = copy(d, dwpe0);
            d.embeddingBackward(dwte, dwpe, dout, tokens, B, T, C);
            return new float[][]{values(out), values(dwte), values(dwpe)};
        });
    }

    /** Many source rows onto few destinations (repeats, and destinations no row names). */
    @Property(tries = 60)
    void gatherRowsBackwardMatchesReferenceBitwise(@ForAll @IntRange(min = 1, max = 400) int R,
                                                   @ForAll @IntRange(min = 1, max = 100) int C,
                                                   @ForAll @IntRange(min = 1, max = 20) int N, @ForAll long seed) {
        Random r = new Random(seed);
        IntBuf rows = REF.ints("rows", R);
        for (int i = 0; i < R; i++) {
            rows.host()[i] = r.nextInt(N);
        }
        Buf dout = random(REF, "dout", R * C, r);
        Buf dinp0 = random(REF, "dinp", N * C, r);
        check("gatherRowsBackward", 0f, true, d -> {
            Buf dinp = copy(d, dinp0);
            d.gatherRowsBackward(dinp, dout, rows, R, C);
            return new float[][]{values(dinp)};
        });
    }

    /** Rotation by mul, add and sub only: the reference's bits, on whole vectors, tails and heads of size 2. */
    @Property(tries = 60)
    void rotaryMatchesReferenceBitwise(@ForAll @IntRange(min = 1, max = 6) int B, @ForAll @IntRange(min = 1, max = 12) int T,
                                       @ForAll @IntRange(min = 1, max = 4) int H, @ForAll @IntRange(min = 0, max = 5) int hsPick,
                                       @ForAll long seed) {
        int hs = new int[]{2, 4, 6, 16, 34, 64}[hsPick];
        Random r = new Random(seed);
        int N = B * T;
        int C = H * hs;
        Buf cos = REF.floats("cos", T * hs / 2);
        Buf sin = REF.floats("sin", T * hs / 2);
        Rotary.table(cos.host(), cos.offset(), sin.host(), sin.offset(), T, hs);
        Buf inp = random(REF, "inp", N * 3 * C, r);
        Buf dout = random(REF, "dout", N * 3 * C, r);
        Buf dinp0 = random(REF, "dinp", N * 3 * C, r);
        check("rotary", 0f, true, d -> {
            Buf out = d.floats("out", N * 3 * C);
            d.rotaryForward(out, inp, cos, sin, N, T, C, H);
            Buf dinp = copy(d, dinp0);
            d.rotaryBackward(dinp, dout, cos, sin, N, T, C, H);
            return new float[][]{values(out), values(dinp)};
        });
    }

    @Property(tries = 60)
    void swigluMatchesReference(@ForAll @IntRange(min = 1, max = 200) int N, @ForAll @IntRange(min = 1, max = 150) int M,
                                @ForAll boolean nan, @ForAll long seed) {
        Random r = new Random(seed);
        Buf inp = random(REF, "inp", N * 2 * M, r);
        for (int i = 0; i < inp.size(); i += 11) {
            inp.host()[inp.offset() + i] *= 40f; // the saturated sigmoid, and exp's clamped range
        }
        maybeNaN(inp, nan, r);
        Buf dout = random(REF, "dout", N * M, r);
        Buf dinp0 = random(REF, "dinp", N * 2 * M, r);
        // the vector sigmoid is single precision with VectorMath.exp (2 ulp); the reference's is double
        check("swiglu", 1e-5f, true, d -> {
            Buf out = d.floats("out", N * M);
            d.swigluForward(out, inp, N, M);
            Buf dinp = copy(d, dinp0);
            d.swigluBackward(dinp, inp, dout, N, M);
            return new float[][]{values(out), values(dinp)};
        });
    }

    /** Elementwise IEEE operations in the reference's order (sqrt included): its bits, NaN included. */
    @Property(tries = 40)
    void adamWMatchesReferenceBitwise(@ForAll @IntRange(min = 1, max = 40_000) int n, @ForAll @IntRange(min = 1, max = 3000) int step,
                                      @ForAll boolean decay, @ForAll boolean nan, @ForAll long seed) {
        Random r = new Random(seed);
        Buf params0 = random(REF, "p", n, r);
        Buf grads = random(REF, "g", n, r);
        maybeNaN(grads, nan, r);
        Buf m0 = random(REF, "m", n, r);
        Buf v0 = random(REF, "v", n, r);
        for (int i = 0; i < n; i++) {
            v0.host()[v0.offset() + i] = Math.abs(v0.host()[v0.offset() + i]) * 1e-3f;
        }
        float lr = 1e-4f + r.nextFloat() * 1e-2f;
        float wd = decay ? r.nextFloat() : 0f;
        check("adamW", 0f, true, d -> {
            // AdamW needs all four at one offset: slices of equal roots
            Buf p = d.floats("p", n + 3).slice("p", 3, n);
            Buf g = d.floats("g", n + 3).slice("g", 3, n);
            Buf m = d.floats("m", n + 3).slice("m", 3, n);
            Buf v = d.floats("v", n + 3).slice("v", 3, n);
            for (Buf[] pair : new Buf[][]{{p, params0}, {g, grads}, {m, m0}, {v, v0}}) {
                System.arraycopy(pair[1].host(), pair[1].offset(), pair[0].host(), pair[0].offset(), n);
            }
            d.adamW(p, g, m, v, lr, 0.9f, 0.98f, 1e-8f, wd, step);
            return new float[][]{values(p), values(m), values(v)};
        });
    }

    /**
     * Σg² over fixed blocks, each in double: bit-identical for any thread count, within double rounding
     * of the reference; scale multiplies elementwise, the reference's bits.
     */
    @Property(tries = 40)
    void sumOfSquaresAndScaleMatchReference(@ForAll @IntRange(min = 1, max = 70_000) int n, @ForAll boolean nan,
                                            @ForAll long seed) {
        Random r = new Random(seed);
        Buf g = random(REF, "g", n, r);
        maybeNaN(g, nan, r);
        double expected = REF.sumOfSquares(g);
        float factor = r.nextFloat() * 2f;
        checkSum("Σg²", expected, 1e-12 * expected, d -> d.sumOfSquares(g));
        check("scale", 0f, true, d -> {
            Buf c = copy(d, g);
            d.scale(c, factor);
            return new float[][]{values(c)};
        });
    }

    /**
     * Σa·b over the same fixed blocks as Σg²: bit-identical for any thread count, within double rounding
     * of the reference (relative to Σ|a·b|, since the sum may cancel); axpy is elementwise, the
     * reference's bits. The operands sit at different offsets of their arrays on purpose.
     */
    @Property(tries = 40)
    void dotAndAxpyMatchReference(@ForAll @IntRange(min = 1, max = 70_000) int n, @ForAll boolean nan,
                                  @ForAll long seed) {
        Random r = new Random(seed);
        Buf a = random(REF, "a", n, r); // offset 3
        Buf b = copy(REF, random(REF, "b", n, r)); // offset 1
        maybeNaN(a, nan, r);
        double expected = REF.dot(a, b);
        double magnitude = 0;
        for (int i = 0; i < n; i++) {
            magnitude += Math.abs((double) a.host()[a.offset() + i] * b.host()[b.offset() + i]);
        }
        float alpha = (float) r.nextGaussian();
        checkSum("Σa·b", expected, 1e-12 * magnitude, d -> d.dot(a, b));
        check("axpy", 0f, true, d -> {
            Buf y = copy(d, a);
            d.axpy(y, alpha, b);
            return new float[][]{values(y)};
        });
    }

    /**
     * A sum over fixed blocks on every cpu device: within tol of the reference's (NaN where it is NaN)
     * and bit-identical for any thread count.
     */
    private static void checkSum(String what, double expected, double tol, java.util.function.ToDoubleFunction<Device> sum) {
        for (CpuDevice[] group : new CpuDevice[][]{FAST, SCALAR}) {
            Double first = null;
            for (CpuDevice dev : group) {
                double got = sum.applyAsDouble(dev);
                if (Double.isNaN(expected)) {
                    assertTrue(Double.isNaN(got), what + ": a NaN input gives a NaN sum");
                } else {
                    assertEquals(expected, got, tol, what + " on " + dev.describe());
                }
                if (first == null) {
                    first = got;
                }
                assertEquals(Double.doubleToLongBits(first), Double.doubleToLongBits(got),
                        what + " bitwise identical for any thread count");
            }
        }
    }

    /** Every Device method is listed, so that `grokcap info` can say where each one runs. */
    @Test
    void acceleratedListsEveryDeviceMethod() {
        for (CpuDevice dev : all()) {
            Map<String, String> where = dev.accelerated();
            for (Method m : Device.class.getMethods()) {
                assertTrue(where.containsKey(m.getName()), m.getName() + " missing from accelerated()");
            }
            assertEquals(dev == SCALAR[0] || dev == SCALAR[1] || !CpuDevice.vectorApiPresent() ? "parallel" : "parallel+vector",
                    where.get("layerNormBackward"));
        }
    }
}
