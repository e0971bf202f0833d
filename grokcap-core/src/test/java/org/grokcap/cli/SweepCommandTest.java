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
    void aSweepOfVariantsEndsWithItsComparisonAndSweepReportRedoesIt(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("base.json"), """
                {"task":{"type":"modular","p":7,"trainFraction":0.5},
                 "model":{"dModel":16,"heads":2,"dMlp":32},"train":{"steps":4,"evalEvery":1}}""");
        Path sweep = dir.resolve("methods.yaml");
        Files.writeString(sweep, """
                base: base.json
                variants:
                  wd0: {train.optimizer.weightDecay: 0.0}
                  adamw: {}
                grid:
                  train.seed: [0, 1]
                """);
        Path out = dir.resolve("out");
        assertEquals(0, cli.run("sweep", sweep.toString(), "--out", out.toString(), "--dry-run"), cli.err());
        assertEquals("adamw", cli.lastJsonLine().at("/plan/2/variant").asText());
        assertTrue(cli.lastJsonLine().at("/plan/2/id").asText().startsWith("adamw_seed-0-"));

        assertEquals(0, cli.run("sweep", sweep.toString(), "--out", out.toString(), "--quiet", "--threads", "1"), cli.err());
        assertEquals(4, cli.lastJsonLine().get("trained").asInt(), "the summary stays the last line");
        assertTrue(cli.out().contains("compared [wd0, adamw]"), "in the sweep file's order: " + cli.out());
        String md = Files.readString(out.resolve("comparison.md"));
        assertTrue(md.contains("| adamw | 2 (2) | ") && md.contains("| wd0 | 2 (2) | "), md);
        JsonNode comparison = org.grokcap.io.Json.mapper().readTree(out.resolve("comparison.json").toFile());
        assertEquals("adamw", comparison.at("/methods/1/name").asText());
        assertEquals(2, comparison.at("/methods/1/runIds").size());
        assertEquals(3.0, comparison.at("/methods/1/lastEpoch/median").asDouble(), "steps 0 to 3 are evaluated");
        assertTrue(Files.size(out.resolve("comparison-test-accuracy.png")) > 0);
        String html = Files.readString(out.resolve("report/index.html"));
        assertTrue(html.contains("methods compared over seeds") && html.contains("<td class=\"l\">wd0</td>"));
        JsonNode marker = org.grokcap.io.Json.mapper().readTree(
                out.resolve(comparison.at("/methods/1/runIds/0").asText()).resolve("sweep-run.json").toFile());
        assertEquals("adamw", marker.get("variant").asText());
        assertEquals("adamw", org.grokcap.io.Json.mapper().readTree(out.resolve("methods.sweep.json").toFile())
                .at("/runs/2/variant").asText());

        Files.delete(out.resolve("comparison.md"));
        assertEquals(0, cli.run("sweep", "report", out.toString()), cli.err());
        assertEquals(md, Files.readString(out.resolve("comparison.md")));
        assertEquals(4, cli.lastJsonLine().get("runs").asInt());
        assertEquals(2, cli.run("sweep", "report", dir.resolve("none").toString()));
        assertTrue(cli.err().startsWith("error: not a folder: "), cli.err());
        assertEquals(0, cli.run("sweep", "report", "--help"));
        assertTrue(cli.out().contains("usage: grokcap sweep report SWEEP_DIR"), cli.out());
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
