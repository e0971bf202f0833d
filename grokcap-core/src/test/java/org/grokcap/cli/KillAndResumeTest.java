package org.grokcap.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.io.Json;

import org.grokcap.run.RunDirectory;
import org.grokcap.model.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run killed with SIGKILL at a random moment and resumed from its checkpoint ends with metrics and
 * weights bit-identical to an uninterrupted run: the run is a real forked JVM, killed with
 * {@link Process#destroyForcibly()}.
 */
class KillAndResumeTest {
    /** Minibatches, so the batch order and its RNG must survive too; a few seconds in all. */
    private static final String CONFIG = """
            {"name":"kill","task":{"type":"modular","p":11,"trainFraction":0.5},
             "model":{"dModel":16,"heads":2,"dMlp":32},
             "train":{"seed":5,"steps":2000,"batchSize":8,"evalEvery":5,"optimizer":{"lr":0.003,"weightDecay":0.1}}}""";
    private static final int EVERY = 50;

    @Test
    void aRunKilledAtARandomMomentResumesBitForBit(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("kill.json");
        Files.writeString(config, CONFIG);
        Path whole = dir.resolve("whole");
        Path killed = dir.resolve("killed");

        assertEquals(0, cli.run("train", config.toString(), "--out", whole.toString(), "--checkpoint-every", "" + EVERY,
                "--quiet", "--threads", "1"));

        // Kill after a random number of metrics rows, at least one checkpoint in (rows are 5 steps apart).
        long seed = System.nanoTime();
        int firstCheckpointRows = EVERY / 5;
        int killAfterRows = firstCheckpointRows + 1 + new Random(seed).nextInt(300 - firstCheckpointRows);
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(javaBinary(), "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "train", config.toString(), "--out", killed.toString(), "--checkpoint-every", "" + EVERY,
                "--quiet", "--threads", "1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (rows(killed) < killAfterRows || !hasCheckpoint(killed)) {
                assertTrue(child.isAlive(), "the child ended before it could be killed (kill seed " + seed + "): "
                        + Files.readString(log));
                assertTrue(System.nanoTime() < deadline, "the child is too slow: " + Files.readString(log));
                Thread.sleep(2);
            }
            assertTrue(child.isAlive(), "the child finished before the kill");
            // While it runs, no other process may write its directory.
            assertEquals(2, cli.run("train", "--resume", killed.toString(), "--quiet"));
            assertTrue(cli.err().contains("is in use by another grokcap run (process " + child.pid() + ")"),
                    cli.err());
        } finally {
            child.destroyForcibly();
        }
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        assertFalse(Files.exists(killed.resolve(RunDirectory.WEIGHTS)), "killed before the end");

        assertEquals(0, cli.run("train", "--resume", killed.toString(), "--quiet", "--threads", "1"), cli.err());

        assertArrayEquals(Files.readAllBytes(whole.resolve(RunDirectory.METRICS)),
                Files.readAllBytes(killed.resolve(RunDirectory.METRICS)), "metrics.jsonl bit-identical (kill seed " + seed + ")");
        assertEquals(Safetensors.read(whole.resolve(RunDirectory.WEIGHTS)).tensors(),
                Safetensors.read(killed.resolve(RunDirectory.WEIGHTS)).tensors(),
                "weights bit-identical (kill seed " + seed + ")");
        JsonNode resumed = Json.mapper().readTree(killed.resolve(RunDirectory.RUN_JSON).toFile()).get("result");
        JsonNode uninterrupted = Json.mapper().readTree(whole.resolve(RunDirectory.RUN_JSON).toFile()).get("result");
        assertEquals(uninterrupted.get("steps").asInt(), uninterrupted.get("sessionSteps").asInt());
        int resumedSteps = resumed.get("sessionSteps").asInt();
        assertTrue(resumedSteps > 0 && resumedSteps < resumed.get("steps").asInt(),
                "a resumed run's timing covers only its own steps: " + resumed);
        List<Path> kept = checkpoints(killed);
        assertEquals(RunDirectory.KEEP_CHECKPOINTS, kept.size(), "only the newest checkpoints are kept: " + kept);
    }

    private final CommandRun cli = new CommandRun();

    /** The java binary of this JVM, so the child runs the same JDK. */
    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static int rows(Path run) throws IOException {
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

    private static boolean hasCheckpoint(Path run) throws IOException {
        return !checkpoints(run).isEmpty();
    }

    private static List<Path> checkpoints(Path run) throws IOException {
        Path c = run.resolve(RunDirectory.CHECKPOINTS);
        if (!Files.isDirectory(c)) {
            return List.of();
        }
        try (var s = Files.list(c)) {
            return new ArrayList<>(s.filter(p -> p.toString().endsWith(".safetensors")).toList());
        }
    }
}
