package org.grokcap.bench;

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

    private static float[] random(long n, Random r) {
        float[] x = new float[Math.toIntExact(n)];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat() - 0.5f;
        }
        return x;
    }
}
