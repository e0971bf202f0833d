package org.grokcap.bench;

import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.backend.cpu.GemmProvider;
import org.grokcap.backend.cpu.WorkerPool;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.train.Trainer;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Times the matmuls the models really make, on every GEMM the cpu backend can run, beside the
 * platform's sgemm called the way its authors meant it (one call per product on the library's own
 * threads). The shapes are recorded, not typed in: one training step and evaluation of each model runs
 * on a device that notes every linear layer's (rows, in, out), and each becomes three products: the
 * forward pass, the input gradient and the weight gradient.
 */
public final class MatmulBenchmark {

    /** One product C (M,N) += A (M,K) · B (K,N) of a model, and how A and B are stored. */
    public record Product(String model, String pass, int M, int N, int K, boolean aTransposed, boolean bTransposed) {
        public double gflop() {
            return 2.0 * M * N * K / 1e9;
        }

        /** e.g. "forward 2822×128→512". */
        public String label() {
            return pass + " " + M + "×" + K + "→" + N;
        }
    }

    /** GFLOP/s per product, one column per provider (same order as {@code providers}); 0 where not run. */
    public record Result(List<String> providers, List<String> descriptions, List<Product> products, double[][] gflops) {}

    private MatmulBenchmark() {}

    /** Forward and backward of every linear layer a model calls in one training step and evaluation. */
    public static List<Product> shapesOf(String model, Consumer<Device> step, CpuDevice device) {
        Set<Product> seen = new LinkedHashSet<>();
        Device recording = (Device) Proxy.newProxyInstance(Device.class.getClassLoader(), new Class<?>[]{Device.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("linearForward")) {
                        int n = (int) args[4], c = (int) args[5], oc = (int) args[6];
                        seen.add(new Product(model, "forward", n, oc, c, false, true));
                    } else if (method.getName().equals("linearBackward")) {
                        int n = (int) args[6], c = (int) args[7], oc = (int) args[8];
                        if (args[0] != null) {
                            seen.add(new Product(model, "input grad", n, c, oc, false, false));
                        }
                        seen.add(new Product(model, "weight grad", oc, c, n, true, false));
                    }
                    try {
                        return method.invoke(device, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        step.accept(recording);
        return new ArrayList<>(seen);
    }

    /** The products of one training step and evaluation of a config (a full-batch epoch, or one minibatch). */
    public static List<Product> shapesOf(String model, ExperimentSpec spec, CpuDevice device) {
        ExperimentSpec one = spec.withTrain(spec.train().withSteps(1).withEvalEvery(1));
        TokenizedDataset data = one.task().generate(one.train().seed());
        ExperimentSpec resolved = one.withModel(one.model().withData(data.vocabSize(), data.outputVocabSize(),
                data.contextLength()));
        return shapesOf(model, recording -> new Trainer(resolved, data, recording).run((row, total) -> {}), device);
    }

    /**
     * Best GFLOP/s of each provider on each product, on the threads of {@code pool}. Two rounds over all
     * products, each provider timed on every product before the next provider starts (so that a BLAS's
     * own threads, which spin for a while after a call, never steal the cores from another provider), at
     * least 3 repetitions and {@code msPerProduct} ms per product and provider each round.
     */
    public static Result run(List<Product> products, List<GemmProvider> providers, WorkerPool pool, double msPerProduct) {
        double[][] best = new double[products.size()][providers.size()];
        Random r = new Random(1);
        float[][][] data = new float[products.size()][][];
        for (int i = 0; i < products.size(); i++) {
            Product p = products.get(i);
            data[i] = new float[][]{random((long) p.M * p.K, r), random((long) p.K * p.N, r), new float[p.M * p.N]};
        }
        for (int round = 0; round < 2; round++) {
            for (int g = 0; g < providers.size(); g++) {
                GemmProvider provider = providers.get(g);
                for (int i = 0; i < products.size(); i++) {
                    Product p = products.get(i);
                    float[][] d = data[i];
                    long budget = (long) (msPerProduct * 1e6);
                    long start = System.nanoTime();
                    long fastest = Long.MAX_VALUE;
                    for (int rep = 0; rep < 3 || System.nanoTime() - start < budget; rep++) {
                        long t0 = System.nanoTime();
                        provider.multiply(pool, p.M, p.N, p.K, d[0], 0, p.aTransposed, d[1], 0, p.bTransposed,
                                d[2], 0, true, null, 0);
                        fastest = Math.min(fastest, System.nanoTime() - t0);
                        if (rep % 64 == 63) {
                            java.util.Arrays.fill(d[2], 0f); // keep C small: sums of many products stay finite
                        }
                    }
                    best[i][g] = Math.max(best[i][g], p.gflop() / (fastest / 1e9));
                }
            }
        }
        List<String> names = providers.stream().map(GemmProvider::name).toList();
        List<String> descriptions = providers.stream().map(GemmProvider::describe).toList();
        return new Result(names, descriptions, products, best);
    }

    /** GFLOP/s of one device on each product, through its linear layer (forward, weight and input gradients). */
    public record DeviceResult(String device, List<Product> products, double[] gflops) {}

    /**
     * Best GFLOP/s of a device's linear layer on each product, at least 3 timed calls and
     * {@code msPerProduct} ms each after one untimed call (a recording device compiles then). Every call
     * ends with a one-element {@link Device#toHost}, so a device that defers work runs it inside the
     * timing. The device API has no input gradient alone: it is timed as the weight and input gradients
     * together minus the weight gradient alone (the best of each).
     */
    public static DeviceResult runOnDevice(List<Product> products, Device device, double msPerProduct) {
        Random r = new Random(1);
        double[] best = new double[products.size()];
        for (int i = 0; i < products.size(); i++) {
            Product p = products.get(i);
            // the linear layer's sizes: rows, inputs C, outputs OC
            int rows = p.pass().equals("weight grad") ? p.K() : p.M();
            int c = p.pass().equals("forward") ? p.K() : p.N();
            int oc = p.pass().equals("forward") ? p.N() : p.pass().equals("weight grad") ? p.M() : p.K();
            Buf inp = randomBuf(device, "bench.inp", (long) rows * c, r);
            Buf w = randomBuf(device, "bench.w", (long) oc * c, r);
            Buf out = randomBuf(device, "bench.out", (long) rows * oc, r);
            Buf dinp = randomBuf(device, "bench.dinp", (long) rows * c, r);
            Buf dw = randomBuf(device, "bench.dw", (long) oc * c, r);
            Buf sync = out.slice("bench.sync", 0, 1);
            long nanos = switch (p.pass()) {
                case "forward" -> fastest(device, sync, msPerProduct,
                        () -> device.linearForward(out, inp, w, null, rows, c, oc));
                case "weight grad" -> fastest(device, sync, msPerProduct,
                        () -> device.linearBackward(null, dw, null, out, inp, w, rows, c, oc));
                default -> Math.max(1, fastest(device, sync, msPerProduct,
                        () -> device.linearBackward(dinp, dw, null, out, inp, w, rows, c, oc))
                        - fastest(device, sync, msPerProduct,
                        () -> device.linearBackward(null, dw, null, out, inp, w, rows, c, oc)));
            };
            best[i] = p.gflop() / (nanos / 1e9);
        }
        return new DeviceResult(device.describe(), products, best);
    }

    private static long fastest(Device device, Buf sync, double msPerProduct, Runnable call) {
        call.run();
        device.toHost(sync);
        long budget = (long) (msPerProduct * 1e6);
        long start = System.nanoTime();
        long fastest = Long.MAX_VALUE;
        for (int rep = 0; rep < 3 || System.nanoTime() - start < budget; rep++) {
            long t0 = System.nanoTime();
            call.run();
            device.toHost(sync);
            fastest = Math.min(fastest, System.nanoTime() - t0);
        }
        return fastest;
    }

    private static Buf randomBuf(Device device, String name, long n, Random r) {
        Buf b = device.floats(name, Math.toIntExact(n));
        float[] x = b.host();
        for (int i = 0; i < x.length; i++) {
            x[i] = (r.nextFloat() - 0.5f) * 0.01f; // small: repeated gradient sums stay finite
        }
        device.toDevice(b);
        return b;
    }

    private static float[] random(long n, Random r) {
        float[] x = new float[Math.toIntExact(n)];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat() - 0.5f;
        }
        return x;
    }
}
