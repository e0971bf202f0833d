package org.grokcap.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.cli.CommandRun;
import org.grokcap.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnalyzeCommandTest {
    private final CommandRun cli = new CommandRun();

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
        assertEquals(0, cli.run(args.toArray(String[]::new)), cli.err());
        return runDir;
    }

    @Test
    void writesEveryPartForAModularRun(@TempDir Path dir) throws Exception {
        Path runDir = trainedRun(dir, "x+y", "--analysis-every", "20");
        assertEquals(0, cli.run("analyze", runDir.toString(), "--input", "3 5", "--backend", "reference"),
                cli.err());
        JsonNode summary = cli.lastJsonLine();
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
        assertEquals(0, cli.run("analyze", runDir.toString(), "--backend", "reference"), cli.err());
        JsonNode summary = cli.lastJsonLine();
        assertTrue(summary.get("measures").asText().contains("all p² pairs"), summary.toString());
        assertFalse(Files.exists(runDir.resolve("analysis/measures.json")));
        assertTrue(Files.exists(runDir.resolve("analysis/attention-L0-H0.svg")));
        assertTrue(Files.exists(runDir.resolve("analysis/attributions.json")));
    }

    @Test
    void badInputIsOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        assertEquals(2, cli.run("analyze", dir.resolve("nope").toString()));
        assertTrue(cli.err().startsWith("error: run directory not found"));
        assertEquals(2, cli.run("analyze", dir.toString()));
        assertTrue(cli.err().contains("run.json is missing"), cli.err());
        Path runDir = trainedRun(dir, "x+y");
        assertEquals(2, cli.run("analyze", runDir.toString(), "--input", "3 x"));
        assertTrue(cli.err().contains("'x' is not in the vocabulary"), cli.err());
        assertEquals(2, cli.run("analyze", runDir.toString(), "--input", "3"));
        assertTrue(cli.err().contains("has 1 tokens; the model reads 3 (or 2, and '=' is added)"),
                cli.err());
        Files.write(runDir.resolve("weights.safetensors"), new byte[] {1, 2, 3});
        assertEquals(2, cli.run("analyze", runDir.toString()));
        assertTrue(cli.err().startsWith("error: cannot load the weights:"),
                cli.err());
        assertEquals(1, cli.err().lines().count());
    }
}
