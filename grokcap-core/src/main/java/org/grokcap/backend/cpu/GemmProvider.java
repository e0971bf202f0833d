package org.grokcap.backend.cpu;

/**
 * One way to compute a matmul on the CPU: grokcap's own blocked Vector API GEMM ({@link Gemm}, always
 * there) or the platform's BLAS through the FFM API ({@link BlasGemm}, where one is installed).
 * {@link GemmProviders} chooses.
 *
 * <p>Both give, for one machine, the same bits whatever the number of threads: every element of C is
 * computed by one thread, in an order that depends only on the shape (M, N, K).
 */
public interface GemmProvider {

    /**
     * Products of fewer FLOPs than this run on the calling thread: waking another thread costs about
     * what ~4 MFLOP of work does on one core.
     */
    long SERIAL_FLOPS = 4_000_000L;

    /** Whether a product is small enough to run on the calling thread alone. */
    static boolean serial(int M, int N, int K) {
        return 2L * M * N * K < SERIAL_FLOPS;
    }

    /** "vector", "scalar" or "blas": what {@code -Dgrokcap.gemm} and {@code GROKCAP_GEMM} accept. */
    String name();

    /** What runs, for {@code info}, {@code run.json} and benchmarks (e.g. "Vector API 512-bit, 8×32 tiles"). */
    String describe();

    /**
     * C (M,N) = start + A (M,K) · B (K,N), on every thread of the pool. All matrices are dense; A is
     * stored row-major (row stride K) or, when {@code aTransposed}, as its (K,M) transpose (row stride M);
     * likewise B (row stride N, or (N,K) with row stride K). C is row-major with row stride N.
     *
     * @param accumulate true: start is C itself (C += A·B); false: start is {@code startRow} (N floats,
     *                   e.g. a bias) repeated in every row, or 0 when startRow is null
     */
    void multiply(WorkerPool pool, int M, int N, int K, float[] a, int aOff, boolean aTransposed,
                  float[] b, int bOff, boolean bTransposed, float[] c, int cOff,
                  boolean accumulate, float[] startRow, int startRowOff);
}
