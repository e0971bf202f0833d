package org.grokcap.cli;

import org.grokcap.run.FinishedRun;
import org.grokcap.io.CrashPoints;
import org.grokcap.io.Json;
import org.grokcap.run.RunDirectory;
import org.grokcap.sweep.SweepRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17, item 6: a run killed at any write boundary (see {@link CrashPoints}) recovers as
 * documented in docs/reliability.md, a training run with {@code train --resume DIR} and a sweep by
 * running the same command again, and ends with metrics and weights bit-identical to an uninterrupted
 * run's, its plots and result written, and no temporary file left. The kill is a real one: the run is a
 * child JVM that halts at the chosen point as if killed with SIGKILL.
 */
class CrashAtWriteBoundaryTest {
    /** 30 steps, a metrics row every 5, checkpoints after updates 10 and 20. */
    private static final String[] TRAIN = {"--quiet", "--threads", "1", "--checkpoint-every", "10"};

    @TempDir
    static Path shared;
    private static Path config;
    private static Path sweepFile;
    private static Path wholeRun;
    private static Path wholeSweep;

    private final CommandRun cli = new CommandRun();

    @BeforeAll
    static void uninterrupted() throws Exception {
        config = Files.writeString(shared.resolve("tiny.json"), NoSilentWrongResultsTest.TINY);
        Files.writeString(shared.resolve("base.json"), NoSilentWrongResultsTest.TINY);
        sweepFile = Files.writeString(shared.resolve("s.yaml"), "base: base.json\ncheckpointEvery: 10\ngrid: {train.seed: [2]}\n");
        wholeRun = shared.resolve("whole");
        CommandRun cli = new CommandRun();
        assertEquals(0, cli.run(concat(new String[]{"train", config.toString(), "--out", wholeRun.toString()}, TRAIN)),
                cli.err());
        wholeSweep = shared.resolve("whole-sweep");
        assertEquals(0, cli.run("sweep", sweepFile.toString(), "--out", wholeSweep.toString(), "--quiet", "--threads", "1"),
                cli.err());
    }

    @ParameterizedTest(name = "train killed at {0}")
    @ValueSource(strings = {
            "metrics:1",          // a torn first row, before any checkpoint: restarted in place
            "metrics:4",          // a torn row after the first checkpoint
            "checkpoint:1",       // the first checkpoint written but not renamed into place
            "checkpoint.done:2",  // right after the second checkpoint, before older ones are pruned
            "weights",            // the final weights written but not renamed
            "weights.done",       // the final weights in place, no plots, no result
            "plots:1",            // the first plot file written but not renamed
            "plots.done:3",       // some plots in place
            "record:2",           // run.json with the result written but not renamed
            "record.done:2"})     // the result in place: the run is finished
    void aRunKilledAtAWriteBoundaryRecovers(String point, @TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        killAt(point, dir, concat(new String[]{"train", config.toString(), "--out", run.toString()}, TRAIN));
        boolean finished = FinishedRun.finished(Json.mapper().readTree(run.resolve(RunDirectory.RUN_JSON).toFile()));
        int exit = cli.run("train", "--resume", run.toString(), "--quiet", "--threads", "1");
        if (finished) {
            assertEquals(2, exit, "nothing to do for a finished run: " + cli.err());
            assertTrue(cli.err().contains("is already finished"), cli.err());
        } else {
            assertEquals(0, exit, cli.err());
        }
        assertRecovered(wholeRun, run);
    }

    @ParameterizedTest(name = "sweep killed at {0}")
    @ValueSource(strings = {
            "sweep:1",            // the sweep's list of runs written but not renamed
            "sweep:2",            // the run's sweep-run.json written but not renamed
            "sweep.done:2",       // the run's sweep-run.json in place, its run not started
            "checkpoint.done:1",  // inside the sweep's run
            "record:2"})          // the sweep's run about to record its result
    void aSweepKilledAtAWriteBoundaryRecovers(String point, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        killAt(point, dir, "sweep", sweepFile.toString(), "--out", out.toString(), "--quiet", "--threads", "1");
        assertEquals(0, cli.run("sweep", sweepFile.toString(), "--out", out.toString(), "--quiet", "--threads", "1"),
                cli.err());
        Path expected = onlyRun(wholeSweep);
        assertRecovered(expected, out.resolve(expected.getFileName()));
        assertEquals(Files.readString(wholeSweep.resolve("s" + SweepRunner.SWEEP_JSON_SUFFIX)),
                Files.readString(out.resolve("s" + SweepRunner.SWEEP_JSON_SUFFIX)));
    }

    /** Runs grokcap args in a child JVM that halts at point; fails unless it did. */
    private static void killAt(String point, Path dir, String... args) throws Exception {
        Path log = dir.resolve("child.log");
        Process child = ForkedCli.start(log, List.of(CrashPoints.PROPERTY + "=" + point), args);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child ended: " + Files.readString(log));
        assertEquals(CrashPoints.STATUS, child.exitValue(), "killed at " + point + ": " + Files.readString(log));
    }

    private static void assertRecovered(Path expected, Path actual) throws Exception {
        InterruptedWritesTest.assertSameRun(expected, actual);
        assertTrue(FinishedRun.finished(Json.mapper().readTree(actual.resolve(RunDirectory.RUN_JSON).toFile())));
        assertEquals(list(expected.resolve(RunDirectory.PLOTS)), list(actual.resolve(RunDirectory.PLOTS)), "every plot");
        try (Stream<Path> all = Files.walk(actual)) {
            List<Path> temporary = all.filter(p -> p.getFileName().toString().contains(".tmp-")).toList();
            assertTrue(temporary.isEmpty(), "no temporary file left: " + temporary);
        }
        assertFalse(Files.exists(actual.getParent().resolve(SweepRunner.INTERRUPTED)), "nothing moved aside");
    }

    private static Path onlyRun(Path out) throws Exception {
        try (Stream<Path> s = Files.list(out)) {
            return s.filter(d -> Files.exists(d.resolve(SweepRunner.SWEEP_RUN))).findFirst().orElseThrow();
        }
    }

    private static List<String> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
