package org.grokcap.backend.cpu;

import java.util.Arrays;

/**
 * grokcap's own GEMM: C (M,N) += A (M,K) · B (K,N), with A and B read through strides and C row-major,
 * so one kernel serves a linear layer's forward (B = Wᵀ), its input gradient (B = W) and its weight
 * gradient (A = doutᵀ).
 *
 * <p>Blocked the BLIS way. B is packed once per call into panels of {@code nr} columns, {@link #KC}
 * rows at a time ({@link #packB}), the panels split between the threads; then each thread takes its
 * rows of C and packs {@code mc} rows of A at a time into micro-panels of {@code mr} rows; the
 * micro-kernel holds an mr×nr tile of C in registers while k runs over one block. A B panel (KC·nr
 * floats) stays in L1/L2 while the thread's A block streams. Edge tiles run the same kernel on a
 * zero-padded copy.
 *
 * <p>Every element of C gets its K products added one at a time, k = 0, 1, …, K-1, each with one
 * fused multiply-add. So results depend neither on the thread split nor on which micro-kernel (vector
 * of any shape, or scalar) runs: they are bit-identical.
 */
final class Gemm implements GemmProvider {
    static final int KC = 256;

    /** C tile (mr,nr) at c[cOff], row stride ldc, += A micro-panel (kc,mr) · B panel (kc,nr). */
    interface MicroKernel {
        int mr();

        int nr();

        void tile(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc);

        String describe();
    }

    private final MicroKernel kernel;
    private final int mr;
    private final int nr;
    private final int mc;
    private final Job job = new Job();
    private float[] packedB = new float[0];
    private float[][] scratch = new float[0][];

    Gemm(MicroKernel kernel) {
        this.kernel = kernel;
        this.mr = kernel.mr();
        this.nr = kernel.nr();
        // about 80 KiB of packed A per thread: streams from L2 while a B panel sits in L1
        this.mc = Math.max(1, 80 / mr) * mr;
    }

    /** The best micro-kernel this JVM has: the Vector API one shaped for its vector width, else scalar. */
    static Gemm best() {
        return new Gemm(CpuDevice.vectorApiPresent() ? VectorKernels.gemmKernel() : new ScalarKernel());
    }

    @Override
    public String name() {
        return kernel instanceof ScalarKernel ? "scalar" : "vector";
    }

    @Override
    public String describe() {
        return kernel.describe();
    }

    int mr() {
        return mr;
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
        return mc * KC + mr * nr;
    }

    @Override
    public void multiply(WorkerPool pool, int M, int N, int K, float[] a, int aOff, boolean aTransposed,
                         float[] b, int bOff, boolean bTransposed, float[] c, int cOff,
                         boolean accumulate, float[] startRow, int startRowOff) {
        int size = packedBSize(N, K);
        if (packedB.length < size) {
            packedB = new float[size];
        }
        if (scratch.length < pool.threads()) {
            scratch = new float[pool.threads()][scratchSize()];
        }
        Job j = job;
        j.M = M;
        j.N = N;
        j.K = K;
        j.a = a;
        j.aOff = aOff;
        j.aRow = aTransposed ? 1 : K;
        j.aCol = aTransposed ? M : 1;
        j.b = b;
        j.bOff = bOff;
        j.bRow = bTransposed ? 1 : N;
        j.bCol = bTransposed ? K : 1;
        j.c = c;
        j.cOff = cOff;
        j.accumulate = accumulate;
        j.startRow = startRow;
        j.startRowOff = startRowOff;
        try {
            boolean serial = GemmProvider.serial(M, N, K);
            j.packing = true;
            if (serial || (long) N * K < 32_768) {
                j.run(0, 1); // too small to pay for a dispatch
            } else {
                pool.run(j);
            }
            j.packing = false;
            if (serial) {
                j.run(0, 1);
            } else {
                pool.run(j);
            }
        } finally {
            j.a = j.b = j.c = j.startRow = null;
        }
    }

    /**
     * First B's panels are packed (split by panel), then C is computed (split by rows, in multiples of
     * the micro-kernel's height); C's rows start at the start row (or 0) unless accumulating.
     */
    private final class Job implements WorkerPool.Job {
        int M, N, K, aOff, aRow, aCol, bOff, bRow, bCol, cOff, startRowOff;
        float[] a, b, c, startRow;
        boolean accumulate, packing;

        @Override
        public void run(int part, int parts) {
            if (packing) {
                int panels = panels(N);
                packB(packedB, (int) ((long) panels * part / parts), (int) ((long) panels * (part + 1) / parts),
                        N, K, b, bOff, bRow, bCol);
                return;
            }
            int from = rowBoundary(part, parts);
            int to = rowBoundary(part + 1, parts);
            if (from >= to) {
                return;
            }
            if (!accumulate) {
                start(c, cOff, N, from, to, 0, N, startRow, startRowOff);
            }
            multiplyAdd(from, to, N, K, a, aOff, aRow, aCol, packedB, c, cOff, N, scratch[part]);
        }

