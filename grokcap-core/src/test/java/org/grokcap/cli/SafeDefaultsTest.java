package org.grokcap.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.grokcap.Grokcap;
import org.grokcap.io.Json;
import org.grokcap.run.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 16, item 7: defaults that lose nothing and scatter nothing. */
class SafeDefaultsTest {
    private final CommandRun cli = new CommandRun();

    private static Path config(Path dir) throws Exception {
        Path f = dir.resolve("tiny.json");
        Files.writeString(f, NoSilentWrongResultsTest.TINY);
        return f;
    }

    @Test
    void outNamingANonEmptyDirectoryThatIsNoRunIsRefused(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("notes.txt"), "mine");
        assertEquals(2, cli.run("train", config(dir).toString(), "--out", home.toString(), "--quiet"));
        String e = cli.err().strip();
        assertFalse(e.contains("\n"), "one line: " + e);
        assertTrue(e.contains("is not empty and holds no run (it has notes.txt)"), e);
        try (Stream<Path> s = Files.list(home)) {
            assertEquals(List.of(home.resolve("notes.txt")), s.toList(), "nothing written there");
        }
        assertEquals("mine", Files.readString(home.resolve("notes.txt")));

        Path empty = dir.resolve("empty");
        Files.createDirectories(empty);
        assertEquals(0, cli.run("train", config(dir).toString(), "--out", empty.toString(), "--quiet"), cli.err());
    }

    @Test
    void aRunWithoutCheckpointEveryCheckpointsOnWallTimeAndResumesExactly(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        System.setProperty(Grokcap.CHECKPOINT_SECONDS, "0.000001"); // every update is "a few minutes" later
        try {
            assertEquals(0, cli.run("train", config(dir).toString(), "--out", run.toString(), "--quiet"), cli.err());
        } finally {
            System.clearProperty(Grokcap.CHECKPOINT_SECONDS);
        }
        List<Path> checkpoints = RunDirectory.checkpoints(run);
        Path cdir = run.resolve(RunDirectory.CHECKPOINTS);
        assertEquals(List.of(cdir.resolve("step-000000028.safetensors"), cdir.resolve("step-000000029.safetensors")),
                checkpoints, "a checkpoint after every update, the newest " + RunDirectory.KEEP_CHECKPOINTS + " kept");

        // As if killed after the newest checkpoint, before the final weights.
        Path stopped = dir.resolve("stopped");
        Files.createDirectories(stopped.resolve(RunDirectory.CHECKPOINTS));
        ObjectNode record = (ObjectNode) Json.mapper().readTree(run.resolve(RunDirectory.RUN_JSON).toFile());
        record.remove(RunDirectory.RESULT);
        Files.writeString(stopped.resolve(RunDirectory.RUN_JSON), record.toPrettyString());
        Files.copy(run.resolve(RunDirectory.METRICS), stopped.resolve(RunDirectory.METRICS));
        Files.copy(run.resolve(RunDirectory.VOCABULARY), stopped.resolve(RunDirectory.VOCABULARY));
        Path newest = checkpoints.get(1);
        Files.copy(newest, stopped.resolve(RunDirectory.CHECKPOINTS).resolve(newest.getFileName()));

        assertEquals(0, cli.run("train", "--resume", stopped.toString(), "--quiet"), cli.err());
        JsonNode resumed = Json.mapper().readTree(stopped.resolve(RunDirectory.RUN_JSON).toFile());
        assertEquals(29, resumed.get("resumes").get(0).get("step").asInt());
        assertEquals(1, resumed.get(RunDirectory.RESULT).get("sessionSteps").asInt());
        assertArrayEquals(Files.readAllBytes(run.resolve(RunDirectory.WEIGHTS)),
                Files.readAllBytes(stopped.resolve(RunDirectory.WEIGHTS)));
        assertArrayEquals(Files.readAllBytes(run.resolve(RunDirectory.METRICS)),
                Files.readAllBytes(stopped.resolve(RunDirectory.METRICS)));
    }

    @Test
    void aShortRunWritesNoWallClockCheckpoint(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        assertEquals(0, cli.run("train", config(dir).toString(), "--out", run.toString(), "--quiet"), cli.err());
        assertEquals(List.of(), RunDirectory.checkpoints(run), "seconds of training are not minutes");
    }
}
