package org.grokcap.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.cli.Main;
import org.grokcap.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnalyzeCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String lastLine() {
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        return lines.get(lines.size() - 1);
    }

    private Path trainedRun(Path dir, String operation, String... extra) throws Exception {
        Path config = dir.resolve("c.json");
        Files.writeString(config, """
                {"name":"tiny","task":{"type":"modular","p":7,"operation":"%s","trainFraction":0.5},
                 "model":{"dModel":16,"heads":2,"dMlp":32},"train":{"steps":40,"optimizer":{"lr":0.01}}}"""
                .formatted(operation));
        Path runDir = dir.resolve("run");
        List<String> args = new java.util.ArrayList<>(List.of("train", config.toString(), "--out", runDir.toString(),
                "--quiet", "--backend", "reference"));
        args.addAll(List.of(extra));
        assertEquals(0, run(args.toArray(String[]::new)), err.toString(StandardCharsets.UTF_8));
        return runDir;
    }

    @Test
    void writesEveryPartForAModularRun(@TempDir Path dir) throws Exception {
        Path runDir = trainedRun(dir, "x+y", "--analysis-every", "20");
        assertEquals(0, run("analyze", runDir.toString(), "--input", "3 5", "--backend", "reference"),
                err.toString(StandardCharsets.UTF_8));
        JsonNode summary = Json.mapper().readTree(lastLine());
        assertEquals(40, summary.get("step").asInt());
        assertTrue(summary.at("/measures/keyFrequencies").isArray());
        assertTrue(summary.at("/measures/restrictedLoss").isNumber());
        assertEquals(List.of("3", "5", "="), Json.mapper().convertValue(summary.at("/attributions/tokens"), List.class));
        assertEquals("1", summary.at("/attributions/answer").asText(), "3 + 5 mod 7");
        assertTrue(summary.at("/attributions/complete").asBoolean(), summary.toString());
        assertTrue(summary.at("/progressPlotted").asBoolean());
        Path a = runDir.resolve("analysis");
        for (String f : List.of("summary.json", "measures.json", "phases.json", "attention.json", "attributions.json",
                "embedding-fourier-norms.png", "embedding-fourier-norms.svg", "neuron-key-frequencies.png",
                "attention-L0-H0.png", "attention-L0-H1.svg", "attributions.png", "attributions.svg", "phases.png",
                "progress-losses.png")) {
            assertTrue(Files.size(a.resolve(f)) > 0, f);
        }
        JsonNode att = Json.mapper().readTree(a.resolve("attention.json").toFile());
        assertEquals(1.0, att.at("/probabilities/0/1/2/0").asDouble() + att.at("/probabilities/0/1/2/1").asDouble()
                + att.at("/probabilities/0/1/2/2").asDouble(), 1e-5, "layer 0, head 1, from '=': a distribution");
        JsonNode ig = Json.mapper().readTree(a.resolve("attributions.json").toFile());
        assertEquals(ig.get("logit").asDouble() - ig.get("baselineLogit").asDouble(), ig.get("sum").asDouble(),
                Analyzer.IG_TOLERANCE * Math.abs(ig.get("logit").asDouble() - ig.get("baselineLogit").asDouble()));
    }

    @Test
    void aTaskWithoutTheFullGridGetsTheGenericPartsOnly(@TempDir Path dir) throws Exception {
        Path runDir = trainedRun(dir, "x/y");
        assertEquals(0, run("analyze", runDir.toString(), "--backend", "reference"), err.toString(StandardCharsets.UTF_8));
        JsonNode summary = Json.mapper().readTree(lastLine());
        assertTrue(summary.get("measures").asText().contains("all p² pairs"), summary.toString());
        assertFalse(Files.exists(runDir.resolve("analysis/measures.json")));
        assertTrue(Files.exists(runDir.resolve("analysis/attention-L0-H0.svg")));
        assertTrue(Files.exists(runDir.resolve("analysis/attributions.json")));
    }

    @Test
    void badInputIsOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        assertEquals(2, run("analyze", dir.resolve("nope").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("error: run directory not found"));
        assertEquals(2, run("analyze", dir.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("run.json is missing"), err.toString(StandardCharsets.UTF_8));
        Path runDir = trainedRun(dir, "x+y");
        assertEquals(2, run("analyze", runDir.toString(), "--input", "3 x"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("'x' is not in the vocabulary"), err.toString(StandardCharsets.UTF_8));
        assertEquals(2, run("analyze", runDir.toString(), "--input", "3"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("has 1 tokens; the model reads 3 (or 2, and '=' is added)"),
                err.toString(StandardCharsets.UTF_8));
        Files.write(runDir.resolve("weights.safetensors"), new byte[] {1, 2, 3});
        assertEquals(2, run("analyze", runDir.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("error: cannot load the weights:"),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(1, err.toString(StandardCharsets.UTF_8).lines().count());
    }
}
