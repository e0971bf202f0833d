package org.grokcap.train;

import org.grokcap.backend.ReferenceDevice;
import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.backend.cpu.GemmProvider;
import org.grokcap.backend.cpu.GemmProviders;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.TokenizedDataset;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Whole training runs on the cpu backend give the same bits on 1, 2 and 3 threads, with each matmul
 * (the platform BLAS, grokcap's Vector API GEMM), and each tracks the scalar reference. The model is
 * large enough that matmuls and the other kernels really split across threads (products of tens of
 * MFLOP, hundreds of rows), and full batches and minibatches are both covered.
 */
class ThreadCountDeterminismTest {

    private static ExperimentSpec spec(int batch, boolean llama) {
        return spec(batch, llama, "\"optimizer\":{\"lr\":0.003,\"weightDecay\":0.1}");
    }

    /** With these train fields after the batch size (⊥Grad and a Grokfast filter: their sums must not depend on the threads either). */
    private static ExperimentSpec spec(int batch, boolean llama, String trainFields) {
        String model = llama ? "\"architecture\":\"llama\",\"dModel\":64,\"heads\":4"
                : "\"dModel\":64,\"heads\":4,\"dMlp\":256,\"layerNorm\":true";
        return ConfigLoader.parse("""
                {"name":"t","task":{"type":"modular","p":23,"trainFraction":0.6},
                 "model":{%s},
                 "train":{"seed":5,"steps":12,"batchSize":%d,%s}}"""
                .formatted(model, batch, trainFields), false, "test");
    }

    private static final String METHODS = """
            "gradFilter":{"type":"ma","window":3,"lambda":2},"logGradCosine":true,
             "optimizer":{"lr":0.003,"weightDecay":0,"orthogonalGradient":true}""";

    private record Run(List<Map<String, Double>> rows, float[] params) {}

    private static Run run(ExperimentSpec spec, org.grokcap.backend.Device dev) {
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        List<Map<String, Double>> rows = new ArrayList<>();
        Trainer t = new Trainer(spec, data, dev);
        t.run((row, total) -> rows.add(row));
        dev.toHost(t.model().params());
        float[] p = t.model().params().host();
        return new Run(rows, Arrays.copyOfRange(p, t.model().params().offset(),
                t.model().params().offset() + t.model().params().size()));
    }

    private static GemmProvider provider(String name) {
        if (name.equals("blas")) {
            Assumptions.assumeTrue(GemmProviders.blasAvailable(), "no platform BLAS installed");
        }
        return GemmProviders.choose(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"blas", "vector", "scalar"})
    void aWholeRunIsBitIdenticalOnOneTwoAndThreeThreads(String gemm) {
        for (ExperimentSpec spec : List.of(spec(0, false), spec(64, false), spec(0, true), spec(0, false, METHODS))) {
            Run first = null;
            for (int threads = 1; threads <= 3; threads++) {
                Run r;
                try (CpuDevice dev = new CpuDevice(threads, provider(gemm))) {
                    r = run(spec, dev);
                }
                if (first == null) {
                    first = r;
                } else {
                    assertEquals(first.rows(), r.rows(), gemm + ": metrics on " + threads + " threads");
                    assertArrayEquals(first.params(), r.params(), gemm + ": parameters on " + threads + " threads");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"blas", "vector"})
    void everyMatmulTracksTheReference(String gemm) {
        ExperimentSpec spec = spec(0, false);
        Run ref = run(spec, new ReferenceDevice());
        Run cpu;
        try (CpuDevice dev = new CpuDevice(2, provider(gemm))) {
            cpu = run(spec, dev);
        }
        for (int i = 0; i < ref.rows().size(); i++) {
            double a = ref.rows().get(i).get("train_loss");
            double b = cpu.rows().get(i).get("train_loss");
            assertEquals(a, b, 1e-4 * (1 + a), gemm + ", step " + i);
        }
    }
}
