package org.grokcap.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        assertEquals(0, cli.run("sweep", "report", out.toString(), "--split", "train"), cli.err());
        assertEquals("train", org.grokcap.io.Json.mapper().readTree(out.resolve("comparison-train.json").toFile())
                .get("split").asText());
        assertEquals(md, Files.readString(out.resolve("comparison.md")), "the test split's comparison stays");
        assertEquals(2, cli.run("sweep", "report", out.toString(), "--split", "test_inferred_id"));
        assertTrue(cli.err().startsWith("error: --split = test_inferred_id: no run under "), cli.err());
        assertEquals(2, cli.run("sweep", "report", out.toString(), "--split", "../x"));
        assertTrue(cli.err().startsWith("error: --split = ../x: a split's name"), cli.err());
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

    @Test
    void togetherGroupsTheRunsSaysWhichTrainApartAndMatchesTheSweepRunOneByOne(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("base.json"), """
                {"task":{"type":"modular","p":7,"trainFraction":0.5},
                 "model":{"dModel":16,"heads":2,"dMlp":32},"train":{"steps":6}}""");
        Path sweep = dir.resolve("grid.yaml");
        Files.writeString(sweep, "base: base.json\ncheckpointEvery: 2\ngrid:\n  model.dModel: [16, 32]\n"
                + "  train.seed: [0, 1, 2]\n");
        Path together = dir.resolve("together");
        assertEquals(0, cli.run("sweep", sweep.toString(), "--out", together.toString(), "--together", "2", "--threads",
                "2"), cli.err());
        assertEquals(6, cli.lastJsonLine().get("trained").asInt());
        List<String> apart = cli.out().lines().filter(l -> l.contains(": group 2, not with ")).toList();
        assertEquals(3, apart.size(), cli.out());
        assertTrue(apart.get(0).endsWith(": model.dModel is 32, not 16"), apart.get(0));
        assertEquals(4, cli.out().lines().filter(l -> l.startsWith("together: ") && l.contains(" on 2 threads")).count(),
                "two groups of 3, 2 at a time: " + cli.out());

        Path oneByOne = dir.resolve("one-by-one");
        assertEquals(0, cli.run("sweep", sweep.toString(), "--out", oneByOne.toString(), "--quiet", "--threads", "2"),
                cli.err());
        List<Path> runs;
        try (var list = Files.list(together)) {
            runs = list.filter(d -> Files.exists(d.resolve("run.json"))).toList();
        }
        assertEquals(6, runs.size());
        for (Path run : runs) {
            org.grokcap.run.PopulationSessionTest.assertSameRun(oneByOne.resolve(run.getFileName()), run);
        }

        // an interrupted run resumes from its checkpoint, a run never started trains, the rest are skipped
        Path resumed = runs.get(0);
        byte[] metrics = Files.readAllBytes(resumed.resolve("metrics.jsonl"));
        Files.delete(resumed.resolve("weights.safetensors"));
        com.fasterxml.jackson.databind.node.ObjectNode record = (com.fasterxml.jackson.databind.node.ObjectNode)
                org.grokcap.io.Json.mapper().readTree(resumed.resolve("run.json").toFile());
        record.remove("result");
        org.grokcap.io.Json.writePretty(resumed.resolve("run.json"), record);
        deleteTree(runs.get(1));
        assertEquals(0, cli.run("sweep", sweep.toString(), "--out", together.toString(), "--together", "--threads", "2"),
                cli.err());
        JsonNode summary = cli.lastJsonLine();
        assertEquals(List.of(1, 1, 4), List.of(summary.get("resumed").asInt(), summary.get("trained").asInt(),
                summary.get("alreadyFinished").asInt()), cli.out());
        assertArrayEquals(metrics, Files.readAllBytes(resumed.resolve("metrics.jsonl")));
        org.grokcap.run.PopulationSessionTest.assertSameRun(oneByOne.resolve(runs.get(1).getFileName()), runs.get(1));
    }

    @Test
    void togetherTakesACountOfAtLeastOne(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("base.json"), "{\"task\":{\"type\":\"modular\",\"p\":7}}");
        Path sweep = dir.resolve("s.yaml");
        Files.writeString(sweep, "base: base.json\ngrid:\n  train.seed: [0, 1]\n");
        assertEquals(2, cli.run("sweep", sweep.toString(), "--together", "0"));
        assertTrue(cli.err().startsWith("error: --together = 0: must be at least 1"), cli.err());
    }

    @Test
    void benchModelsTimesTheModelsTogetherBesideOneAfterAnother() throws Exception {
        String home = System.getProperty("grokcap.home");
        System.setProperty("grokcap.home", ".."); // conf/ of the checkout, as the launcher names it
        JsonNode r;
        try {
            assertEquals(0, cli.run("bench", "modular-addition", "--models", "2", "--epochs", "2", "--warmup", "1",
                    "--threads", "2"), cli.err());
            r = cli.lastJsonLine();
            assertEquals(0, cli.run("bench", "modular-addition", "--models", "2", "--together-only", "--epochs", "2",
                    "--warmup", "1", "--threads", "2"), cli.err());
            JsonNode together = cli.lastJsonLine();
            assertTrue(together.get("together_ms_per_epoch").asDouble() > 0, together.toString());
            assertFalse(together.has("one_after_another_ms_per_epoch") || together.has("speedup"), together.toString());
            assertFalse(cli.out().contains("one after another"), cli.out());
        } finally {
            if (home == null) {
                System.clearProperty("grokcap.home");
            } else {
                System.setProperty("grokcap.home", home);
            }
        }
        assertEquals(2, r.get("models").asInt());
        assertEquals(r.get("together_ms_per_epoch").asDouble() / 2, r.get("together_ms_per_model_epoch").asDouble(), 1e-9);
        assertEquals(r.get("one_after_another_ms_per_epoch").asDouble() / r.get("together_ms_per_epoch").asDouble(),
                r.get("speedup").asDouble(), 1e-9);
        assertTrue(r.get("together_ms_per_epoch").asDouble() > 0, r.toString());
        assertEquals(2, cli.run("bench", "gpt2-small-cpu", "--models", "2"));
        assertTrue(cli.err().startsWith("error: --models: bench gpt2-small-cpu"), cli.err());
        assertEquals(2, cli.run("bench", "modular-addition", "--together-only"));
        assertTrue(cli.err().startsWith("error: --together-only goes with --models K"), cli.err());
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
