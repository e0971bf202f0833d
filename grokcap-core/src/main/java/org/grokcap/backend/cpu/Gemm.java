package org.grokcap.backend.cpu;

/**
 * C (M,N) += A (M,K) · B (K,N), with B and C row-major and A read through strides, so one kernel
 * serves a linear layer's forward (B = Wᵀ), its input gradient (B = W) and its weight gradient
 * (A = doutᵀ read with swapped strides).
 *
 * <p>Each element of C is summed over k in the same order whatever the row range a thread gets, so
 * results do not depend on the number of threads.
 */
interface Gemm {

    /**
     * Rows [rowFrom, rowTo) of C += A·B.
     *
     * @param aRow stride between rows of A; aCol stride between its columns
     */
    void multiplyAdd(int rowFrom, int rowTo, int N, int K,
                     float[] a, int aOff, int aRow, int aCol,
                     float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc);

    /** Scalar version: the fallback when the Vector API is absent, and the shape of the blocked loop. */
    final class Scalar implements Gemm {
        @Override
        public void multiplyAdd(int rowFrom, int rowTo, int N, int K, float[] a, int aOff, int aRow, int aCol,
                                float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
            for (int i = rowFrom; i < rowTo; i++) {
                int ci = cOff + i * ldc;
                int ai = aOff + i * aRow;
                for (int k = 0; k < K; k++) {
                    float av = a[ai + k * aCol];
                    int bk = bOff + k * ldb;
                    for (int j = 0; j < N; j++) {
                        c[ci + j] = Math.fma(av, b[bk + j], c[ci + j]);
                    }
                }
            }
        }
    }
}
