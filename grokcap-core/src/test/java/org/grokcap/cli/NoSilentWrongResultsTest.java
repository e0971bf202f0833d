package org.grokcap.cli;

import org.grokcap.run.RunDirectory;
import org.grokcap.model.Safetensors;
import org.grokcap.sweep.SweepRunner;
import org.grokcap.run.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17, item 5: input that used to give a wrong result quietly (a dropped seed, a truncated
 * number, an overwritten export, metrics cut by a tampered checkpoint) is now one clear error line.
 */
class NoSilentWrongResultsTest {
    static final String TINY = """
            {"name":"tiny","task":{"type":"modular","p":7,"trainFraction":0.5},
             "model":{"dModel":16,"heads":2,"dMlp":32},
             "train":{"steps":30,"batchSize":4,"evalEvery":5,"optimizer":{"lr":0.003,"weightDecay":0.1}}}""";

    private final CommandRun cli = new CommandRun();

    private void assertOneLineError(int exit, String... fragments) {
        assertEquals(2, exit, cli.err());
        String e = cli.err().strip();
        assertFalse(e.contains("\n"), "one line: " + e);
        assertFalse(e.contains("\tat "), "no stack trace: " + e);
        for (String f : fragments) {
            assertTrue(e.contains(f), "'" + f + "' in: " + e);
        }
    }

