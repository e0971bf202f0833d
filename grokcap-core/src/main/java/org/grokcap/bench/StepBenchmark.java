package org.grokcap.bench;

import org.grokcap.backend.Device;
import org.grokcap.kernels.Activation;
import org.grokcap.model.Init;
import org.grokcap.model.InitScheme;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.Transformer;
import org.grokcap.train.AdamWOptimizer;
import org.grokcap.config.OptimizerConfig;
import org.grokcap.util.Rngs;

import org.grokcap.util.Stats;

import java.util.List;
import java.util.Random;

/**
 * Times training steps of a GPT-2-style language model on random token batches (next-token targets at
 * every position): the shape of the reasoning experiments, where every position has a target.
 */
public final class StepBenchmark {

    /**
     * @param msPerStep  median over the timed steps
     * @param tokensPerS batch tokens / median step time
     */
    public record Result(String name, String device, int threads, int steps, double msPerStep, double tokensPerS,
                         double gflopPerStep, double gflops, double peakGflops) {
        public double fractionOfPeak() {
            return gflops / peakGflops;
        }
    }

    /** gpt2-small-cpu: 4 layers, d_model 256, 4 heads, d_mlp 1024, vocabulary 1024, 64 × 32-token batches. */
    public static final String GPT2_SMALL_CPU = "gpt2-small-cpu";

    private StepBenchmark() {}

    public static List<String> names() {
        return List.of(GPT2_SMALL_CPU);
    }

    public static Result gpt2SmallCpu(Device device, int threads, int warmup, int steps) {
        Timed t = gpt2SmallCpuSteps(device, warmup, steps);
        double median = Stats.median(t.ms());
        double gflopPerStep = t.flops() / 1e9 / steps;
        double peak = EpochBenchmark.matmulPeak(device);
        return new Result(GPT2_SMALL_CPU, device.describe(), threads, steps, median, t.tokens() / (median / 1e3),
                gflopPerStep, gflopPerStep / (median / 1e3), peak);
    }

    /** Step times (ms) after the warm-up, the matmul FLOPs of the timed steps, and the tokens of one batch. */
    record Timed(double[] ms, long flops, int tokens) {}

    /** One training step of gpt2-small-cpu on device (e.g. to record its shapes). */
    public static void gpt2SmallCpuOneStep(Device device) {
        gpt2SmallCpuSteps(device, 0, 1);
    }

    /** Runs warmup + steps training steps of gpt2-small-cpu on device. */
    static Timed gpt2SmallCpuSteps(Device device, int warmup, int steps) {
        int V = 1024;
        int T = 32;
        int B = 64;
        ModelConfig cfg = new ModelConfig(V, V, T, 4, 256, 4, 1024, Activation.GELU, true, true, true, true, null,
                InitScheme.GPT2);
        Transformer model = new Transformer(device, cfg, B);
        Init.initialize(model.params().host(), model.layout(), cfg, Rngs.stream(0, "init"));
        device.toDevice(model.params());
        AdamWOptimizer opt = new AdamWOptimizer(device, new OptimizerConfig(1e-4, 0.9, 0.999, 1e-8, 0.1,
                List.of("*.bias", "*ln*"), 0, 1.0, null, null, null, null, null), model.layout(), model.params(), model.grads());
        Random r = new Random(0);
        int[] tokens = new int[B * T];
        int[] targets = new int[B * T];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(V);
        }
        for (int i = 0; i < tokens.length; i++) {
            targets[i] = (i + 1) % T == 0 ? r.nextInt(V) : tokens[i + 1];
        }
        double[] ms = new double[steps];
        long flopsBefore = 0;
        for (int s = 0; s < warmup + steps; s++) {
            if (s == warmup) {
                flopsBefore = model.matmulFlops();
            }
            long t0 = System.nanoTime();
            model.setBatch(tokens, targets, 0, B);
            model.forward();
            model.backward();
            opt.step();
            if (s >= warmup) {
                ms[s - warmup] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return new Timed(ms, model.matmulFlops() - flopsBefore, B * T);
    }
}
