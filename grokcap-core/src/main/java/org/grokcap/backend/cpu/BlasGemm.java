package org.grokcap.backend.cpu;

/**
 * Matmuls on the platform's BLAS ({@link NativeBlas}): C is cut into blocks of whole rows (or, when C
 * is wider than tall, of whole columns) whose bounds depend only on the shape, and the worker threads
 * take equal runs of blocks, each block one {@code cblas_sgemm} call on the calling thread.
 *
 * <p>Why not hand the whole product to the BLAS's own threads: its kernels order an element's sum
 * by where the element falls in the library's tiling, and the library tiles by thread count (measured:
 * one call each on 1, 2 and 3 OpenBLAS 0.3.21 threads gave different bits for 193 of 200 random shapes
 * with its Haswell kernels, 61 of 200 with its Cooperlake kernels). Blocks fixed by the shape give the
 * same calls, hence the same bits, for any number of threads. The price is that each block packs its own copy of the shared
 * operand, which is why blocks are at least {@link #MIN_BLOCK} rows.
 */
final class BlasGemm implements GemmProvider {
    /** Fewest rows (or columns) in a block: below this, re-packing the shared operand costs more than it saves. */
    static final int MIN_BLOCK = 192;
    /**
     * The block counts a product may have: each divides the next, and 12, 24 and 48 divide evenly among
     * 1, 2, 3, 4, 6 and 12 threads (48 among 8 and 16 too), so the threads' shares differ by at most a
     * block's rounding to 16 rows.
     */
    private static final int[] BLOCK_COUNTS = {1, 2, 6, 12, 24, 48};

    /** Products of at least this much work that cannot be cut into blocks go to {@link #narrow}. */
    static final long NARROW_FLOPS = 2 * GemmProvider.SERIAL_FLOPS;

    private final NativeBlas blas;
    /**
     * For products too narrow to cut into blocks of MIN_BLOCK rows or columns but big enough for several
     * threads (a weight gradient of 128 × 2,822 → 128, say): grokcap's own GEMM, which splits rows of
     * any count and packs the shared operand once for all threads. Null without the Vector API.
     */
    private final Gemm narrow;
    private final Job job = new Job();
    private SegmentCache[] segments = new SegmentCache[0]; // one per part

    BlasGemm(NativeBlas blas) {
        this.blas = blas;
        this.narrow = CpuDevice.vectorApiPresent() ? new Gemm(VectorKernels.gemmKernel()) : null;
    }

    @Override
    public String name() {
        return "blas";
    }

    @Override
    public String describe() {
        return blas.name() + " through FFM" + (narrow == null ? "" : " (narrow products: " + narrow.describe() + ")");
    }

    /**
     * How many blocks a dimension of size d is cut into, when each of its rows (or columns) costs
     * flopsPerRow: the most that keeps every block at least MIN_BLOCK rows and
     * {@link GemmProvider#SERIAL_FLOPS} of work (a BLAS call has a fixed cost of its own: twelve calls
     * on a 3200 × 48 → 48 product took longer than one). Fixed by the shape alone.
     */
    static int blocks(int d, long flopsPerRow) {
        int best = 1;
        for (int b : BLOCK_COUNTS) {
            if (d / b >= MIN_BLOCK && (long) (d / b) * flopsPerRow >= GemmProvider.SERIAL_FLOPS) {
                best = b;
            }
        }
        return best;
    }

    /** Start of block q of a dimension of size d cut into n blocks: an even share, rounded down to 16. */
    static int blockStart(int q, int n, int d) {
        return q == n ? d : (int) ((long) d * q / n) & ~15;
    }

