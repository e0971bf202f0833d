package org.grokcap.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernel: 4 rows × 3 vectors of C held in registers while k runs over a block of
 * {@value #KB} rows of B, so that block stays in cache for every row of A. Loaded only when
 * {@code jdk.incubator.vector} is in the boot layer.
 */
final class VectorGemm implements Gemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int KB = 256;

    static int lanes() {
        return L;
    }

    @Override
    public void multiplyAdd(int rowFrom, int rowTo, int N, int K, float[] a, int aOff, int aRow, int aCol,
                            float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        for (int k0 = 0; k0 < K; k0 += KB) {
            int k1 = Math.min(K, k0 + KB);
            int i = rowFrom;
            for (; i + 4 <= rowTo; i += 4) {
                rows4(i, N, k0, k1, a, aOff, aRow, aCol, b, bOff, ldb, c, cOff, ldc);
            }
            for (; i < rowTo; i++) {
                row1(i, N, k0, k1, a, aOff, aRow, aCol, b, bOff, ldb, c, cOff, ldc);
            }
        }
    }

    private static void rows4(int i, int N, int k0, int k1, float[] a, int aOff, int aRow, int aCol,
                              float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        int c0 = cOff + i * ldc;
        int c1 = c0 + ldc;
        int c2 = c1 + ldc;
        int c3 = c2 + ldc;
        int a0 = aOff + i * aRow;
        int a1 = a0 + aRow;
        int a2 = a1 + aRow;
        int a3 = a2 + aRow;
        int j = 0;
        for (; j + 3 * L <= N; j += 3 * L) {
            FloatVector x00 = FloatVector.fromArray(S, c, c0 + j);
            FloatVector x01 = FloatVector.fromArray(S, c, c0 + j + L);
            FloatVector x02 = FloatVector.fromArray(S, c, c0 + j + 2 * L);
            FloatVector x10 = FloatVector.fromArray(S, c, c1 + j);
            FloatVector x11 = FloatVector.fromArray(S, c, c1 + j + L);
            FloatVector x12 = FloatVector.fromArray(S, c, c1 + j + 2 * L);
            FloatVector x20 = FloatVector.fromArray(S, c, c2 + j);
            FloatVector x21 = FloatVector.fromArray(S, c, c2 + j + L);
            FloatVector x22 = FloatVector.fromArray(S, c, c2 + j + 2 * L);
            FloatVector x30 = FloatVector.fromArray(S, c, c3 + j);
            FloatVector x31 = FloatVector.fromArray(S, c, c3 + j + L);
            FloatVector x32 = FloatVector.fromArray(S, c, c3 + j + 2 * L);
            for (int k = k0; k < k1; k++) {
                int bk = bOff + k * ldb + j;
                FloatVector b0 = FloatVector.fromArray(S, b, bk);
                FloatVector b1 = FloatVector.fromArray(S, b, bk + L);
                FloatVector b2 = FloatVector.fromArray(S, b, bk + 2 * L);
                int ak = k * aCol;
                FloatVector v0 = FloatVector.broadcast(S, a[a0 + ak]);
                x00 = v0.fma(b0, x00);
                x01 = v0.fma(b1, x01);
                x02 = v0.fma(b2, x02);
                FloatVector v1 = FloatVector.broadcast(S, a[a1 + ak]);
                x10 = v1.fma(b0, x10);
                x11 = v1.fma(b1, x11);
                x12 = v1.fma(b2, x12);
                FloatVector v2 = FloatVector.broadcast(S, a[a2 + ak]);
                x20 = v2.fma(b0, x20);
                x21 = v2.fma(b1, x21);
                x22 = v2.fma(b2, x22);
                FloatVector v3 = FloatVector.broadcast(S, a[a3 + ak]);
                x30 = v3.fma(b0, x30);
                x31 = v3.fma(b1, x31);
                x32 = v3.fma(b2, x32);
            }
            x00.intoArray(c, c0 + j);
            x01.intoArray(c, c0 + j + L);
            x02.intoArray(c, c0 + j + 2 * L);
            x10.intoArray(c, c1 + j);
            x11.intoArray(c, c1 + j + L);
            x12.intoArray(c, c1 + j + 2 * L);
            x20.intoArray(c, c2 + j);
            x21.intoArray(c, c2 + j + L);
            x22.intoArray(c, c2 + j + 2 * L);
            x30.intoArray(c, c3 + j);
            x31.intoArray(c, c3 + j + L);
            x32.intoArray(c, c3 + j + 2 * L);
        }
        for (; j + L <= N; j += L) {
            FloatVector x0 = FloatVector.fromArray(S, c, c0 + j);
            FloatVector x1 = FloatVector.fromArray(S, c, c1 + j);
            FloatVector x2 = FloatVector.fromArray(S, c, c2 + j);
            FloatVector x3 = FloatVector.fromArray(S, c, c3 + j);
            for (int k = k0; k < k1; k++) {
                FloatVector bv = FloatVector.fromArray(S, b, bOff + k * ldb + j);
                int ak = k * aCol;
                x0 = FloatVector.broadcast(S, a[a0 + ak]).fma(bv, x0);
                x1 = FloatVector.broadcast(S, a[a1 + ak]).fma(bv, x1);
                x2 = FloatVector.broadcast(S, a[a2 + ak]).fma(bv, x2);
                x3 = FloatVector.broadcast(S, a[a3 + ak]).fma(bv, x3);
            }
            x0.intoArray(c, c0 + j);
            x1.intoArray(c, c1 + j);
            x2.intoArray(c, c2 + j);
            x3.intoArray(c, c3 + j);
        }
        for (; j < N; j++) {
            float s0 = c[c0 + j];
            float s1 = c[c1 + j];
            float s2 = c[c2 + j];
            float s3 = c[c3 + j];
            for (int k = k0; k < k1; k++) {
                float bv = b[bOff + k * ldb + j];
                int ak = k * aCol;
                s0 = Math.fma(a[a0 + ak], bv, s0);
                s1 = Math.fma(a[a1 + ak], bv, s1);
                s2 = Math.fma(a[a2 + ak], bv, s2);
                s3 = Math.fma(a[a3 + ak], bv, s3);
            }
            c[c0 + j] = s0;
            c[c1 + j] = s1;
            c[c2 + j] = s2;
            c[c3 + j] = s3;
        }
    }

    /** One row, the same arithmetic per element as {@link #rows4}. */
    private static void row1(int i, int N, int k0, int k1, float[] a, int aOff, int aRow, int aCol,
                             float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        int c0 = cOff + i * ldc;
        int a0 = aOff + i * aRow;
        int j = 0;
        for (; j + L <= N; j += L) {
            FloatVector x0 = FloatVector.fromArray(S, c, c0 + j);
            for (int k = k0; k < k1; k++) {
                FloatVector bv = FloatVector.fromArray(S, b, bOff + k * ldb + j);
                x0 = FloatVector.broadcast(S, a[a0 + k * aCol]).fma(bv, x0);
            }
            x0.intoArray(c, c0 + j);
        }
        for (; j < N; j++) {
            float s0 = c[c0 + j];
            for (int k = k0; k < k1; k++) {
                s0 = Math.fma(a[a0 + k * aCol], b[bOff + k * ldb + j], s0);
            }
            c[c0 + j] = s0;
        }
    }
}
