package org.grokcap.bench;

import org.grokcap.backend.ReferenceDevice;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpochBenchmarkTest {

    @Test
    void countsTheMatmulWorkOfAnEpoch() {
        ExperimentSpec spec = ConfigLoader.parse("""
                {"task":{"type":"modular","p":5,"trainFraction":0.6},
                 "model":{"dModel":8,"heads":2,"dMlp":16}}""", false, "t");
        EpochBenchmark.Result r = EpochBenchmark.run("t", spec, new ReferenceDevice(), 1, 1, 3);
        int C = 8, M = 16, V = 6, T = 3, vOut = 5;
        // one target per sequence; the first layer's q|k|v runs on the V·T vocabulary table
        java.util.function.IntToLongFunction forward = b ->
                2L * V * T * C * 3 * C + 2L * b * (C * C + C * M + M * C + C * vOut);
        long train = 3 * forward.applyAsLong(15); // forward, plus backward's two matmuls per layer
        long test = forward.applyAsLong(10);
        assertEquals((train + test) / 1e9, r.gflopPerEpoch(), 1e-12);
        assertEquals(3, r.epochs());
        assertTrue(r.msPerEpoch() > 0 && r.msMin() <= r.msPerEpoch() && r.msPerEpoch() <= r.msMax());
        assertTrue(r.peakGflops() > 0);
    }

}
