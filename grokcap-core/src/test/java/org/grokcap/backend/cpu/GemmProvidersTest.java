package org.grokcap.backend.cpu;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.grokcap.util.BadInputException;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every GEMM provider against a float64 product on fresh random shapes, big enough that the blocks
 * really split across threads: within rounding, and the same bits on 1, 2 and 3 threads.
 */
class GemmProvidersTest {
    // shared by the jqwik properties; daemons, they end with the JVM
    private static final WorkerPool[] POOLS = {new WorkerPool(1), new WorkerPool(2), new WorkerPool(3)};

    @Property(tries = 40)
    void blasMatchesFloat64AndIgnoresTheThreadCount(@ForAll @IntRange(min = 1, max = 900) int M,
                                                   @ForAll @IntRange(min = 1, max = 700) int N,
                                                   @ForAll @IntRange(min = 1, max = 300) int K,
                                                   @ForAll boolean aTransposed, @ForAll boolean bTransposed,
                                                   @ForAll @IntRange(min = 0, max = 2) int start, @ForAll long seed) {
        if (!GemmProviders.blasAvailable()) {
            return; // checked by blasIsFoundWhereInstalled's message; the vector property below still runs
        }
        check(GemmProviders.choose("blas"), M, N, K, aTransposed, bTransposed, start, seed);
    }

    @Property(tries = 25)
    void vectorMatchesFloat64AndIgnoresTheThreadCount(@ForAll @IntRange(min = 1, max = 600) int M,
                                                     @ForAll @IntRange(min = 1, max = 300) int N,
                                                     @ForAll @IntRange(min = 1, max = 300) int K,
                                                     @ForAll boolean aTransposed, @ForAll boolean bTransposed,
                                                     @ForAll @IntRange(min = 0, max = 2) int start, @ForAll long seed) {
        check(GemmProviders.choose("vector"), M, N, K, aTransposed, bTransposed, start, seed);
    }

    /** start: 0 accumulate into C, 1 start from 0, 2 start from a bias row. */
    private static void check(GemmProvider g, int M, int N, int K, boolean aT, boolean bT, int start, long seed) {
        Random r = new Random(seed);
        float[] a = random(M * K + 2, r);
        float[] b = random(K * N + 1, r);
        float[] c0 = random(M * N + 3, r);
        float[] bias = random(N + 1, r);
        double[] expected = new double[M * N];
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                double sum = start == 0 ? c0[3 + i * N + j] : start == 2 ? bias[1 + j] : 0;
                for (int k = 0; k < K; k++) {
                    float x = a[2 + (aT ? k * M + i : i * K + k)];
                    float y = b[1 + (bT ? j * K + k : k * N + j)];
                    sum += (double) x * y;
                }
                expected[i * N + j] = sum;
            }
        }
        float[] first = null;
        for (WorkerPool pool : POOLS) {
            float[] c = c0.clone();
            g.multiply(pool, M, N, K, a, 2, aT, b, 1, bT, c, 3, start == 0, start == 2 ? bias : null, 1);
            for (int i = 0; i < M * N; i++) {
                double e = expected[i];
                assertTrue(Math.abs(c[3 + i] - e) <= 3e-6 * Math.sqrt(K) * (1 + Math.abs(e)) + 1e-5 * Math.sqrt(K),
                        g.name() + " C[" + i + "] = " + c[3 + i] + ", float64 " + e);
            }
            assertEquals(c0[0], c[0], "nothing written before C");
            if (first == null) {
                first = c;
            } else {
                assertArrayEquals(first, c, g.name() + ": bit-identical on " + pool.threads() + " threads");
            }
        }
    }

    private static float[] random(int n, Random r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    @Test
    void blasIsFoundWhereInstalledOrSaysWhy() {
        String blas = GemmProviders.available().get("blas");
        assertTrue(GemmProviders.blasAvailable() ? blas.contains("through FFM") : blas.contains("apt-get install"), blas);
    }

    @Test
    void anUnknownMatmulIsBadInput() {
        BadInputException e = assertThrows(BadInputException.class, () -> GemmProviders.choose("fastest"));
        assertTrue(e.getMessage().contains("have auto, blas, vector, scalar"), e.getMessage());
    }
}
