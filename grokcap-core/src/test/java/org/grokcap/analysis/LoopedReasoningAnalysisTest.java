package org.grokcap.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.cli.CommandRun;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.data.reasoning.CompositionTaskSpec;
import org.grokcap.io.Json;
import org.grokcap.model.Transformer;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reasoning analysis of a looped model reads the residual stream after every block application,
 * so once per pass of the shared stack: its reading after k passes is exactly the last reading of the
 * same weights run for k passes; and grokcap analyze writes the cosine lens for every split it has.
 */
class LoopedReasoningAnalysisTest {

    static String config(int layers, int repeats, int steps) {
        return """
                {"name":"tiny-looped",
                 "task":{"type":"composition","entities":20,"relations":4,"factsPerEntity":4,"oodFraction":0.2,
                         "phi":2.0,"testInferredIdFraction":0.1,"mixedSplits":true},
                 "model":{"layers":%d,"layerRepeats":%d,"dModel":32,"heads":2,"dMlp":64,"activation":"gelu",
                          "layerNorm":true,"attentionBias":true,"unembedBias":true,"init":"gpt2"},
                 "train":{"seed":1,"steps":%d,"batchSize":64,"evalEvery":50,"evalMaxPerSplit":40,
                          "optimizer":{"lr":0.01,"beta2":0.999,"weightDecay":0.1,"warmupSteps":10,"gradClip":1.0}}}"""
                .formatted(layers, repeats, steps);
    }

    @ParameterizedTest(name = "{0} layers × {1} passes")
    @CsvSource({"1, 4", "2, 3"})
    void everyPassIsReadAndEqualsTheModelRunForThatManyPasses(int layers, int repeats) {
        ExperimentSpec spec = ConfigLoader.parse(config(layers, repeats, 30), false, "test");
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        try (CpuDevice dev = new CpuDevice(2)) {
            Trainer trainer = new Trainer(spec, data, dev);
            trainer.run((row, total) -> { });
            Transformer model = trainer.model();
            model.setVocabularyTable(false);
            var batch = ReasoningAnalysis.Batch.of(data, data.split(CompositionTaskSpec.OOD_FIRST), 40);
            int[] bridge = ReasoningAnalysis.bridges(data, batch);
            for (int b : bridge) {
                assertTrue(b >= 0, "every first hop, OOD ones included, is a trained atomic fact");
            }
            Map<String, Integer> positions = new LinkedHashMap<>();
            positions.put("r1", 1);
            positions.put("last", batch.answerPos());
            int depth = layers * repeats;
            ReasoningAnalysis.LogitLens full = ReasoningAnalysis.LogitLens.of(model, batch, bridge);
            CosineLens fullCos = CosineLens.of(model, batch, bridge, "s", positions);
            assertEquals(depth + 1, full.mrr().length, "a reading after every block application");
            assertEquals(depth + 1, fullCos.positions().get("r1").same().length);
            for (int k = 1; k < repeats; k++) {
                model.setLayerRepeats(k);
                ReasoningAnalysis.LogitLens part = ReasoningAnalysis.LogitLens.of(model, batch, bridge);
                CosineLens partCos = CosineLens.of(model, batch, bridge, "s", positions);
                assertEquals(k * layers + 1, part.mrr().length);
                for (int l = 0; l <= k * layers; l++) {
                    assertArrayEquals(part.mrr()[l], full.mrr()[l], "answer MRR after " + l + " blocks, " + k + " passes");
                    assertArrayEquals(part.bridgeMeanRank()[l], full.bridgeMeanRank()[l], "bridge rank after " + l);
                }
                for (String p : positions.keySet()) {
                    assertArrayEquals(partCos.positions().get(p).same(),
                            Arrays.copyOf(fullCos.positions().get(p).same(), k * layers + 1), p + ", " + k + " passes");
                    assertArrayEquals(partCos.positions().get(p).different(),
                            Arrays.copyOf(fullCos.positions().get(p).different(), k * layers + 1), p);
                }
            }
            model.setLayerRepeats(repeats);
            // the passes differ: a reading of one buffer for every pass would make the rows equal
            assertFalse(Arrays.equals(full.mrr()[layers], full.mrr()[depth]), "pass 1 and the last pass");
            double[] same = fullCos.positions().get("last").same();
            assertTrue(same[layers] != same[depth], "pass 1 and the last pass, cosine lens");
        }
    }

    @Test
    void layerNamesCountPassesAndBlocks() {
        assertEquals("embed", ReasoningAnalysis.layerName(0, 1, 4));
        assertEquals("layer 3", ReasoningAnalysis.layerName(3, 4, 4));
        assertEquals("pass 3", ReasoningAnalysis.layerName(3, 1, 4));
        assertEquals("pass 2 block 1", ReasoningAnalysis.layerName(3, 2, 6));
        assertEquals("pass 3 block 2", ReasoningAnalysis.layerName(6, 2, 6));
    }

    @Test
    void analyzeWritesTheCosineLensOfEverySplit(@TempDir Path dir) throws Exception {
        CommandRun cli = new CommandRun();
        Path config = dir.resolve("c.json");
        Files.writeString(config, config(1, 3, 40));
        Path runDir = dir.resolve("run");
        assertEquals(0, cli.run("train", config.toString(), "--out", runDir.toString(), "--quiet", "--threads", "1"),
                cli.err());
        assertEquals(0, cli.run("analyze", runDir.toString()), cli.err());
        JsonNode summary = cli.lastJsonLine();
        assertEquals(List.of("embed", "pass 1", "pass 2", "pass 3"),
                Json.mapper().convertValue(summary.get("residualLayers"), List.class));
        Path a = runDir.resolve("analysis");
        for (String f : List.of("cosine-lens.json", "cosine-lens-r1.png", "cosine-lens-last.svg", "logit-lens.json")) {
            assertTrue(Files.size(a.resolve(f)) > 0, f);
        }
        JsonNode cos = Json.mapper().readTree(a.resolve("cosine-lens.json").toFile());
        assertEquals(ReasoningAnalysis.COSINE_SPLITS.size(), cos.size(), "every composition split with mixedSplits");
        for (JsonNode s : cos) {
            assertTrue(summary.at("/cosineLens").has(s.get("split").asText()), s.get("split").asText());
            JsonNode last = s.at("/positions/last");
            assertEquals(4, last.get("same").size());
            for (int l = 0; l < 4; l++) {
                assertEquals(last.get("same").get(l).asDouble() - last.get("different").get(l).asDouble(),
                        last.get("gap").get(l).asDouble(), 1e-12);
            }
        }
    }
}
