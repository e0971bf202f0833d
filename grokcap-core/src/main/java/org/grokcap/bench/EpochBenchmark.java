package org.grokcap.bench;

import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.backend.cpu.GemmProvider;
import org.grokcap.backend.cpu.GemmProviders;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.train.Trainer;

import org.grokcap.util.Stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;

/**
 * Times full-batch epochs (one training step on the whole training split, one evaluation of every
 * split, one update) after a warm-up, and the device's matmul peak on the same threads, so that
 * every timing comes with the GFLOP/s it achieved and the fraction of peak.
 */
public final class EpochBenchmark {

    /**
     * @param msPerEpoch       median over the timed epochs
     * @param gflopPerEpoch    linear-layer work actually done per epoch (2 FLOPs per multiply-add)
     * @param gflops           gflopPerEpoch / median time
     * @param peakGflops       best matmul rate of the same device, see {@link #matmulPeak}
     */
    public record Result(String name, String device, int threads, int epochs, double msPerEpoch, double msMin,
                         double msMax, double gflopPerEpoch, double gflops, double peakGflops) {
        public double fractionOfPeak() {
            return gflops / peakGflops;
        }
    }

    private EpochBenchmark() {}

    public static Result run(String name, ExperimentSpec spec, Device device, int threads, int warmup, int epochs) {
        ExperimentSpec timed = spec.withTrain(spec.train().withSteps(warmup + epochs).withEvalEvery(1));
        TokenizedDataset data = timed.task().generate(timed.train().seed());
        ExperimentSpec resolved = timed.withModel(timed.model().withData(data.vocabSize(), data.outputVocabSize(),
                data.contextLength()));
        Trainer trainer = new Trainer(resolved, data, device);
        long[] times = new long[warmup + epochs + 1];
        long[] flops = new long[warmup + epochs + 1];
        int[] seen = {0};
        times[0] = System.nanoTime();
        trainer.run((row, total) -> {
            seen[0]++;
            times[seen[0]] = System.nanoTime();
            flops[seen[0]] = trainer.model().matmulFlops();
        });
        double[] ms = new double[epochs];
        for (int i = 0; i < epochs; i++) {
            int k = warmup + i + 1;
            ms[i] = (times[k] - times[k - 1]) / 1e6;
        }
        double gflopPerEpoch = (flops[warmup + epochs] - flops[warmup]) / 1e9 / epochs;
        double median = Stats.median(ms);
        double peak = matmulPeak(device);
        return new Result(name, device.describe(), threads, epochs, median, Arrays.stream(ms).min().orElse(0),
                Arrays.stream(ms).max().orElse(0), gflopPerEpoch, gflopPerEpoch / (median / 1e3), peak);
    }

    /**
     * The device's best rate on a linear layer of 2048 rows × 512 → 512 (a shape its matmul is tuned
     * for), in GFLOP/s.
     */
    public static double matmulPeak(Device device) {
        Buf inp = device.floats("peak.inp", PEAK_N * PEAK_C);
        Buf w = device.floats("peak.w", PEAK_OC * PEAK_C);
        Buf out = device.floats("peak.out", PEAK_N * PEAK_OC);
        fillRandom(inp.host(), w.host());
        device.toDevice(inp);
        device.toDevice(w);
        return peakRate(() -> {
            device.linearForward(out, inp, w, null, PEAK_N, PEAK_C, PEAK_OC);
            device.toHost(out);
        });
    }

    /**
     * The platform sgemm's best rate on the same 2048 × 512 → 512 product, called the way its authors
     * meant (one call, the library's own {@code threads} threads), in GFLOP/s; empty without a
     * platform BLAS. The yardstick "fraction of the sgemm peak" divides by.
     */
    public static OptionalDouble platformSgemmPeak(int threads) {
        Optional<GemmProvider> sgemm = GemmProviders.platformReference(threads);
        if (sgemm.isEmpty()) {
            return OptionalDouble.empty();
        }
        float[] inp = new float[PEAK_N * PEAK_C];
        float[] w = new float[PEAK_OC * PEAK_C];
        float[] out = new float[PEAK_N * PEAK_OC];
        fillRandom(inp, w);
        return OptionalDouble.of(peakRate(() -> sgemm.get().multiply(null, PEAK_N, PEAK_OC, PEAK_C, inp, 0, false,
                w, 0, true, out, 0, true, null, 0)));
    }

    /** The peak probe's product: a linear layer of 2048 rows × 512 → 512 (a shape matmuls are tuned for). */
    private static final int PEAK_N = 2048;
    private static final int PEAK_C = 512;
    private static final int PEAK_OC = 512;

    private static void fillRandom(float[]... arrays) {
        Random r = new Random(1);
        for (float[] a : arrays) {
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextFloat();
            }
        }
    }

    /**
     * GFLOP/s of the peak product from the best of up to 20 repetitions, the first 2 for warm-up (the
     * epochs before have warmed the JIT), and no more than ~3 s beyond the fourth (the scalar device
     * takes half a second per repetition).
     */
    private static double peakRate(Runnable product) {
        double best = Double.MAX_VALUE;
        long start = System.nanoTime();
        for (int rep = 0; rep < 20 && (rep < 4 || System.nanoTime() - start < 3_000_000_000L); rep++) {
            long t0 = System.nanoTime();
            product.run();
            long t = System.nanoTime() - t0;
            if (rep >= 2) {
                best = Math.min(best, t);
            }
        }
        return 2.0 * PEAK_N * PEAK_C * PEAK_OC / best;
    }

    /** Names the benchmarks that exist, for usage messages. */
    public static List<String> names() {
        return new ArrayList<>(List.of("modular-addition"));
    }
}
