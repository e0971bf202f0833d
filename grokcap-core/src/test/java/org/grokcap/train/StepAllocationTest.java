package org.grokcap.train;

import org.grokcap.config.OptimizerConfig;

import org.grokcap.backend.Device;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.backend.cpu.GemmProviders;
import org.grokcap.kernels.Activation;
import org.grokcap.model.InitScheme;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.Transformer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A training step (forward, backward, AdamW update) allocates nothing once the model is built. */
class StepAllocationTest {

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static long bytesPerSteps(Device dev, boolean layerNorm) {
        ModelConfig cfg = new ModelConfig(9, 7, 4, 2, 16, 2, 32, Activation.GELU, layerNorm, true, true, true, null,
                InitScheme.GPT2);
        int B = 12; // more sequences than tokens: the vocabulary table is used too
        Transformer m = new Transformer(dev, cfg, B);
        Random r = new Random(1);
        for (int i = 0; i < m.params().size(); i++) {
            m.params().host()[i] = (float) (0.1 * r.nextGaussian());
        }
        int[] tokens = new int[B * 4];
        int[] targets = new int[B * 4];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(9);
            targets[i] = i % 4 == 3 ? r.nextInt(7) : -1;
        }
        AdamWOptimizer opt = new AdamWOptimizer(dev, new OptimizerConfig(1e-3, null, null, null, 0.1,
                java.util.List.of("*.bias"), 2, 1.0, null, null, null, null, null), m.layout(), m.params(), m.grads());
        // Warm-up: scratch buffers grow once, and the JIT compiles the kernels. Until C2 has compiled a
        // Vector API kernel it boxes its vectors, which is the compiler's cost, not the step's; C2
        // compiles in the background, so keep stepping until a window of 20 steps is measured clean
        // (or the rounds run out, and the last window's count fails the test).
        long bytes = -1;
        for (int round = 0; round < 20 && bytes != 0; round++) {
            for (int i = 0; i < 500; i++) {
                step(m, opt, tokens, targets, B);
            }
            allocatedBytes(); // the first reading allocates inside the management bean itself
            long baseline = allocatedBytes() - allocatedBytes();
            long before = allocatedBytes();
            for (int i = 0; i < 20; i++) {
                step(m, opt, tokens, targets, B);
            }
            bytes = allocatedBytes() - before + baseline;
        }
        return bytes;
    }

    private static void step(Transformer m, AdamWOptimizer opt, int[] tokens, int[] targets, int B) {
        m.setBatch(tokens, targets, 0, B);
        m.forward();
        m.backward();
        opt.step();
    }

    @Test
    void referenceStepAllocatesNothing() {
        assertEquals(0, bytesPerSteps(new ReferenceDevice(), true));
    }

    @Test
    void cpuStepAllocatesNothing() {
        try (CpuDevice dev = new CpuDevice(2, GemmProviders.choose("vector"))) {
            assertEquals(0, bytesPerSteps(dev, false), "with the Vector API GEMM");
        }
        if (GemmProviders.blasAvailable()) {
            try (CpuDevice dev = new CpuDevice(2, GemmProviders.choose("blas"))) {
                assertEquals(0, bytesPerSteps(dev, false), "with the platform BLAS");
            }
        }
    }
}
