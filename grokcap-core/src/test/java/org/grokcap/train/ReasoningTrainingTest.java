package org.grokcap.train;

import org.grokcap.analysis.ReasoningAnalysisAccess;
import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.config.TrainConfig;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tiny composition run: the metrics rows carry every split, at log-spaced and periodic steps; the
 * per-sequence accuracy equals autoregressive greedy decoding's exact match; the reasoning analysis's
 * patching gives the values it must by construction.
 */
class ReasoningTrainingTest {

    static ExperimentSpec tiny() {
        return ConfigLoader.parse("""
                {"name":"tiny-composition",
                 "task":{"type":"composition","entities":20,"relations":4,"factsPerEntity":4,"oodFraction":0.2,
                         "phi":2.0,"testInferredIdFraction":0.1},
                 "model":{"layers":2,"dModel":32,"heads":2,"dMlp":64,"activation":"gelu","layerNorm":true,
                          "attentionBias":true,"unembedBias":true,"init":"gpt2","layerRepeats":1},
                 "train":{"seed":1,"steps":120,"batchSize":64,"evalEvery":50,"evalLogSpaced":true,
                          "evalMaxPerSplit":40,
                          "optimizer":{"lr":0.01,"beta2":0.999,"weightDecay":0.1,"noDecay":["*.bias","*ln*"],
                                       "warmupSteps":10,"gradClip":1.0}}}""", false, "test");
    }

    @Test
    void logSpacedSteps() {
        List<Integer> steps = new ArrayList<>();
        for (int s = 0; s <= 100; s++) {
            if (TrainConfig.logSpaced(s)) {
                steps.add(s);
            }
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 16, 20, 26, 32, 40, 51, 64, 80, 100), steps);
    }

    @Test
    void exactMatchIsGreedyDecodingAndRowsCoverEverySplit(@TempDir Path dir) throws Exception {
        ExperimentSpec spec = tiny();
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        List<Map<String, Double>> rows = new ArrayList<>();
        try (CpuDevice dev = new CpuDevice(2)) {
            Trainer trainer = new Trainer(spec, data, dev);
            trainer.run((row, total) -> rows.add(row));
            List<Double> steps = rows.stream().map(r -> r.get("step")).toList();
            assertEquals(List.of(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 13.0, 16.0, 20.0, 26.0, 32.0,
                    40.0, 50.0, 51.0, 64.0, 80.0, 100.0, 119.0), steps);
            for (String s : List.of("train", "train_atomic", "train_inferred", "test_atomic_id", "test_atomic_ood",
                    "test_inferred_id", "test_inferred_ood")) {
                assertTrue(rows.get(rows.size() - 1).containsKey(s + "_accuracy"), s);
                assertTrue(rows.get(rows.size() - 1).containsKey(s + "_loss"), s);
            }
            Transformer model = trainer.model();
            int checkedSplits = 0;
            for (String name : List.of("train_atomic", "train_inferred", "test_inferred_id")) {
                Split s = data.split(name);
                double teacherForced = trainer.evaluate(s)[1];
                int n = Math.min(40, s.size());
                int exact = 0;
                for (int i = 0; i < n; i++) {
                    exact += greedyMatches(model, data, s, i) ? 1 : 0;
                }
                assertEquals((double) exact / n, teacherForced, 1e-12, name + ": teacher-forced exact match = greedy");
                checkedSplits++;
            }
            assertEquals(3, checkedSplits);
            double trainAtomic = rows.get(rows.size() - 1).get("train_atomic_accuracy");
            assertTrue(trainAtomic > 0.1 && trainAtomic < 1.0,
                    "a partly trained model, so the comparison is not trivially all-right or all-wrong: " + trainAtomic);

            // the analysis: patching the perturbed position's embedding makes the clean run the perturbed
            // run (every answer changes), and no patch before that position changes anything
            Map<String, double[][]> traced = ReasoningAnalysisAccess.causalTracing(model, data, 7);
            assertTrue(!traced.isEmpty());
            for (Map.Entry<String, double[][]> e : traced.entrySet()) {
                int p = Integer.parseInt(e.getKey().split(":")[0]);
                double[][] f = e.getValue();
                assertEquals(1.0, f[0][p], 1e-12, e.getKey() + ": embedding patched at the perturbed position");
                assertEquals(1.0, f[f.length - 1][data.contextLength() == 4 ? 2 : p], 1e-12,
                        e.getKey() + ": last residual patched at the answer position");
                for (int l = 0; l < f.length; l++) {
                    for (int t = 0; t < p; t++) {
                        assertEquals(0.0, f[l][t], e.getKey() + ": a position before the perturbed one");
                    }
                }
            }
        }
    }

    /** Decodes fact i of s greedily from its question alone and compares with its answer. */
    static boolean greedyMatches(Transformer model, TokenizedDataset data, Split s, int i) {
        int T = data.contextLength();
        int[] seq = Arrays.copyOfRange(s.tokens(), i * T, i * T + T);
        int[] want = Arrays.copyOfRange(s.targets(), i * T, i * T + T);
        int first = 0;
        while (want[first] < 0) {
            first++;
        }
        int pad = data.vocabulary().indexOf("<pad>");
        for (int t = first + 1; t < T; t++) {
            seq[t] = pad; // the answer is not given: the decoder writes it
        }
        for (int t = first; t < T && want[t] >= 0; t++) {
            int[] targets = new int[T];
            Arrays.fill(targets, -1);
            targets[t] = 0;
            model.setBatch(seq, targets, 0, 1);
            model.forward();
            var lg = model.logits();
            int V = model.config().resolvedOutputVocab();
            int best = 0;
            for (int v = 1; v < V; v++) {
                if (lg.host()[lg.offset() + v] > lg.host()[lg.offset() + best]) {
                    best = v;
                }
            }
            if (best != want[t]) {
                return false;
            }
            if (t + 1 < T) {
                seq[t + 1] = best;
            }
        }
        return true;
    }
}