        private int rowBoundary(int part, int parts) {
            if (part == parts) {
                return M;
            }
            int tiles = (M + mr - 1) / mr;
            return Math.min(M, (int) ((long) tiles * part / parts) * mr);
        }
    }

    /**
     * Sets rows [rowFrom, rowTo) × columns [colFrom, colTo) of C (row stride ldc) to where a product
     * starts: startRow's columns repeated in every row, or 0 when startRow is null.
     */
    static void start(float[] c, int cOff, int ldc, int rowFrom, int rowTo, int colFrom, int colTo,
                      float[] startRow, int startRowOff) {
        for (int i = rowFrom; i < rowTo; i++) {
            int ci = cOff + i * ldc;
            if (startRow == null) {
                Arrays.fill(c, ci + colFrom, ci + colTo, 0f);
            } else {
                System.arraycopy(startRow, startRowOff + colFrom, c, ci + colFrom, colTo - colFrom);
            }
        }
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
                if (bCol == 1) {
                    for (int k = k0; k < k0 + kc; k++, p += nr) {
                        System.arraycopy(b, bOff + k * bRow + j0, packed, p, cols);
                        Arrays.fill(packed, p + cols, p + nr, 0f);
                    }
                } else {
                    // B stored transposed: read each of its rows (a column of B) along memory
                    for (int j = 0; j < nr; j++) {
                        int q0 = p + j;
                        if (j < cols) {
                            int src = bOff + k0 * bRow + (j0 + j) * bCol;
                            for (int k = 0; k < kc; k++) {
                                packed[q0 + k * nr] = b[src + k * bRow];
                            }
                        } else {
                            for (int k = 0; k < kc; k++) {
                                packed[q0 + k * nr] = 0f;
                            }
                        }
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
        int tile = mc * KC;
        for (int k0 = 0; k0 < K; k0 += KC) {
            int kc = Math.min(KC, K - k0);
            for (int i0 = rowFrom; i0 < rowTo; i0 += mc) {
                int rowsOfBlock = Math.min(mc, rowTo - i0);
                packA(scratch, i0, rowsOfBlock, k0, kc, a, aOff, aRow, aCol);
                for (int q = 0; q * nr < N; q++) {
                    int bp = k0 * np + q * kc * nr;
                    int j0 = q * nr;
                    int cols = Math.min(nr, N - j0);
                    for (int r = 0; r * mr < rowsOfBlock; r++) {
                        int rows = Math.min(mr, rowsOfBlock - r * mr);
                        int ci = cOff + (i0 + r * mr) * ldc + j0;
                        if (rows == mr && cols == nr) {
                            kernel.tile(kc, scratch, r * kc * mr, packedB, bp, c, ci, ldc);
                        } else {
                            edgeTile(kc, scratch, r * kc * mr, packedB, bp, c, ci, ldc, rows, cols, scratch, tile);
                        }
                    }
                }
            }
        }
    }

    /** Rows [i0, i0+rowsOfBlock) × columns [k0, k0+kc) of A into micro-panels of mr rows, (k, row) order, 0-padded. */
    private void packA(float[] packed, int i0, int rowsOfBlock, int k0, int kc, float[] a, int aOff, int aRow, int aCol) {
        for (int r = 0; r * mr < rowsOfBlock; r++) {
            int rows = Math.min(mr, rowsOfBlock - r * mr);
            int p = r * kc * mr;
            int src = aOff + (i0 + r * mr) * aRow + k0 * aCol;
            if (aRow == 1 && rows == mr) {
                // A stored transposed: the mr rows of one k sit side by side
                for (int k = 0; k < kc; k++) {
                    System.arraycopy(a, src + k * aCol, packed, p + k * mr, mr);
                }
                continue;
            }
            // read each row of A along memory, write it with stride mr
            for (int ii = 0; ii < mr; ii++) {
                int q0 = p + ii;
                if (ii < rows) {
                    int s = src + ii * aRow;
                    for (int k = 0; k < kc; k++) {
                        packed[q0 + k * mr] = a[s + k * aCol];
                    }
                } else {
                    for (int k = 0; k < kc; k++) {
                        packed[q0 + k * mr] = 0f;
                    }
                }
            }
        }
    }

    /** A tile cut by the edge of C: the same kernel on a zero-padded copy, then the valid part copied back. */
    private void edgeTile(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc,
                          int rows, int cols, float[] t, int tOff) {
        for (int ii = 0; ii < mr; ii++) {
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
        static final int MR = 4;
        static final int NR = 16;

        @Override
        public int mr() {
            return MR;
        }

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
            return "scalar Java, " + MR + "×" + NR + " tiles";
        }
    }
}
