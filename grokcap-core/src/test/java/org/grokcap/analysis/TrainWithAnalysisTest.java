package org.grokcap.analysis;

import org.grokcap.cli.CommandRun;
import org.grokcap.io.Json;
import org.grokcap.io.JsonLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainWithAnalysisTest {
    private final CommandRun cli = new CommandRun();

    private static Path config(Path dir, String operation) throws Exception {
        Path f = dir.resolve("c.json");
        Files.writeString(f, """
                {"name":"tiny","task":{"type":"modular","p":7,"operation":"%s","trainFraction":0.5},
                 "model":{"dModel":16,"heads":2,"dMlp":32},"train":{"steps":25}}""".formatted(operation));
        return f;
    }

    @Test
    void recordsTheMeasuresAtStepZeroEveryNUpdatesAndAtTheEnd(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        int code = cli.run("train", config(dir, "x+y").toString(), "--out", runDir.toString(), "--analysis-every", "10",
                "--quiet", "--backend", "reference");
        assertEquals(0, code, cli.err());
        List<Map<String, Double>> progress = JsonLines.readMetrics(runDir.resolve("analysis/progress.jsonl"));
        assertEquals(List.of(0.0, 10.0, 20.0, 25.0), progress.stream().map(r -> r.get("step")).toList());
        List<Map<String, Double>> metrics = JsonLines.readMetrics(runDir.resolve("metrics.jsonl"));
        // both rows with step 0 describe the initial parameters
        assertEquals(metrics.get(0).get("train_loss"), progress.get(0).get("trainLoss"), 1e-6);
        assertEquals(metrics.get(10).get("test_loss"), progress.get(1).get("testLoss"), 1e-6);
        for (String key : List.of("restrictedLoss", "excludedLoss", "giniEmbedding", "giniNeuronLogit",
                "sumSquaredWeights", "keyFrequencyVariance")) {
            assertTrue(progress.get(3).containsKey(key), key);
        }
        var firstRow = Json.mapper().readTree(Files.readAllLines(runDir.resolve("analysis/progress.jsonl")).get(0));
        assertEquals(4, firstRow.get("embeddingFourierNorms").size(), "constant + 3 frequencies at p = 7");
        assertTrue(firstRow.get("keyFrequencies").isArray());
        for (String f : List.of("phases.json", "phases.png", "phases.svg", "progress-losses.png", "progress-losses.svg",
                "progress-fourier.png", "progress-weights.svg")) {
            assertTrue(Files.size(runDir.resolve("analysis").resolve(f)) > 0, f);
        }
    }

    @Test
    void measuringDoesNotChangeTheTraining(@TempDir Path dir) throws Exception {
        Path with = dir.resolve("with");
        Path without = dir.resolve("without");
        assertEquals(0, cli.run("train", config(dir, "x+y").toString(), "--out", with.toString(), "--analysis-every", "3",
                "--quiet"));
        assertEquals(0, cli.run("train", config(dir, "x+y").toString(), "--out", without.toString(), "--quiet"));
        assertEquals(JsonLines.readMetrics(without.resolve("metrics.jsonl")), JsonLines.readMetrics(with.resolve("metrics.jsonl")));
        assertTrue(Files.exists(with.resolve("analysis/progress.jsonl")));
        assertFalse(Files.exists(without.resolve("analysis")));
    }

    @Test
    void refusesATaskWithoutTheMeasuresBeforeWritingAnything(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        int code = cli.run("train", config(dir, "x/y").toString(), "--out", runDir.toString(), "--analysis-every", "10",
                "--quiet");
        assertEquals(2, code);
        assertTrue(cli.err().contains("--analysis-every: progress measures need an operation"),
                cli.err());
        assertFalse(Files.exists(runDir));
    }

    @Test
    void phasesFollowTheStatedRule() {
        List<Map<String, Double>> rows = new java.util.ArrayList<>();
        double[][] curve = { // step, test loss, test accuracy
                {0, 4.6, 0.01}, {1, 9, 0.02}, {2, 20, 0.05}, {3, 12, 0.1}, {4, 3, 0.4}, {5, 1, 0.6}, {6, 0.1, 0.9},
                {7, 0.003, 1}, {8, 0.0012, 1}, {9, 0.001, 1}};
        for (double[] c : curve) {
            rows.add(Map.of("step", c[0], "test_loss", c[1], "test_accuracy", c[2]));
        }
        Phases p = Phases.of(rows);
        assertEquals(2, p.memorizationEnd(), "test loss peaks at step 2");
        assertEquals(5, p.cleanupStart(), "test accuracy first ≥ 0.5 at step 5");
        assertEquals(8, p.cleanupEnd(), "test loss first ≤ 2 × 0.001 at step 8");
        Phases never = Phases.of(rows.subList(0, 4));
        assertEquals(null, never.cleanupStart());
        assertEquals(null, never.cleanupEnd());
    }
}
