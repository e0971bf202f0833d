package org.grokcap.bench;

import org.grokcap.backend.cpu.CpuDevice;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepBenchmarkTest {

    @Test
    void gpt2SmallCpuCountsItsMatmulWork() {
        StepBenchmark.Result r;
        try (CpuDevice dev = new CpuDevice(2)) {
            r = StepBenchmark.gpt2SmallCpu(dev, 2, 0, 1);
        }
        int C = 256, M = 1024, V = 1024, tokens = 64 * 32, layers = 4;
        // every position has a target: per token and layer q|k|v, projection and the two MLP layers,
        // then the unembedding; backward does twice the forward's work
        double forward = (double) tokens * (layers * 2.0 * (3 * C * C + C * C + 2 * C * M) + 2.0 * C * V);
        assertEquals(3 * forward / 1e9, r.gflopPerStep(), 1e-9);
        assertEquals(64 * 32 / (r.msPerStep() / 1e3), r.tokensPerS(), 1e-6 * r.tokensPerS());
        assertTrue(r.gflops() > 0 && r.peakGflops() > 0);
    }
}
