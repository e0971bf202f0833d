package org.grokcap.backend.cpu;

/**
 * C (M,N) += A (M,K) · B (K,N), with A and B read through strides and C row-major, so one kernel
 * serves a linear layer's forward (B = Wᵀ), its input gradient (B = W) and its weight gradient
 * (A = doutᵀ).
 *
 * <p>Blocked the BLIS way. B is packed once per call into panels of {@code nr} columns, {@link #KC}
 * rows at a time ({@link #packB}); each thread packs {@link #MC} rows of A at a time into micro-panels
 * of {@link #MR} rows; the micro-kernel holds an MR×nr tile of C in registers while k runs over one
 * block. A B panel (KC·nr floats, 16 KiB for AVX2) stays in L1 while the thread's A block
 * (MC·KC floats, 80 KiB) streams from L2. Edge tiles run the same kernel on a zero-padded copy.
 *
 * <p>Every element of C gets its K products added one at a time, k = 0, 1, …, K-1, each with one
 * fused multiply-add. So results depend neither on the thread split nor on which kernel (vector or
 * scalar) runs: they are bit-identical.
 */
final class Gemm {
    static final int MR = 5; // packA unrolls its copy for exactly this height
    static final int KC = 256;
    static final int MC = 16 * MR;

    /** C tile (MR,nr) at c[cOff], row stride ldc, += A micro-panel (kc,MR) · B panel (kc,nr). */
    interface MicroKernel {
        int nr();

        void tile(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc);

        String describe();
    }

    private final MicroKernel kernel;
    private final int nr;

    Gemm(MicroKernel kernel) {
        this.kernel = kernel;
        this.nr = kernel.nr();
    }

    String describe() {
        return kernel.describe();
    }

    /** Panels of nr columns that cover N. */
    int panels(int N) {
        return (N + nr - 1) / nr;
    }

    /** Floats that {@link #packB} writes for a (K,N) B. */
    int packedBSize(int N, int K) {
        return K * panels(N) * nr;
    }

    /** Floats of per-thread scratch that {@link #multiplyAdd} needs: the packed A block and an edge tile. */
    int scratchSize() {
        return MC * KC + MR * nr;
    }

