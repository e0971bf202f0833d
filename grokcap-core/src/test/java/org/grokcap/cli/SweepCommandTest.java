package org.grokcap.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepCommandTest {
    private final CommandRun cli = new CommandRun();

    @Test
    void dryRunThenShardThenTheRestSkippingWhatIsDone(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("base.json"), """
                {"task":{"type":"modular","p":7,"trainFraction":0.5},
                 "model":{"dModel":16,"heads":2,"dMlp":32},"train":{"steps":2}}""");
        Path sweep = dir.resolve("seeds.yaml");
        Files.writeString(sweep, "base: base.json\ngrid:\n  train.seed: [0, 1, 2]\n");
        String outDir = dir.resolve("out").toString();

        assertEquals(0, cli.run("sweep", sweep.toString(), "--out", outDir, "--dry-run", "--shard", "0/2"), cli.err());
        JsonNode plan = cli.lastJsonLine();
        assertEquals(3, plan.get("runs").asInt());
        assertEquals(2, plan.get("selected").asInt(), "runs 0 and 2 of 3");
        assertEquals("new", plan.at("/plan/0/state").asText());
        assertTrue(Files.notExists(Path.of(outDir)), "a dry run writes nothing");

        assertEquals(0, cli.run("sweep", sweep.toString(), "--out", outDir, "--shard", "0/2", "--quiet", "--threads", "1"), cli.err());
        assertEquals(2, cli.lastJsonLine().get("trained").asInt());
        assertEquals(0, cli.run("sweep", sweep.toString(), "--out", outDir, "--quiet", "--threads", "1"), cli.err());
        assertEquals(1, cli.lastJsonLine().get("trained").asInt());
        assertEquals(2, cli.lastJsonLine().get("alreadyFinished").asInt());
    }

    @Test
    void maxStepsCapsEveryRunOfTheSweep(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("base.json"), """
                {"task":{"type":"modular","p":7,"trainFraction":0.5},
                 "model":{"dModel":16,"heads":2,"dMlp":32},"train":{"steps":500}}""");
        Path sweep = dir.resolve("seeds.yaml");
        Files.writeString(sweep, "base: base.json\ngrid:\n  train.seed: [0, 1]\n");
        Path out = dir.resolve("out");
        assertEquals(0, cli.run("sweep", sweep.toString(), "--out", out.toString(), "--max-steps", "3", "--quiet"),
                cli.err());
        assertEquals(2, cli.lastJsonLine().get("trained").asInt());
        try (var runs = Files.list(out)) {
            var finished = runs.filter(d -> Files.exists(d.resolve("run.json"))).toList();
            assertEquals(2, finished.size(), finished.toString());
            for (Path run : finished) {
                JsonNode record = org.grokcap.io.Json.mapper().readTree(run.resolve("run.json").toFile());
                assertEquals(3, record.at("/result/steps").asInt(), run.toString());
                assertEquals(3, record.at("/config/train/steps").asInt(), run.toString());
            }
        }
        assertEquals(2, cli.run("sweep", sweep.toString(), "--out", out.toString(), "--max-steps", "0"));
        assertTrue(cli.err().startsWith("error: --max-steps"), cli.err());
    }

    @Test
    void badShardArgumentsAreBadInput(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("base.json"), "{\"task\":{\"type\":\"modular\",\"p\":7}}");
        Path sweep = dir.resolve("s.yaml");
        Files.writeString(sweep, "base: base.json\ngrid:\n  train.seed: [0, 1]\n");
        assertEquals(2, cli.run("sweep", sweep.toString(), "--shard", "2/2", "--dry-run"));
        assertTrue(cli.err().startsWith("error: shard index 2: must be from 0 to 1"), cli.err());
        assertEquals(2, cli.run("sweep", dir.resolve("none.yaml").toString()));
        assertTrue(cli.err().startsWith("error: config file not found"), cli.err());
    }
}
