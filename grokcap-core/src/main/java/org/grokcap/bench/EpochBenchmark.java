package org.grokcap.bench;

import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.train.Trainer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
        double median = median(ms);
        double peak = matmulPeak(device);
        return new Result(name, device.describe(), threads, epochs, median, Arrays.stream(ms).min().orElse(0),
                Arrays.stream(ms).max().orElse(0), gflopPerEpoch, gflopPerEpoch / (median / 1e3), peak);
    }

    /**
     * The device's best rate on a linear layer of 2048 rows × 512 → 512 (a shape its matmul is tuned
     * for), in GFLOP/s.
     */
    public static double matmulPeak(Device device) {
        int n = 2048;
        int c = 512;
        int oc = 512;
        Buf inp = device.floats("peak.inp", n * c);
        Buf w = device.floats("peak.w", oc * c);
        Buf out = device.floats("peak.out", n * oc);
        Random r = new Random(1);
        for (int i = 0; i < inp.size(); i++) {
            inp.host()[i] = r.nextFloat();
        }
        for (int i = 0; i < w.size(); i++) {
            w.host()[i] = r.nextFloat();
        }
        device.toDevice(inp);
        device.toDevice(w);
        double best = Double.MAX_VALUE;
        long start = System.nanoTime();
        // Up to 20 repetitions, the first 2 for warm-up (the epochs before have warmed the JIT), and
        // no more than ~3 s beyond the fourth (the scalar device takes half a second per repetition).
        for (int rep = 0; rep < 20 && (rep < 4 || System.nanoTime() - start < 3_000_000_000L); rep++) {
            long t0 = System.nanoTime();
            device.linearForward(out, inp, w, null, n, c, oc);
            device.toHost(out);
            long t = System.nanoTime() - t0;
            if (rep >= 2) {
                best = Math.min(best, t);
            }
        }
        return 2.0 * n * c * oc / best;
    }

    /**
     * The platform sgemm's best rate on the same 2048 × 512 → 512 product, called the way its authors
     * meant (one call, the library's own {@code threads} threads), in GFLOP/s; empty without a
     * platform BLAS. The yardstick "fraction of the sgemm peak" divides by.
     */
    public static java.util.OptionalDouble platformSgemmPeak(int threads) {
        java.util.Optional<org.grokcap.backend.cpu.GemmProvider> sgemm =
                org.grokcap.backend.cpu.GemmProviders.platformReference(threads);
        if (sgemm.isEmpty()) {
            return java.util.OptionalDouble.empty();
        }
        int n = 2048;
        int c = 512;
        int oc = 512;
        Random r = new Random(1);
        float[] inp = new float[n * c];
        float[] w = new float[oc * c];
        float[] out = new float[n * oc];
        for (int i = 0; i < inp.length; i++) {
            inp[i] = r.nextFloat();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextFloat();
        }
        double best = Double.MAX_VALUE;
        long start = System.nanoTime();
        for (int rep = 0; rep < 20 && (rep < 4 || System.nanoTime() - start < 3_000_000_000L); rep++) {
            long t0 = System.nanoTime();
            sgemm.get().multiply(null, n, oc, c, inp, 0, false, w, 0, true, out, 0, true, null, 0);
            long t = System.nanoTime() - t0;
            if (rep >= 2) {
                best = Math.min(best, t);
            }
        }
        return java.util.OptionalDouble.of(2.0 * n * c * oc / best);
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
    }

    /** Names the benchmarks that exist, for usage messages. */
    public static List<String> names() {
        return new ArrayList<>(List.of("modular-addition"));
    }
}