    /**
     * Packs panels [panelFrom, panelTo) of B (K,N), where B[k][j] = b[bOff + k·bRow + j·bCol]. Block p
     * (rows k0 = p·KC … k0+kc) starts at k0·padded N; panel q of it at q·kc·nr; columns past N are 0.
     */
    void packB(float[] packed, int panelFrom, int panelTo, int N, int K, float[] b, int bOff, int bRow, int bCol) {
        int np = panels(N) * nr;
        for (int k0 = 0; k0 < K; k0 += KC) {
            int kc = Math.min(KC, K - k0);
            for (int q = panelFrom; q < panelTo; q++) {
                int j0 = q * nr;
                int cols = Math.min(nr, N - j0);
                int p = k0 * np + q * kc * nr;
                for (int k = k0; k < k0 + kc; k++, p += nr) {
                    int src = bOff + k * bRow + j0 * bCol;
                    if (bCol == 1) {
                        System.arraycopy(b, src, packed, p, cols);
                    } else {
                        for (int j = 0; j < cols; j++) {
                            packed[p + j] = b[src + j * bCol];
                        }
                    }
                    for (int j = cols; j < nr; j++) {
                        packed[p + j] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Rows [rowFrom, rowTo) of C += A·B, with B already packed by {@link #packB} (all panels).
     * A[i][k] = a[aOff + i·aRow + k·aCol].
     */
    void multiplyAdd(int rowFrom, int rowTo, int N, int K, float[] a, int aOff, int aRow, int aCol,
                     float[] packedB, float[] c, int cOff, int ldc, float[] scratch) {
        int np = panels(N) * nr;
        int tile = MC * KC;
        for (int k0 = 0; k0 < K; k0 += KC) {
            int kc = Math.min(KC, K - k0);
            for (int i0 = rowFrom; i0 < rowTo; i0 += MC) {
                int mc = Math.min(MC, rowTo - i0);
                packA(scratch, i0, mc, k0, kc, a, aOff, aRow, aCol);
                for (int q = 0; q * nr < N; q++) {
                    int bp = k0 * np + q * kc * nr;
                    int j0 = q * nr;
                    int cols = Math.min(nr, N - j0);
                    for (int r = 0; r * MR < mc; r++) {
                        int rows = Math.min(MR, mc - r * MR);
                        int ci = cOff + (i0 + r * MR) * ldc + j0;
                        if (rows == MR && cols == nr) {
                            kernel.tile(kc, scratch, r * kc * MR, packedB, bp, c, ci, ldc);
                        } else {
                            edgeTile(kc, scratch, r * kc * MR, packedB, bp, c, ci, ldc, rows, cols, scratch, tile);
                        }
                    }
                }
            }
        }
    }

    /** Rows [i0, i0+mc) × columns [k0, k0+kc) of A into micro-panels of MR rows, (k, row) order, 0-padded. */
    private static void packA(float[] packed, int i0, int mc, int k0, int kc, float[] a, int aOff, int aRow, int aCol) {
        for (int r = 0; r * MR < mc; r++) {
            int rows = Math.min(MR, mc - r * MR);
            int p = r * kc * MR;
            int src = aOff + (i0 + r * MR) * aRow + k0 * aCol;
            if (rows == MR) {
                // the common case, unrolled: this copy runs once per 2·N·MR flops of the kernel
                int s1 = src + aRow;
                int s2 = s1 + aRow;
                int s3 = s2 + aRow;
                int s4 = s3 + aRow;
                for (int k = 0; k < kc; k++, p += MR) {
                    int o = k * aCol;
                    packed[p] = a[src + o];
                    packed[p + 1] = a[s1 + o];
                    packed[p + 2] = a[s2 + o];
                    packed[p + 3] = a[s3 + o];
                    packed[p + 4] = a[s4 + o];
                }
                continue;
            }
            for (int k = 0; k < kc; k++, p += MR, src += aCol) {
                for (int ii = 0; ii < rows; ii++) {
                    packed[p + ii] = a[src + ii * aRow];
                }
                for (int ii = rows; ii < MR; ii++) {
                    packed[p + ii] = 0f;
                }
            }
        }
    }

    /** A tile cut by the edge of C: the same kernel on a zero-padded copy, then the valid part copied back. */
    private void edgeTile(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc,
                          int rows, int cols, float[] t, int tOff) {
        for (int ii = 0; ii < MR; ii++) {
            for (int j = 0; j < nr; j++) {
                t[tOff + ii * nr + j] = ii < rows && j < cols ? c[cOff + ii * ldc + j] : 0f;
            }
        }
        kernel.tile(kc, a, aOff, b, bOff, t, tOff, nr);
        for (int ii = 0; ii < rows; ii++) {
            System.arraycopy(t, tOff + ii * nr, c, cOff + ii * ldc, cols);
        }
    }

    /** The plain-Java micro-kernel: the fallback when the Vector API is absent, and the definition of the arithmetic. */
    static final class ScalarKernel implements MicroKernel {
        static final int NR = 16;

        @Override
        public int nr() {
            return NR;
        }

        @Override
        public void tile(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc) {
            for (int k = 0; k < kc; k++) {
                for (int ii = 0; ii < MR; ii++) {
                    float av = a[aOff + k * MR + ii];
                    int ci = cOff + ii * ldc;
                    int bk = bOff + k * NR;
                    for (int j = 0; j < NR; j++) {
                        c[ci + j] = Math.fma(av, b[bk + j], c[ci + j]);
                    }
                }
            }
        }

        @Override
        public String describe() {
            return "scalar, Vector API absent";
        }
    }
}