    @Override
    public void multiply(WorkerPool pool, int M, int N, int K, float[] a, int aOff, boolean aTransposed,
                         float[] b, int bOff, boolean bTransposed, float[] c, int cOff,
                         boolean accumulate, float[] startRow, int startRowOff) {
        // split the long side of C; a short side below one block is not split at all
        boolean byRows = M >= N;
        int blocks = blocks(byRows ? M : N, 2L * K * (byRows ? N : M));
        if (blocks == 1 && narrow != null && 2L * M * N * K >= NARROW_FLOPS) {
            narrow.multiply(pool, M, N, K, a, aOff, aTransposed, b, bOff, bTransposed, c, cOff, accumulate,
                    startRow, startRowOff);
            return;
        }
        Job j = job;
        j.byRows = byRows;
        j.blocks = blocks;
        j.M = M;
        j.N = N;
        j.K = K;
        j.a = a;
        j.aOff = aOff;
        j.aT = aTransposed;
        j.b = b;
        j.bOff = bOff;
        j.bT = bTransposed;
        j.c = c;
        j.cOff = cOff;
        j.accumulate = accumulate;
        j.startRow = startRow;
        j.startRowOff = startRowOff;
        int parts = pool == null ? 1 : pool.threads();
        if (segments.length < parts) {
            SegmentCache[] grown = java.util.Arrays.copyOf(segments, parts);
            for (int p = segments.length; p < parts; p++) {
                grown[p] = new SegmentCache();
            }
            segments = grown; // on the calling thread, before the parts run
        }
        try {
            if (blocks == 1 || GemmProvider.serial(M, N, K)) {
                j.run(0, 1);
            } else {
                pool.run(j);
            }
        } finally {
            j.a = j.b = j.c = j.startRow = null;
        }
    }

    /** Blocks [p·blocks/parts, (p+1)·blocks/parts) go to part p. */
    private final class Job implements WorkerPool.Job {
        int M, N, K, aOff, bOff, cOff, startRowOff, blocks;
        float[] a, b, c, startRow;
        boolean aT, bT, accumulate, byRows;

        @Override
        public void run(int part, int parts) {
            int first = (int) ((long) blocks * part / parts);
            int last = (int) ((long) blocks * (part + 1) / parts);
            int d = byRows ? M : N;
            SegmentCache s = segments[part];
            for (int q = first; q < last; q++) {
                int from = blockStart(q, blocks, d);
                int to = blockStart(q + 1, blocks, d);
                if (from >= to) {
                    continue;
                }
                if (byRows) {
                    rows(from, to, s);
                } else {
                    columns(from, to, s);
                }
            }
        }

        /** C[from:to, :] = start + A[from:to, :] · B. */
        private void rows(int from, int to, SegmentCache s) {
            start(from, to, 0, N);
            int aAt = aOff + (aT ? from : from * K);
            blas.sgemm(aT, bT, to - from, N, K, 1f, s.slice(a, aAt), aT ? M : K, s.slice(b, bOff), bT ? K : N,
                    1f, s.slice(c, cOff + from * N), N);
        }

        /** C[:, from:to] = start + A · B[:, from:to]. */
        private void columns(int from, int to, SegmentCache s) {
            start(0, M, from, to);
            int bAt = bOff + (bT ? from * K : from);
            blas.sgemm(aT, bT, M, to - from, K, 1f, s.slice(a, aOff), aT ? M : K, s.slice(b, bAt), bT ? K : N,
                    1f, s.slice(c, cOff + from), N);
        }

        /** Sets C's block to its start (the start row, or 0) unless accumulating. */
        private void start(int rowFrom, int rowTo, int colFrom, int colTo) {
            if (!accumulate) {
                Gemm.start(c, cOff, N, rowFrom, rowTo, colFrom, colTo, startRow, startRowOff);
            }
        }
    }

    /**
     * The platform's sgemm as its authors meant it to run: one call on the whole product, on the
     * library's own threads. Not deterministic across thread counts; for benchmarks only.
     */
    static final class Whole implements GemmProvider {
        private final NativeBlas blas;
        private final int threads;

        Whole(NativeBlas blas, int threads) {
            this.blas = blas;
            this.threads = threads;
        }

        @Override
        public String name() {
            return "platform";
        }

        @Override
        public String describe() {
            return blas.name() + ", one call on its own " + threads + " thread" + (threads == 1 ? "" : "s");
        }

        @Override
        public void multiply(WorkerPool pool, int M, int N, int K, float[] a, int aOff, boolean aTransposed,
                             float[] b, int bOff, boolean bTransposed, float[] c, int cOff,
                             boolean accumulate, float[] startRow, int startRowOff) {
            if (!accumulate) {
                throw new IllegalArgumentException("the whole-call reference only accumulates");
            }
            blas.setThreads(threads);
            try {
                blas.sgemm(aTransposed, bTransposed, M, N, K, 1f, a, aOff, aTransposed ? M : K, b, bOff,
                        bTransposed ? K : N, 1f, c, cOff, N);
            } finally {
                blas.setThreads(1);
            }
        }
    }
}
