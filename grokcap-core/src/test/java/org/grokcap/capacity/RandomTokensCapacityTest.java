package org.grokcap.capacity;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.cli.CommandRun;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.data.random.RandomTokensTaskSpec;
import org.grokcap.kernels.Activation;
import org.grokcap.model.Init;
import org.grokcap.model.InitScheme;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.Transformer;
import org.grokcap.util.Rngs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stored bits of random-tokens models: the NLL against the logits, an untrained model, a memorising one. */
class RandomTokensCapacityTest {
    private static final double LN2 = Math.log(2.0);

    private static ModelConfig gpt2(int v, int t, int dModel) {
        return new ModelConfig(v, v, t, 1, dModel, 2, 4 * dModel, Activation.GELU, true, true, true, null, null,
                InitScheme.GPT2);
    }

    /** Per sequence: −Σ_t log2 softmax(logits_t)[target_t], from the logits of one forward pass over the split, in double. */
    private static double[] nllFromLogits(ModelConfig cfg, float[] params, Split split) {
        int n = split.size();
        int T = cfg.contextLength();
        int V = cfg.outputVocabSize();
        Transformer whole = new Transformer(new ReferenceDevice(), cfg, n);
        System.arraycopy(params, 0, whole.params().host(), 0, params.length);
        whole.setBatch(split.tokens(), split.targets(), 0, n);
        whole.forward();
        float[] logits = whole.logits().host();
        int off = whole.logits().offset();
        double[] bits = new double[n];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < T; t++) {
                int row = off + (i * T + t) * V; // every position has a target: rows are the (i, t) positions in order
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < V; k++) {
                    max = Math.max(max, logits[row + k]);
                }
                double z = 0;
                for (int k = 0; k < V; k++) {
                    z += Math.exp(logits[row + k] - max);
                }
                double logP = logits[row + split.targets()[i * T + t]] - max - Math.log(z);
                bits[i] -= logP / LN2;
            }
        }
        return bits;
    }

    @Test
    void sequenceNllMatchesTheLogits() {
        RandomTokensTaskSpec task = new RandomTokensTaskSpec(16, 8, 13, null, null);
        Split train = task.generate(5).split("train");
        ModelConfig cfg = gpt2(16, 7, 16);
        Transformer model = new Transformer(new ReferenceDevice(), cfg, 5); // three passes, the last of 3 sequences
        float[] p = model.params().host();
        Random r = new Random(9);
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (0.3 * r.nextGaussian()); // far from uniform, so the losses differ between sequences
        }
        double[] nll = RunCapacity.sequenceNllBits(model, train);
        double[] direct = nllFromLogits(cfg, p, train);
        assertEquals(13, nll.length);
        for (int i = 0; i < nll.length; i++) {
            assertEquals(direct[i], nll[i], 1e-4 * Math.max(1, direct[i]), "sequence " + i);
        }
        ModelCapacity cap = RunCapacity.storedBits(nll, task, p.length);
        double expected = 0;
        for (double b : direct) {
            expected += Math.max(0, 7 * 4.0 - b);
        }
        assertEquals(expected, cap.totalBits(), 1e-3, "Σ max(0, (S−1)·log2 V − NLL)");
        assertEquals(13 * 7 * 4.0, cap.datasetBits(), 0.0);
    }

    /**
     * An untrained model stores about nothing. Against uniform targets its expected NLL per token is
     * log2 V + KL(uniform ‖ model) ≥ log2 V, so the unclipped stored bits have mean ≤ 0, and each
     * sequence's clipped share has mean ≤ σ/√(2π) for a sequence NLL of spread σ: the tolerances come
     * from σ measured on its own losses.
     */
    @Test
    void anUntrainedModelStoresAboutNothing() {
        RandomTokensTaskSpec task = new RandomTokensTaskSpec(64, 32, 200, null, null);
        Split train = task.generate(1).split("train");
        ModelConfig cfg = gpt2(64, 31, 32);
        Transformer model = new Transformer(new ReferenceDevice(), cfg, 64);
        Init.initialize(model.params().host(), model.layout(), cfg, Rngs.stream(0, "init"));
        double[] nll = RunCapacity.sequenceNllBits(model, train);
        ModelCapacity cap = RunCapacity.storedBits(nll, task, model.layout().size());
        double mean = 0;
        for (double b : nll) {
            mean += b / nll.length;
        }
        double var = 0;
        for (double b : nll) {
            var += (b - mean) * (b - mean) / (nll.length - 1);
        }
        double sigma = Math.sqrt(var);
        double unclipped = task.datasetBits() - mean * nll.length;
        assertTrue(unclipped <= 4 * Math.sqrt(nll.length) * sigma, "unclipped " + unclipped + ", σ " + sigma);
        assertTrue(cap.totalBits() <= nll.length * sigma, "stored " + cap.totalBits() + " > N·σ = " + nll.length * sigma);
        assertTrue(cap.totalBits() < 0.01 * task.datasetBits(), cap.totalBits() + " of " + task.datasetBits());
    }

    private static String config(int n, int dModel, int steps) {
        return """
                {"name":"rt","task":{"type":"random-tokens","v":16,"s":8,"n":%d},
                 "model":{"layers":1,"dModel":%d,"heads":2,"activation":"gelu","layerNorm":true,"attentionBias":true,
                          "mlpBias":true,"init":"gpt2"},
                 "train":{"steps":%d,"batchSize":0,"evalEvery":50,"optimizer":{"lr":0.01,"weightDecay":0.0,"warmupSteps":20}}}"""
                .formatted(n, dModel, steps);
    }

    /** A model much larger than V 16, S 8, N 8 (224 bits) trained on it holds almost all of it; then a sweep over N. */
    @Test
    void aMemorisingModelStoresTheWholeDatasetAndASweepFindsItsBest(@TempDir Path dir) throws Exception {
        CommandRun cli = new CommandRun();
        Path sweep = dir.resolve("sweep");
        Path c8 = dir.resolve("n8.json");
        Files.writeString(c8, config(8, 32, 400));
        Path run8 = sweep.resolve("n8");
        assertEquals(0, cli.run("train", c8.toString(), "--out", run8.toString(), "--quiet"), cli.err());
        assertEquals(0, cli.run("capacity", "of", run8.toString()), cli.err());
        JsonNode r = cli.lastJsonLine();
        assertEquals(224.0, r.get("datasetBits").asDouble(), 0.0, "8 sequences × 7 targets × log2 16");
        double stored = r.get("capacityBits").asDouble();
        assertTrue(stored >= 0.95 * 224 && stored <= 224, stored + " of 224 bits");
        assertEquals(224.0, r.get("nllBits").asDouble() + r.get("storedBitsUnclipped").asDouble(), 1e-9);
        assertEquals(stored / r.get("parameters").asDouble(), r.get("bitsPerParameter").asDouble(), 1e-12);
        assertTrue(r.get("freshBitsPerToken").asDouble() > 0.9 * 4, "unseen sequences stay unpredictable: " + r);
        assertTrue(r.get("converged").asBoolean(), r.get("convergence").toString());
        assertEquals(2, cli.run("capacity", "of", run8.toString(), "--all-schemes"));
        assertTrue(cli.err().contains("is a random-tokens run") && cli.err().strip().lines().count() == 1, cli.err());

        Path c4 = dir.resolve("n4.json");
        Files.writeString(c4, config(4, 32, 100));
        assertEquals(0, cli.run("train", c4.toString(), "--out", sweep.resolve("n4").toString(), "--quiet"), cli.err());
        Path c8small = dir.resolve("n8-small.json");
        Files.writeString(c8small, config(8, 8, 50));
        assertEquals(0, cli.run("train", c8small.toString(), "--out", sweep.resolve("n8-d8").toString(), "--quiet"),
                cli.err());
        assertEquals(0, cli.run("capacity", "of", sweep.toString()), cli.err());
        JsonNode s = cli.lastJsonLine();
        assertEquals(3, s.get("runs").size());
        JsonNode models = s.get("models");
        assertEquals(2, models.size(), "two model sizes: " + models);
        JsonNode big = models.get(1);
        assertEquals(2, big.get("runs").size());
        assertEquals("n8", big.get("bestRun").asText());
        assertEquals(8, big.get("bestN").asInt());
        assertEquals(stored, big.get("capacityBits").asDouble(), 1e-9);
        assertTrue(models.get(0).get("parameters").asLong() < big.get("parameters").asLong());
        assertTrue(!big.get("plateau").asBoolean(), "it stored all of its largest dataset: the data was the limit");
        assertTrue(Files.isRegularFile(sweep.resolve("plots/stored-vs-entropy.png")));
        assertTrue(Files.isRegularFile(sweep.resolve("plots/bits-per-parameter.png")));
    }

    @Test
    void thePlateauNeedsAConvergedRunWithMoreDataThanTheModelHolds() {
        java.util.function.BiFunction<Integer, Double, java.util.Map<String, Object>> run = (n, stored) -> {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("run", "/x/n" + n);
            m.put("n", n);
            m.put("parameters", 1000L);
            m.put("capacityBits", stored);
            m.put("datasetBits", n * 10.0);
            m.put("converged", true);
            return m;
        };
        // Stores everything up to N = 300, then levels off at 3,000 bits while the data grows to 6,000 and 12,000.
        var reached = RunCapacity.plateaus(java.util.List.of(run.apply(1200, 2900.0), run.apply(100, 1000.0),
                run.apply(300, 3000.0), run.apply(600, 2950.0)));
        assertEquals(1, reached.size());
        assertEquals(3000.0, reached.get(0).capacityBits(), 0.0);
        assertEquals(3.0, reached.get(0).bitsPerParameter(), 0.0);
        assertEquals(300, reached.get(0).bestN());
        assertTrue(reached.get(0).plateau());
        assertEquals(1.0, reached.get(0).bestHeldFraction(), 0.0, "the best run stored all 3,000 bits of its data");
        assertTrue(reached.get(0).dataLimited());
        var modelLimited = RunCapacity.plateaus(java.util.List.of(run.apply(400, 3000.0), run.apply(900, 2950.0)));
        assertEquals(0.75, modelLimited.get(0).bestHeldFraction(), 0.0);
        assertTrue(modelLimited.get(0).plateau() && !modelLimited.get(0).dataLimited());
        assertEquals(java.util.List.of(100, 300, 600, 1200),
                reached.get(0).runs().stream().map(m -> (int) m.get("n")).toList(), "N ascending");
        // Still rising at the largest N: no plateau.
        var rising = RunCapacity.plateaus(java.util.List.of(run.apply(100, 1000.0), run.apply(300, 3000.0)));
        assertTrue(!rising.get(0).plateau());
    }
}
