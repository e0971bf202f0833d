package org.grokcap.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.util.BadInputException;
import org.grokcap.run.RunOptions;
import org.grokcap.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepRunnerTest {
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    private SweepRunner.Summary run(Sweep s, Shard shard, Path out) {
        return SweepRunner.run(s, shard, out, new RunOptions(null, null, 1, null), null,
                new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @Test
    void shardsRunTheirSlicesAndASecondPassSkipsFinishedRuns(@TempDir Path dir) throws Exception {
        SweepTest.write(dir, "base.json", SweepTest.BASE);
        Sweep s = Sweep.load(SweepTest.write(dir, "s.yaml", "base: base.json\ngrid:\n  train.seed: [0, 1, 2]\n"));
        Path out = dir.resolve("out");
        SweepRunner.Summary first = run(s, Shard.parse("1/2"), out);
        assertEquals(1, first.trained());
        assertTrue(Files.exists(out.resolve(s.runs().get(1).id()).resolve("weights.safetensors")));
        assertFalse(Files.exists(out.resolve(s.runs().get(0).id())), "shard 1/2 leaves the other runs alone");
        JsonNode marker = Json.mapper().readTree(out.resolve(s.runs().get(1).id()).resolve(SweepRunner.SWEEP_RUN).toFile());
        assertEquals(1, marker.at("/values/train.seed").asInt());
        assertEquals(3, Json.mapper().readTree(out.resolve("s" + SweepRunner.SWEEP_JSON_SUFFIX).toFile()).get("runs").size());

        SweepRunner.Summary all = run(s, Shard.ALL, out);
        assertEquals(2, all.trained());
        assertEquals(1, all.alreadyFinished(), "the run shard 1/2 finished is skipped");
        assertTrue(all.failed().isEmpty());
        assertTrue(SweepRunner.plan(s, Shard.ALL, out).stream().allMatch(p -> p.state() == SweepRunner.State.FINISHED));
    }

    @Test
    void anInterruptedRunStartsAgainOrResumesAndNothingIsDeleted(@TempDir Path dir) throws Exception {
        SweepTest.write(dir, "base.json", SweepTest.BASE.replace("\"steps\":3", "\"steps\":6"));
        Sweep s = Sweep.load(SweepTest.write(dir, "s.yaml",
                "base: base.json\ncheckpointEvery: 2\ngrid:\n  train.seed: [0, 1]\n"));
        Path out = dir.resolve("out");
        run(s, Shard.ALL, out);
        Path done = out.resolve(s.runs().get(0).id());
        Path reference = dir.resolve("reference.safetensors");
        Files.copy(done.resolve("weights.safetensors"), reference);

        // Killed after the checkpoint at step 4: no result, no final weights.
        JsonNode record = Json.mapper().readTree(done.resolve("run.json").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) record).remove("result");
        Json.writePretty(done.resolve("run.json"), record);
        Files.delete(done.resolve("weights.safetensors"));
        // Killed before any checkpoint: a run.json without result, no checkpoints and no final weights.
        Path early = out.resolve(s.runs().get(1).id());
        Files.delete(early.resolve("weights.safetensors"));
        try (var files = Files.walk(early.resolve("checkpoints"))) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        record = Json.mapper().readTree(early.resolve("run.json").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) record).remove("result");
        Json.writePretty(early.resolve("run.json"), record);

        assertEquals(List.of(SweepRunner.State.RESUME, SweepRunner.State.RESTART),
                SweepRunner.plan(s, Shard.ALL, out).stream().map(SweepRunner.Planned::state).toList());
        SweepRunner.Summary again = run(s, Shard.ALL, out);
        assertEquals(1, again.resumed());
        assertEquals(1, again.trained());
        assertEquals(-1, Files.mismatch(reference, done.resolve("weights.safetensors")),
                "the resumed run ends bit-identical to the uninterrupted one");
        assertTrue(Files.exists(out.resolve(SweepRunner.INTERRUPTED).resolve(early.getFileName() + "-1").resolve("run.json")),
                "the partial run is kept");
        assertTrue(Files.exists(early.resolve("weights.safetensors")));
    }

    @Test
    void aChangedBaseConfigIsRefusedBeforeAnythingRuns(@TempDir Path dir) throws Exception {
        Path base = SweepTest.write(dir, "base.json", SweepTest.BASE);
        Path file = SweepTest.write(dir, "s.yaml", "base: base.json\ngrid:\n  train.seed: [0, 1]\n");
        Path out = dir.resolve("out");
        run(Sweep.load(file), Shard.parse("0/2"), out);
        Files.writeString(base, SweepTest.BASE.replace("\"p\":7", "\"p\":5"));
        Sweep changed = Sweep.load(file);
        String m = assertThrows(BadInputException.class, () -> run(changed, Shard.ALL, out)).getMessage();
        assertTrue(m.contains("was made from another config (task.p: 7 then, 5 now)"), m);
        assertFalse(Files.exists(out.resolve(changed.runs().get(1).id())), "nothing ran");
    }

    @Test
    void aFailedRunIsReportedAndTheOthersGoOn(@TempDir Path dir) throws Exception {
        SweepTest.write(dir, "base.json", SweepTest.BASE);
        Sweep s = Sweep.load(SweepTest.write(dir, "s.yaml", "base: base.json\ngrid:\n  train.seed: [0, 1]\n"));
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve(s.runs().get(0).id()), "a file where the run directory goes");
        SweepRunner.Summary summary = run(s, Shard.ALL, out);
        assertEquals(1, summary.failed().size());
        assertEquals(s.runs().get(0).id(), summary.failed().get(0).get("id"));
        assertEquals(1, summary.trained());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("FAILED"));
    }
}
