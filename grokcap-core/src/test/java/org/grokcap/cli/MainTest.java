package org.grokcap.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.io.Json;
import org.grokcap.io.JsonLines;
import org.grokcap.model.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    private final CommandRun cli = new CommandRun();

    private static Path config(Path dir, String json) throws Exception {
        Path f = dir.resolve("c.json");
        Files.writeString(f, json);
        return f;
    }

    private static final String TINY = """
            {"name":"tiny","task":{"type":"modular","p":7,"trainFraction":0.5},
             "model":{"dModel":16,"heads":2,"dMlp":32},"train":{"steps":500,"evalEvery":2}}""";

    @Test
    void trainWritesACompleteRunDirectory(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        int code = cli.run("train", config(dir, TINY).toString(), "--out", runDir.toString(), "--max-steps", "5",
                "--seed", "9", "--quiet");
        assertEquals(0, code, cli.err());
        JsonNode record = Json.mapper().readTree(runDir.resolve("run.json").toFile());
        assertEquals(5, record.at("/config/train/steps").asInt(), "--max-steps caps the run");
        assertEquals(9, record.at("/config/train/seed").asInt());
        assertEquals(8, record.at("/config/model/vocabSize").asInt(), "sizes resolved from the task");
        assertFalse(record.at("/provenance/datasetHash").asText().isEmpty());
        assertEquals(5, record.at("/result/steps").asInt());
        List<Map<String, Double>> rows = JsonLines.readMetrics(runDir.resolve("metrics.jsonl"));
        assertEquals(List.of(0.0, 2.0, 4.0), rows.stream().map(r -> r.get("step")).toList());
        assertTrue(rows.get(0).containsKey("test_accuracy"));
        assertEquals(record.at("/provenance/parameters").asLong(),
                Safetensors.read(runDir.resolve("weights.safetensors")).tensors().values().stream()
                        .mapToLong(t -> t.data().length).sum());
        for (String f : List.of("loss.png", "loss.svg", "accuracy.png", "accuracy.svg")) {
            assertTrue(Files.size(runDir.resolve("plots").resolve(f)) > 0, f);
        }
        JsonNode last = cli.lastJsonLine();
        assertEquals(5, last.get("steps").asInt(), "the result is the last line, as JSON");
    }

    @Test
    void generateWritesEverySplitAndItsMetadata(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("data");
        assertEquals(0, cli.run("generate", config(dir, TINY).toString(), "--out", out.toString(), "--seed", "3"), cli.err());
        JsonNode meta = Json.mapper().readTree(out.resolve("dataset.json").toFile());
        assertEquals(3, meta.get("seed").asInt());
        assertEquals(7, meta.at("/task/p").asInt());
        assertEquals(64, meta.get("hash").asText().length());
        int rows = 0;
        for (String split : List.of("train", "test")) {
            List<String> lines = Files.readAllLines(out.resolve(split + ".jsonl"));
            assertEquals(meta.at("/splits/" + split).asInt(), lines.size());
            rows += lines.size();
        }
        assertEquals(49, rows, "every pair (a, b) of Z_7 once");
        JsonNode printed = Json.mapper().readTree(cli.out().strip());
        assertEquals(meta.get("hash"), printed.get("hash"), "the result is printed as one JSON line");
        assertEquals(2, cli.run("generate", config(dir, TINY).toString(), "--out", out.toString()),
                "a second generate into the same directory is refused");
        assertTrue(cli.err().contains("not empty"), cli.err());
    }

    @Test
    void badInputExitsWithTwoAndOneLine(@TempDir Path dir) throws Exception {
        assertEquals(2, cli.run("train", dir.resolve("missing.json").toString()));
        assertTrue(cli.err().contains("config file not found"), cli.err());
        assertFalse(cli.err().contains("\tat "), "no stack trace");

        Path bad = config(dir, TINY.replace("\"heads\":2", "\"heads\":3"));
        assertEquals(2, cli.run("train", bad.toString(), "--out", dir.resolve("r").toString()));
        assertTrue(cli.err().contains("model.dModel = 16: must be divisible by heads (3)"), cli.err());
        assertFalse(Files.exists(dir.resolve("r")), "nothing written for a bad config");

        assertEquals(2, cli.run("train", config(dir, TINY).toString(), "--max-steps", "zero"));
        assertTrue(cli.err().contains("--max-steps = zero"), cli.err());

        assertEquals(2, cli.run("frobnicate"));
        assertEquals(2, cli.run());
        assertEquals(2, cli.run("train", config(dir, TINY).toString(), "--bogus", "1"));
    }

    @Test
    void unwritableOutputIsBadInput(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        assertEquals(2, cli.run("train", config(dir, TINY).toString(), "--out", file.resolve("sub").toString(), "--quiet"));
        assertTrue(cli.err().contains("cannot create output directory"), cli.err());
        assertEquals("x", Files.readString(file), "nothing overwritten");
    }

    @Test
    void aFinishedRunIsNeverOverwritten(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        assertEquals(0, cli.run("train", config(dir, TINY).toString(), "--out", runDir.toString(), "--max-steps", "2", "--quiet"));
        byte[] before = Files.readAllBytes(runDir.resolve("metrics.jsonl"));
        assertEquals(2, cli.run("train", config(dir, TINY).toString(), "--out", runDir.toString(), "--quiet"));
        assertTrue(cli.err().contains("already holds a run"), cli.err());
        assertEquals(new String(before), Files.readString(runDir.resolve("metrics.jsonl")));
    }

    @Test
    void infoListsBackends() throws Exception {
        assertEquals(0, cli.run("info"));
        String text = cli.out();
        assertTrue(text.contains("reference"), text);
        JsonNode json = cli.lastJsonLine();
        assertTrue(json.get("backends").size() >= 2);
        // grokcap-tornado is not on this class path: info still names tornado, and says why not
        assertTrue(text.lines().anyMatch(l -> l.contains("tornado") && l.contains("UNAVAILABLE")), text);
    }
}
