package org.grokcap.cli;

import org.grokcap.run.FinishedRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.grokcap.io.Json;
import org.grokcap.run.RunDirectory;
import org.grokcap.sweep.SweepRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17, item 1: every run that was started can be finished. The states of a stopped run are made
 * here by removing what it had not written yet; {@link CrashAtWriteBoundaryTest} makes them with real kills.
 */
class FinishEveryRunTest {
    private final CommandRun cli = new CommandRun();

    private static Path config(Path dir) throws Exception {
        Path f = dir.resolve("tiny.json");
        Files.writeString(f, NoSilentWrongResultsTest.TINY);
        return f;
    }

    /** The run as if killed after its final weights: no plots, no result in run.json. */
    private static void stopAfterWeights(Path run) throws Exception {
        ObjectNode record = (ObjectNode) Json.mapper().readTree(run.resolve(RunDirectory.RUN_JSON).toFile());
        record.remove(RunDirectory.RESULT);
        Files.writeString(run.resolve(RunDirectory.RUN_JSON), record.toPrettyString());
        deleteTree(run.resolve(RunDirectory.PLOTS));
    }

    @Test
    void aRunStoppedAfterItsWeightsIsFinishedByResume(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        assertEquals(0, cli.run("train", config(dir).toString(), "--out", run.toString(), "--quiet"), cli.err());
        JsonNode result = Json.mapper().readTree(run.resolve(RunDirectory.RUN_JSON).toFile()).get(RunDirectory.RESULT);
        byte[] weights = Files.readAllBytes(run.resolve(RunDirectory.WEIGHTS));
        byte[] metrics = Files.readAllBytes(run.resolve(RunDirectory.METRICS));
        stopAfterWeights(run);

        assertEquals(0, cli.run("report", run.toString(), "--out", dir.resolve("report").toString()), cli.err());
        assertEquals(0, cli.lastJsonLine().get("finished").asInt(), "the report does not count it as finished");

        assertEquals(0, cli.run("train", "--resume", run.toString(), "--quiet"), cli.err());
        JsonNode finished = Json.mapper().readTree(run.resolve(RunDirectory.RUN_JSON).toFile()).get(RunDirectory.RESULT);
        assertEquals(result.get("steps"), finished.get("steps"));
        assertEquals(result.get("finalMetrics"), finished.get("finalMetrics"));
        assertEquals(result.get("milestones"), finished.get("milestones"));
        assertEquals(0, finished.get("sessionSteps").asInt(), "nothing trained again");
        assertArrayEquals(weights, Files.readAllBytes(run.resolve(RunDirectory.WEIGHTS)));
        assertArrayEquals(metrics, Files.readAllBytes(run.resolve(RunDirectory.METRICS)));
        assertTrue(Files.exists(run.resolve(RunDirectory.PLOTS).resolve("accuracy.png")), "plots drawn");

        assertEquals(0, cli.run("report", run.toString(), "--out", dir.resolve("report2").toString()), cli.err());
        assertEquals(1, cli.lastJsonLine().get("finished").asInt());
        assertEquals(2, cli.run("train", "--resume", run.toString(), "--quiet"));
        assertTrue(cli.err().contains("is already finished"), cli.err());
    }

    @Test
    void aSweepFinishesARunStoppedAfterItsWeightsInsteadOfTrainingItAgain(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("base.json"), NoSilentWrongResultsTest.TINY);
        Path sweep = dir.resolve("s.yaml");
        Files.writeString(sweep, "base: base.json\ngrid: {train.seed: [3]}\n");
        Path out = dir.resolve("out");
        assertEquals(0, cli.run("sweep", sweep.toString(), "--out", out.toString(), "--quiet"), cli.err());
        Path run;
        try (Stream<Path> s = Files.list(out)) {
            run = s.filter(d -> Files.exists(d.resolve(SweepRunner.SWEEP_RUN))).findFirst().orElseThrow();
        }
        byte[] weights = Files.readAllBytes(run.resolve(RunDirectory.WEIGHTS));
        stopAfterWeights(run);

        assertEquals(0, cli.run("sweep", sweep.toString(), "--out", out.toString(), "--quiet"), cli.err());
        assertTrue(cli.out().contains("finishing (its final weights are written)"), cli.out());
        JsonNode summary = cli.lastJsonLine();
        assertEquals(0, summary.get("trained").asInt(), "not trained again: " + summary);
        assertEquals(1, summary.get("resumed").asInt(), summary.toString());
        assertFalse(Files.exists(out.resolve(SweepRunner.INTERRUPTED)), "nothing moved aside");
        assertArrayEquals(weights, Files.readAllBytes(run.resolve(RunDirectory.WEIGHTS)));
        assertTrue(FinishedRun.finished(Json.mapper().readTree(run.resolve(RunDirectory.RUN_JSON).toFile())));
    }

    @Test
    void aPlotThatCannotBeDrawnNeverBlocksFinishing(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve(RunDirectory.PLOTS), "a file where the plots folder would go");
        assertEquals(0, cli.run("train", config(dir).toString(), "--out", run.toString(), "--quiet"), cli.err());
        assertTrue(cli.out().contains("warning: the plots were not drawn"), cli.out());
        JsonNode result = Json.mapper().readTree(run.resolve(RunDirectory.RUN_JSON).toFile()).get(RunDirectory.RESULT);
        assertTrue(result.get("plotsNotWritten").asText().contains("FileAlreadyExistsException"), result.toString());
    }

    @Test
    void aRunStoppedBeforeItsFirstCheckpointRestartsInPlace(@TempDir Path dir) throws Exception {
        Path whole = dir.resolve("whole");
        assertEquals(0, cli.run("train", config(dir).toString(), "--out", whole.toString(), "--quiet",
                "--checkpoint-every", "100"), cli.err());
        // As if killed after three metrics rows and half of the fourth, before the first checkpoint.
        Path stopped = dir.resolve("stopped");
        Files.createDirectories(stopped);
        ObjectNode record = (ObjectNode) Json.mapper().readTree(whole.resolve(RunDirectory.RUN_JSON).toFile());
        record.remove(RunDirectory.RESULT);
        Files.writeString(stopped.resolve(RunDirectory.RUN_JSON), record.toPrettyString());
        byte[] metrics = Files.readAllBytes(whole.resolve(RunDirectory.METRICS));
        int cut = 0;
        for (int rows = 0; rows < 3; cut++) {
            rows += metrics[cut] == '\n' ? 1 : 0;
        }
        Files.write(stopped.resolve(RunDirectory.METRICS), Arrays.copyOf(metrics, cut + 20));

        assertEquals(0, cli.run("train", "--resume", stopped.toString(), "--quiet"), cli.err());
        assertArrayEquals(metrics, Files.readAllBytes(stopped.resolve(RunDirectory.METRICS)));
        assertArrayEquals(Files.readAllBytes(whole.resolve(RunDirectory.WEIGHTS)),
                Files.readAllBytes(stopped.resolve(RunDirectory.WEIGHTS)));
        JsonNode resumed = Json.mapper().readTree(stopped.resolve(RunDirectory.RUN_JSON).toFile());
        assertEquals(0, resumed.get("resumes").get(0).get("restartedFromStep").asInt());
        assertEquals(30, resumed.get(RunDirectory.RESULT).get("sessionSteps").asInt(), "trained from step 0");
    }

    static void deleteTree(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
