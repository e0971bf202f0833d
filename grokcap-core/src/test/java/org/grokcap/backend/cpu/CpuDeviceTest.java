package org.grokcap.backend.cpu;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.backend.IntBuf;
import org.grokcap.backend.ReferenceDevice;
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
                                   @ForAll @IntRange(min = 1, max = 4) int H, @ForAll @IntRange(min = 1, max = 5) int hs,
                                   @ForAll boolean subset, @ForAll long seed) {
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
        for (CpuDevice dev : new CpuDevice[]{ONE, TWO, THREE}) {
            Buf out = dev.floats("out", NQ * C);
            Buf att = dev.floats("att", NQ * H * T);
            dev.attentionForward(out, att, qkv, q, NQ, T, C, H, scale);
            Buf dqkv = copy(dev, dqkv0);
            dev.attentionBackward(dqkv, dout, qkv, att, q, NQ, T, C, H, scale);
            assertArrayEquals(values(outRef), values(out), "out");
            assertArrayEquals(values(attRef), values(att), "att");
            assertArrayEquals(values(dqkvRef), values(dqkv), "dqkv");
        }
    }

    @Property(tries = 40)
    void crossEntropyMatchesReference(@ForAll @IntRange(min = 1, max = 30) int N, @ForAll @IntRange(min = 2, max = 40) int V,
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
        for (CpuDevice dev : new CpuDevice[]{ONE, TWO, THREE}) {
            Buf loss = dev.floats("l", N);
            Buf hits = dev.floats("h", N);
            dev.crossEntropyForward(loss, hits, logits, targets, N, V, float64);
            Buf d = copy(dev, d0);
            dev.crossEntropyBackward(d, logits, targets, N, V, 1f / N, float64);
            assertArrayEquals(values(lossRef), values(loss));
            assertArrayEquals(values(hitsRef), values(hits));
            assertArrayEquals(values(dRef), values(d));
        }
    }

    @Test
    void scalarGemmAgreesWithVectorGemm() {
        Random r = new Random(7);
        int M = 13, N = 37, K = 300; // K > the 256-row block, so blocking is exercised
        float[] a = new float[M * K];
        float[] b = new float[K * N];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian();
        }
        float[] c1 = new float[M * N];
        float[] c2 = new float[M * N];
        new Gemm.Scalar().multiplyAdd(0, M, N, K, a, 0, K, 1, b, 0, N, c1, 0, N);
        new VectorGemm().multiplyAdd(0, M, N, K, a, 0, K, 1, b, 0, N, c2, 0, N);
        close(c1, c2, 1e-4f, "C");
    }
}
