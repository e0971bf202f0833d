package org.grokcap.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private JsonNode lastLine() throws Exception {
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        return Json.mapper().readTree(lines[lines.length - 1]);
    }

    @Test
    void dryRunThenShardThenTheRestSkippingWhatIsDone(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("base.json"), """
                {"task":{"type":"modular","p":7,"trainFraction":0.5},
                 "model":{"dModel":16,"heads":2,"dMlp":32},"train":{"steps":2}}""");
        Path sweep = dir.resolve("seeds.yaml");
        Files.writeString(sweep, "base: base.json\ngrid:\n  train.seed: [0, 1, 2]\n");
        String outDir = dir.resolve("out").toString();

        assertEquals(0, run("sweep", sweep.toString(), "--out", outDir, "--dry-run", "--shard", "0/2"), err.toString());
        JsonNode plan = lastLine();
        assertEquals(3, plan.get("runs").asInt());
        assertEquals(2, plan.get("selected").asInt(), "runs 0 and 2 of 3");
        assertEquals("new", plan.at("/plan/0/state").asText());
        assertTrue(Files.notExists(Path.of(outDir)), "a dry run writes nothing");

        assertEquals(0, run("sweep", sweep.toString(), "--out", outDir, "--shard", "0/2", "--quiet", "--threads", "1"), err.toString());
        assertEquals(2, lastLine().get("trained").asInt());
        assertEquals(0, run("sweep", sweep.toString(), "--out", outDir, "--quiet", "--threads", "1"), err.toString());
        assertEquals(1, lastLine().get("trained").asInt());
        assertEquals(2, lastLine().get("alreadyFinished").asInt());
    }

    @Test
    void badShardArgumentsAreBadInput(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("base.json"), "{\"task\":{\"type\":\"modular\",\"p\":7}}");
        Path sweep = dir.resolve("s.yaml");
        Files.writeString(sweep, "base: base.json\ngrid:\n  train.seed: [0, 1]\n");
        assertEquals(2, run("sweep", sweep.toString(), "--shard", "2/2", "--dry-run"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("error: shard index 2: must be from 0 to 1"), err.toString());
        assertEquals(2, run("sweep", dir.resolve("none.yaml").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("error: config file not found"), err.toString());
    }
}
