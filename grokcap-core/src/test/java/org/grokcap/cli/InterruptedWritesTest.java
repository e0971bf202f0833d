package org.grokcap.cli;

import org.grokcap.run.RunDirectory;
import org.grokcap.model.Safetensors;
import org.grokcap.sweep.SweepRunner;
import org.grokcap.run.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17, item 3: interrupted writes leave nothing behind, and SIGTERM or SIGINT stop a run at a
 * step boundary with a checkpoint and one line that says how to continue.
 */
class InterruptedWritesTest {
    /** As in {@link KillAndResumeTest}: long enough to be signalled mid-run, a few seconds in all. */
    // 20,000 tiny steps: a signal sent after the first 20 metrics rows must find the run still going
    // (with 2,000 steps a fast machine finished the run between the rows and the signal)
    static final String CONFIG = """
            {"name":"stop","task":{"type":"modular","p":11,"trainFraction":0.5},
             "model":{"dModel":16,"heads":2,"dMlp":32},
             "train":{"seed":5,"steps":20000,"batchSize":8,"evalEvery":50,"optimizer":{"lr":0.003,"weightDecay":0.1}}}""";

    private final CommandRun cli = new CommandRun();

    @Test
    void temporaryFilesOfInterruptedWritesAreRemoved(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tiny.json");
        Files.writeString(config, NoSilentWrongResultsTest.TINY);
        Path run = dir.resolve("run");
        assertEquals(0, cli.run("train", config.toString(), "--out", run.toString(), "--quiet", "--checkpoint-every", "10"),
                cli.err());
        HostileInputTest.asIfKilledBeforeItsWeights(run);
        Path checkpoints = run.resolve(RunDirectory.CHECKPOINTS);
        List<Path> leftovers = List.of(run.resolve(".run.json.tmp-1f2e3d"),
                checkpoints.resolve(".step-000000030.safetensors.tmp-7a6b5c4d3e2f1a0b"),
                Files.createDirectories(run.resolve(RunDirectory.PLOTS)).resolve(".accuracy.png.tmp-abc"));
        for (Path f : leftovers) {
            Files.write(f, new byte[100_000]); // a checkpoint-sized remnant
        }
        Path notOurs = Files.writeString(checkpoints.resolve("notes.tmp-later.txt"), "kept");

        assertEquals(0, cli.run("train", "--resume", run.toString(), "--quiet"), cli.err());
        for (Path f : leftovers) {
            assertFalse(Files.exists(f), "removed: " + f);
        }
        assertTrue(Files.exists(notOurs), "only the temporary files of atomic writes are removed");

        // A sweep's folder is shared by its shards: only a remnant older than any write is removed.
        Files.writeString(dir.resolve("base.json"), NoSilentWrongResultsTest.TINY);
        Path sweep = Files.writeString(dir.resolve("s.yaml"), "base: base.json\ngrid: {train.seed: [1]}\n");
        Path out = Files.createDirectories(dir.resolve("out"));
        Path old = Files.write(out.resolve(".s.sweep.json.tmp-0123"), new byte[10]);
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(1, ChronoUnit.HOURS)));
        Path recent = Files.write(out.resolve(".s.sweep.json.tmp-4567"), new byte[10]);
        assertEquals(0, cli.run("sweep", sweep.toString(), "--out", out.toString(), "--quiet"), cli.err());
        assertFalse(Files.exists(old), "an old remnant is removed");
        assertTrue(Files.exists(recent), "another shard may be writing this one now");
    }

    @Test
    void sigtermAndSigintStopAtAStepBoundaryWithACheckpoint(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("stop.json"), CONFIG);
        Path whole = dir.resolve("whole");
        assertEquals(0, cli.run("train", config.toString(), "--out", whole.toString(), "--quiet", "--threads", "1"),
                cli.err());

        // SIGTERM to a run without a checkpoint interval: it writes one where it stops.
        Path stopped = dir.resolve("stopped");
        Path log = dir.resolve("term.log");
        Process child = ForkedCli.start(log, List.of(), "train", config.toString(), "--out", stopped.toString(),
                "--quiet", "--threads", "1");
        waitForRows(child, stopped, log);
        child.destroy(); // SIGTERM
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "stopped within a minute");
        assertEquals(143, child.exitValue(), "the signal's status: " + Files.readString(log));
        String line = lastLine(log);
        assertTrue(line.startsWith("stopped at update ") && line.endsWith("; continue with: grokcap train --resume "
                + stopped.toAbsolutePath()), "one line with the resume hint: " + Files.readString(log));
        List<Path> checkpoints = RunDirectory.checkpoints(stopped);
        assertEquals(1, checkpoints.size(), checkpoints.toString());
        int update = Integer.parseInt(line.substring("stopped at update ".length(), line.indexOf(' ', 18)));
        assertEquals(update, Checkpoint.readInfo(checkpoints.get(0)).step(), "the checkpoint of the step it stopped at");
        assertTrue(line.contains(checkpoints.get(0).toString()), line);
        assertFalse(Files.exists(stopped.resolve(RunDirectory.WEIGHTS)));

        assertEquals(0, cli.run("train", "--resume", stopped.toString(), "--quiet", "--threads", "1"), cli.err());
        assertSameRun(whole, stopped);

        // SIGINT (Ctrl-C) to a sweep: its run stops the same way, and the same command finishes it.
        Files.writeString(dir.resolve("base.json"), CONFIG);
        Path sweep = Files.writeString(dir.resolve("s.yaml"), "base: base.json\ngrid: {train.seed: [5]}\n");
        Path out = dir.resolve("out");
        log = dir.resolve("int.log");
        child = ForkedCli.start(log, List.of(), "sweep", sweep.toString(), "--out", out.toString(), "--quiet",
                "--threads", "1");
        Path sweepRun = waitForSweepRun(child, out, log);
        waitForRows(child, sweepRun, log);
        // A shell starts background jobs with SIGINT ignored, and a JVM leaves an ignored signal ignored:
        // where this test runs so (a CI script started with &), its children cannot see SIGINT at all, so
        // the sweep is stopped with SIGTERM, which takes the same path.
        boolean intIgnored = sigintIgnored();
        String signal = intIgnored ? "-TERM" : "-INT";
        assertEquals(0, new ProcessBuilder("kill", signal, Long.toString(child.pid())).start().waitFor());
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "stopped within a minute");
        assertEquals(intIgnored ? 143 : 130, child.exitValue(), "the signal's status (" + signal + "): "
                + Files.readString(log));
        line = lastLine(log);
        assertTrue(line.startsWith("stopped at update ") && line.endsWith("; continue with the same grokcap sweep command"),
                Files.readString(log));
        assertEquals(0, cli.run("sweep", sweep.toString(), "--out", out.toString(), "--quiet", "--threads", "1"),
                cli.err());
        assertEquals(1, cli.lastJsonLine().get("resumed").asInt(), cli.out());
        assertSameRun(whole, sweepRun);
    }

    /** Whether this process (and so every child it starts) ignores SIGINT: bit 2 of SigIgn in /proc/self/status. */
    private static boolean sigintIgnored() throws Exception {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 1)) != 0;
            }
        }
        return false;
    }

    static void assertSameRun(Path expected, Path actual) throws Exception {
        assertArrayEquals(Files.readAllBytes(expected.resolve(RunDirectory.METRICS)),
                Files.readAllBytes(actual.resolve(RunDirectory.METRICS)), "metrics.jsonl bit-identical");
        assertEquals(Safetensors.read(expected.resolve(RunDirectory.WEIGHTS)).tensors(),
                Safetensors.read(actual.resolve(RunDirectory.WEIGHTS)).tensors(), "weights bit-identical");
    }

    private static void waitForRows(Process child, Path run, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (rows(run) < 20) {
            assertTrue(child.isAlive(), "the child ended too early: " + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "the child is too slow: " + Files.readString(log));
            Thread.sleep(2);
        }
    }

    private static Path waitForSweepRun(Process child, Path out, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            if (Files.isDirectory(out)) {
                try (Stream<Path> s = Files.list(out)) {
                    List<Path> runs = s.filter(d -> Files.exists(d.resolve(SweepRunner.SWEEP_RUN))).toList();
                    if (!runs.isEmpty()) {
                        return runs.get(0);
                    }
                }
            }
            assertTrue(child.isAlive() && System.nanoTime() < deadline, "no sweep run: " + Files.readString(log));
            Thread.sleep(2);
        }
    }

    private static int rows(Path run) throws Exception {
        Path f = run.resolve(RunDirectory.METRICS);
        if (!Files.exists(f)) {
            return 0;
        }
        int n = 0;
        for (byte b : Files.readAllBytes(f)) {
            n += b == '\n' ? 1 : 0;
        }
        return n;
    }

    private static String lastLine(Path log) throws Exception {
        List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1).strip();
    }
}
