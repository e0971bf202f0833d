package org.grokcap.cli;

import org.grokcap.run.RunDirectory;
import org.grokcap.model.Safetensors;
import org.grokcap.io.SimulatedDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each kind of bad input or failing environment gets one clear line, a non-zero exit and no stack
 * trace, and loses nothing already written.
 */
class HostileInputTest {
    private static final String TINY = """
            {"name":"tiny","task":{"type":"modular","p":7,"trainFraction":0.5},
             "model":{"dModel":16,"heads":2,"dMlp":32},
             "train":{"steps":120,"batchSize":4,"evalEvery":5,"optimizer":{"lr":0.003,"weightDecay":0.1}}}""";

    private final CommandRun cli = new CommandRun();

    private void assertOneLineError(int expectedExit, int exit, String... fragments) {
        assertEquals(expectedExit, exit, cli.err());
        String e = cli.err().strip();
        assertFalse(e.contains("\n"), "one line: " + e);
        assertFalse(e.contains("\tat "), "no stack trace: " + e);
        for (String f : fragments) {
            assertTrue(e.contains(f), "'" + f + "' in: " + e);
        }
    }

    private static Path config(Path dir, String json) throws Exception {
        Path f = dir.resolve("c.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void twoRunsCannotWriteOneDirectory(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        try (RunDirectory held = RunDirectory.create(runDir)) {
            assertOneLineError(2, cli.run("train", config(dir, TINY).toString(), "--out", runDir.toString(), "--quiet"),
                    "run directory " + runDir, "is in use by another grokcap run");
            assertEquals(List.of(RunDirectory.LOCK), list(runDir), "the second run wrote nothing");
        }
        assertEquals(0, cli.run("train", config(dir, TINY).toString(), "--out", runDir.toString(), "--quiet",
                "--max-steps", "3"), "free again once the first is closed: " + cli.err());
    }

    @Test
    void aFullDiskStopsTheRunAndKeepsEarlierCheckpoints(@TempDir Path dir) throws Exception {
        Path whole = dir.resolve("whole");
        assertEquals(0, cli.run("train", config(dir, TINY).toString(), "--out", whole.toString(), "--quiet",
                "--checkpoint-every", "20"), cli.err());
        long checkpointBytes = Files.size(whole.resolve(RunDirectory.CHECKPOINTS).resolve("step-000000100.safetensors"));

        Path full = dir.resolve("full");
        int exit;
        // Room for run.json, the metrics and two checkpoints, but not a third.
        try (Closeable disk = SimulatedDisk.limit(2 * checkpointBytes + checkpointBytes / 2)) {
            exit = cli.run("train", config(dir, TINY).toString(), "--out", full.toString(), "--quiet",
                    "--checkpoint-every", "20");
        }
        Path cdir = full.resolve(RunDirectory.CHECKPOINTS);
        assertOneLineError(1, exit, "writing checkpoint " + cdir.resolve("step-000000060.safetensors"),
                "No space left on device", "the last good checkpoint is " + cdir.resolve("step-000000040.safetensors"));
        assertEquals(List.of("step-000000020.safetensors", "step-000000040.safetensors"), list(cdir),
                "earlier checkpoints intact, no temporary or half-written file");
        assertFalse(Files.exists(full.resolve(RunDirectory.WEIGHTS)));

        // Space again: the run continues from its last good checkpoint and ends as if never stopped.
        assertEquals(0, cli.run("train", "--resume", full.toString(), "--quiet"), cli.err());
        assertArrayEquals(Files.readAllBytes(whole.resolve(RunDirectory.METRICS)),
                Files.readAllBytes(full.resolve(RunDirectory.METRICS)));
        assertEquals(Safetensors.read(whole.resolve(RunDirectory.WEIGHTS)).tensors(),
                Safetensors.read(full.resolve(RunDirectory.WEIGHTS)).tensors());
    }

    @Test
    void damagedCheckpointsAreNamedAndLeftAlone(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        assertEquals(0, cli.run("train", config(dir, TINY).toString(), "--out", runDir.toString(), "--quiet",
                "--checkpoint-every", "50"), cli.err());
        asIfKilledBeforeItsWeights(runDir); // after the last checkpoint
        Path newest = runDir.resolve(RunDirectory.CHECKPOINTS).resolve("step-000000100.safetensors");
        byte[] good = Files.readAllBytes(newest);
        Safetensors.Contents contents = Safetensors.read(newest);

        expectResumeError(runDir, newest, () -> Files.write(newest, Arrays.copyOf(good, good.length - 100)),
                newest.toString(), "data section");
        expectResumeError(runDir, newest, () -> Files.write(newest, Arrays.copyOf(good, 5)),
                newest.toString(), "too short");
        expectResumeError(runDir, newest, () -> rewrite(newest, contents, t -> t.put("adam.m.wte",
                        new Safetensors.Tensor("adam.m.wte", new int[]{7, 16}, new float[7 * 16]))),
                newest.toString(), "tensor 'adam.m.wte': expected shape [8, 16], found [7, 16]");
        expectResumeError(runDir, newest, () -> rewrite(newest, contents, t -> t.remove("adam.v.unembed.weight")),
                newest.toString(), "missing tensor 'adam.v.unembed.weight'");
        expectResumeError(runDir, newest, () -> rewrite(newest, contents, t -> {
                    float[] d = t.get("layers.0.mlp.fc.weight").data().clone();
                    d[3] = Float.NaN;
                    t.put("layers.0.mlp.fc.weight", new Safetensors.Tensor("layers.0.mlp.fc.weight", new int[]{32, 16}, d));
                }), newest.toString(), "non-finite value in tensor 'layers.0.mlp.fc.weight' (element 3 = NaN)");
        expectResumeError(runDir, newest, () -> rewrite(newest, contents, t -> {
                    Safetensors.Tensor o = t.get("batch.order");
                    float[] d = o.data().clone();
                    d[1] = d[0];
                    t.put("batch.order", new Safetensors.Tensor("batch.order", o.shape(), d));
                }), newest.toString(), "'batch.order' is not a permutation");

        // A damaged metrics file cannot be continued exactly either.
        Path metrics = runDir.resolve(RunDirectory.METRICS);
        byte[] rows = Files.readAllBytes(metrics);
        Files.write(metrics, Arrays.copyOf(rows, 10));
        assertOneLineError(2, cli.run("train", "--resume", runDir.toString(), "--quiet"), metrics.toString(),
                "fewer than the");
        Files.write(metrics, rows);
        assertArrayEquals(good, Files.readAllBytes(newest), "the checkpoint itself is never modified");
        assertEquals(0, cli.run("train", "--resume", runDir.toString(), "--quiet"), "the repaired run resumes: " + cli.err());
        assertOneLineError(2, cli.run("train", "--resume", runDir.toString(), "--quiet"), "already finished");
    }