    private static Path write(Path dir, String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void aSweepThatSetsAFieldAndItsSectionIsAnError(@TempDir Path dir) throws Exception {
        write(dir, "base.json", TINY);
        // The whole 'train' section would replace train.seed: both seeds would train the same run.
        Path grid = write(dir, "grid.yaml", """
                base: base.json
                grid:
                  train.seed: [0, 1]
                  train: [{steps: 3, evalEvery: 1}]
                """);
        assertOneLineError(cli.run("sweep", grid.toString(), "--dry-run"), "grid.yaml",
                "both 'train' and 'train.seed'");
        Path mixed = write(dir, "mixed.yaml", """
                base: base.json
                grid:
                  train: [{steps: 3, evalEvery: 1}, {steps: 4, evalEvery: 1}]
                random: {seed: 1, draws: 2, fields: {train.optimizer.lr: {logUniform: [0.001, 0.01]}}}
                """);
        assertOneLineError(cli.run("sweep", mixed.toString(), "--dry-run"), "mixed.yaml",
                "both 'train' and 'train.optimizer.lr'");
    }

    @Test
    void integerFieldsRejectFractions(@TempDir Path dir) throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("\"train\":{\"steps\":1.5}", "train.steps = 1.5: must be a whole number");
        cases.put("\"model\":{\"dModel\":16.25}", "model.dModel = 16.25: must be a whole number");
        cases.put("\"train\":{\"batchSize\":2.5}", "train.batchSize = 2.5: must be a whole number");
        cases.put("\"task\":{\"type\":\"modular\",\"p\":7.9}", "task.p = 7.9: must be a whole number");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String json = c.getKey().startsWith("\"task\"") ? "{" + c.getKey() + "}"
                    : "{\"task\":{\"type\":\"modular\",\"p\":7}," + c.getKey() + "}";
            Path runDir = dir.resolve("r");
            assertOneLineError(cli.run("train", write(dir, "c.json", json).toString(), "--out", runDir.toString(),
                    "--quiet"), c.getValue());
            assertFalse(Files.exists(runDir), "nothing written for " + c.getKey());
        }
        // YAML, and a sweep grid's values, are read the same way.
        write(dir, "base.json", TINY);
        assertOneLineError(cli.run("train", write(dir, "c.yaml", "task: {type: modular, p: 7}\ntrain: {steps: 2.5}\n")
                .toString(), "--out", dir.resolve("y").toString(), "--quiet"), "train.steps = 2.5: must be a whole number");
        assertOneLineError(cli.run("sweep", write(dir, "s.yaml", "base: base.json\ngrid:\n  train.steps: [3, 4.5]\n")
                .toString(), "--dry-run"), "train.steps = 4.5: must be a whole number");
        // Whole numbers written as such still load.
        assertEquals(0, cli.run("train", write(dir, "ok.json", "{\"task\":{\"type\":\"modular\",\"p\":7},"
                + "\"model\":{\"dModel\":16,\"heads\":2,\"dMlp\":32},\"train\":{\"steps\":2}}").toString(),
                "--out", dir.resolve("ok").toString(), "--quiet"), cli.err());
    }

    @Test
    void exportNeverOverwritesAnExport(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        assertEquals(0, cli.run("train", write(dir, "c.json", TINY).toString(), "--out", run.toString(), "--quiet"),
                cli.err());
        Path out = dir.resolve("hf");
        assertEquals(0, cli.run("export", run.toString(), "--out", out.toString()), cli.err());
        byte[] weights = Files.readAllBytes(out.resolve("model.safetensors"));
        byte[] config = Files.readAllBytes(out.resolve("config.json"));
        assertOneLineError(cli.run("export", run.toString(), "--out", out.toString()), out.toString(),
                "already holds", "choose another --out");
        assertArrayEquals(weights, Files.readAllBytes(out.resolve("model.safetensors")));
        assertArrayEquals(config, Files.readAllBytes(out.resolve("config.json")));

        // Either file alone is an export too (one half of another model).
        Path half = dir.resolve("half");
        Files.createDirectories(half);
        Files.writeString(half.resolve("config.json"), "{\"mine\":true}");
        assertOneLineError(cli.run("export", run.toString(), "--out", half.toString()), "config.json");
        assertEquals("{\"mine\":true}", Files.readString(half.resolve("config.json")));
        assertFalse(Files.exists(half.resolve("model.safetensors")));
    }

    @Test
    void aTamperedMetricsPositionCannotCutCoveredRows(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        assertEquals(0, cli.run("train", write(dir, "c.json", TINY).toString(), "--out", run.toString(), "--quiet",
                "--checkpoint-every", "20"), cli.err());
        HostileInputTest.asIfKilledBeforeItsWeights(run); // after the checkpoint of step 20
        Path checkpoint = run.resolve(RunDirectory.CHECKPOINTS).resolve("step-000000020.safetensors");
        Safetensors.Contents contents = Safetensors.read(checkpoint);
        long recorded = Long.parseLong(contents.metadata().get(Checkpoint.METRICS_BYTES));
        Path metrics = run.resolve(RunDirectory.METRICS);
        byte[] rows = Files.readAllBytes(metrics);
        String text = new String(rows, java.nio.charset.StandardCharsets.UTF_8);
        long firstRow = text.indexOf('\n') + 1;
        long afterNext = text.indexOf('\n', (int) recorded) + 1;
        for (long tampered : List.of(0L, firstRow, recorded - 3, recorded + 1, afterNext)) {
            Map<String, String> meta = new LinkedHashMap<>(contents.metadata());
            meta.put(Checkpoint.METRICS_BYTES, Long.toString(tampered));
            Safetensors.write(checkpoint, List.copyOf(contents.tensors().values()), meta);
            assertOneLineError(cli.run("train", "--resume", run.toString(), "--quiet"), checkpoint.toString(),
                    "metricsBytes = " + tampered, "after the metrics row of step 15");
            assertArrayEquals(rows, Files.readAllBytes(metrics), "no row cut for metricsBytes = " + tampered);
        }
        Safetensors.write(checkpoint, List.copyOf(contents.tensors().values()), contents.metadata());
        assertEquals(0, cli.run("train", "--resume", run.toString(), "--quiet"), cli.err());
        assertArrayEquals(rows, Files.readAllBytes(metrics), "the resumed run made the same rows again");
    }

    @Test
    void aCorruptRunJsonIsOneLine(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        assertEquals(0, cli.run("train", write(dir, "c.json", TINY).toString(), "--out", run.toString(), "--quiet",
                "--checkpoint-every", "20"), cli.err());
        Path record = run.resolve(RunDirectory.RUN_JSON);
        byte[] good = Files.readAllBytes(record);
        for (String bad : List.of("{\"config\": [", "[1, 2]", "null", "", "\"text\"", "{\"config\":1} trailing")) {
            Files.writeString(record, bad);
            assertOneLineError(cli.run("report", run.toString(), "--out", dir.resolve("report").toString()),
                    record.toString());
            assertOneLineError(cli.run("analyze", run.toString()), record.toString());
            assertOneLineError(cli.run("train", "--resume", run.toString(), "--quiet"), record.toString());
            assertEquals(bad, Files.readString(record), "left for inspection");
        }
        // A sweep's run directory with a broken run.json.
        write(dir, "base.json", TINY);
        Path sweepFile = write(dir, "s.yaml", "base: base.json\ngrid:\n  train.seed: [0]\n  train.steps: [2]\n");
        Path out = dir.resolve("sweep");
        assertEquals(0, cli.run("sweep", sweepFile.toString(), "--out", out.toString(), "--quiet"), cli.err());
        Path runJson;
        try (var s = Files.list(out)) {
            runJson = s.filter(Files::isDirectory).filter(d -> Files.exists(d.resolve(SweepRunner.SWEEP_RUN)))
                    .findFirst().orElseThrow().resolve(RunDirectory.RUN_JSON);
        }
        Files.writeString(runJson, "[]");
        assertOneLineError(cli.run("sweep", sweepFile.toString(), "--out", out.toString(), "--quiet"), runJson.toString());
        Files.write(record, good);
    }

    @Test
    void errorLinesAreCapped(@TempDir Path dir) throws Exception {
        String huge = "x".repeat(300_000);
        Path runDir = dir.resolve("r");
        for (String json : List.of("{\"task\":{\"type\":\"modular\",\"p\":7},\"" + huge + "\":1}",
                "{\"task\":{\"type\":\"modular\",\"p\":7},\"train\":{\"steps\":\"" + huge + "\"}}",
                "{\"task\":{\"type\":\"" + huge + "\"}}")) {
            int exit = cli.run("train", write(dir, "c.json", json).toString(), "--out", runDir.toString(), "--quiet");
            assertOneLineError(exit, "c.json");
            assertTrue(cli.err().length() < 1200, "capped: " + cli.err().length() + " characters");
        }
        assertEquals(2, cli.run("train", huge));
        assertTrue(cli.err().length() < 1200, "capped: " + cli.err().length() + " characters");
        assertTrue(cli.err().contains("characters left out"), cli.err());
    }
}