    private interface IoAction {
        void run() throws Exception;
    }

    private void expectResumeError(Path runDir, Path file, IoAction damage, String... fragments) throws Exception {
        byte[] good = Files.readAllBytes(file);
        damage.run();
        byte[] damaged = Files.readAllBytes(file);
        byte[] metrics = Files.readAllBytes(runDir.resolve(RunDirectory.METRICS));
        assertOneLineError(2, cli.run("train", "--resume", runDir.toString(), "--quiet"), fragments);
        assertArrayEquals(damaged, Files.readAllBytes(file), "the bad checkpoint is left for inspection");
        assertArrayEquals(metrics, Files.readAllBytes(runDir.resolve(RunDirectory.METRICS)), "metrics untouched");
        Files.write(file, good);
    }

    private static void rewrite(Path file, Safetensors.Contents contents,
                                Consumer<Map<String, Safetensors.Tensor>> change) throws Exception {
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>(contents.tensors());
        change.accept(tensors);
        Safetensors.write(file, List.copyOf(tensors.values()), contents.metadata());
    }

    @Test
    void hostileConfigsNameTheField(@TempDir Path dir) throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("\"train\":{\"optimizer\":{\"lr\":\"NaN\"}}", "train.optimizer.lr = NaN: must be in (0.0, 10.0)");
        cases.put("\"train\":{\"optimizer\":{\"weightDecay\":-1}}", "train.optimizer.weightDecay = -1.0: must be a finite number");
        cases.put("\"train\":{\"optimizer\":{\"gradClip\":1e400}}", "train.optimizer.gradClip = Infinity");
        cases.put("\"train\":{\"steps\":-5}", "train.steps = -5: must be in [1, 1000000000]");
        cases.put("\"train\":{\"steps\":1000000000000}", "train.steps: Numeric value (1000000000000) out of range of int");
        cases.put("\"train\":{\"steps\":1e12}", "train.steps = 1.0E12: must be a whole number");
        cases.put("\"model\":{\"dModel\":-8}", "model.dModel = -8: must be in [1, 65536]");
        cases.put("\"model\":{\"layers\":256,\"dModel\":65536,\"heads\":1,\"dMlp\":65536}", "model too large for one flat buffer");
        cases.put("\"model\":{\"layers\":1,\"dModel\":8192,\"heads\":1,\"dMlp\":32768}", "more than the JVM's");
        cases.put("\"train\":{\"evalBatchSize\":4194304}", "too large for one buffer");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path runDir = dir.resolve("r");
            Path f = config(dir, "{\"task\":{\"type\":\"modular\",\"p\":7}," + c.getKey() + "}");
            assertOneLineError(2, cli.run("train", f.toString(), "--out", runDir.toString(), "--quiet"), c.getValue());
            assertFalse(Files.exists(runDir.resolve(RunDirectory.RUN_JSON)), "nothing written for " + c.getKey());
        }
    }

    @Test
    void missingFilesAreBadInput(@TempDir Path dir) throws Exception {
        assertOneLineError(2, cli.run("train", "--resume", dir.resolve("nope").toString()), "run directory not found");
        assertOneLineError(2, cli.run("train", "--resume", dir.toString()), "is not a run directory (it has no run.json)");
        Path runDir = dir.resolve("run");
        assertEquals(0, cli.run("train", config(dir, TINY).toString(), "--out", runDir.toString(), "--quiet", "--max-steps", "3"));
        asIfKilledBeforeItsWeights(runDir);
        Files.writeString(runDir.resolve(RunDirectory.RUN_JSON), "{\"result\": null}");
        assertOneLineError(2, cli.run("train", "--resume", runDir.toString()), "has no config and provenance to "
                + "restart the run from");
    }

    /** A finished run as it was before its final weights: no weights, no plots, no result. */
    static void asIfKilledBeforeItsWeights(Path runDir) throws Exception {
        Files.delete(runDir.resolve(RunDirectory.WEIGHTS));
        FinishEveryRunTest.deleteTree(runDir.resolve(RunDirectory.PLOTS));
        com.fasterxml.jackson.databind.node.ObjectNode record = (com.fasterxml.jackson.databind.node.ObjectNode)
                org.grokcap.io.Json.mapper().readTree(runDir.resolve(RunDirectory.RUN_JSON).toFile());
        record.remove(RunDirectory.RESULT);
        Files.writeString(runDir.resolve(RunDirectory.RUN_JSON), record.toPrettyString());
    }

    private static List<String> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
