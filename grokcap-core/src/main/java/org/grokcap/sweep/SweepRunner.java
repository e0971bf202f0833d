package org.grokcap.sweep;

import org.grokcap.run.FinishedRun;
import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.util.BadInputException;
import org.grokcap.analysis.ProgressRecorder;
import org.grokcap.run.TrainingSession;
import org.grokcap.run.RunOptions;
import org.grokcap.run.RunStoppedException;
import org.grokcap.io.AtomicFiles;
import org.grokcap.io.Json;
import org.grokcap.run.RunDirectory;
import org.grokcap.train.Trainer;
import org.grokcap.util.Messages;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs one shard of a sweep into OUT/&lt;runId&gt;/, skipping finished runs, so an interrupted sweep,
 * started again with the same arguments, does only what is left. A run is finished when its run.json
 * holds a result (as for the report). An unfinished run continues from its newest checkpoint (see the
 * sweep's checkpointEvery), or only finishes when its final weights were written; one without either starts again, its partial directory moved to
 * OUT/.interrupted/ (nothing is deleted). Each run directory also holds {@value #SWEEP_RUN}, the run's
 * id, values and config, so a sweep whose base config changed is refused instead of mixing results.
 */
public final class SweepRunner {
    public static final String SWEEP_RUN = "sweep-run.json";
    /** OUT/NAME.sweep.json lists every run of the sweep NAME (several sweeps may share one OUT). */
    public static final String SWEEP_JSON_SUFFIX = ".sweep.json";
    public static final String INTERRUPTED = ".interrupted";

    /** A temporary file in OUT older than this was left by an interrupted write: no write takes this long. */
    static final Duration LEFTOVER_AGE = Duration.ofMinutes(10);

    private SweepRunner() {}

    /** What a run of the shard needs. */
    public enum State {
        /** never started */
        NEW,
        /** run.json has a result: skipped */
        FINISHED,
        /** unfinished, continues from its newest checkpoint, or only finishes after its final weights */
        RESUME,
        /** unfinished without a checkpoint: moved aside and started again */
        RESTART;

        public String label() {
            return name().toLowerCase();
        }
    }

    public record Planned(SweepRun run, State state, Path dir) {
    }

    /**
     * What ran, also printed as the sweep command's JSON line.
     *
     * @param failed id and error of each run that failed; the other runs went on
     */
    public record Summary(String sweep, String out, String shard, int runs, int selected, int alreadyFinished,
                          int trained, int resumed, List<Map<String, String>> failed, double wallSeconds) {
    }

    /** The state of every run of the shard; bad input, before anything runs, for a directory this sweep did not make. */
    public static List<Planned> plan(Sweep sweep, Shard shard, Path out) {
        List<Planned> plan = new ArrayList<>();
        for (SweepRun run : sweep.runs(shard)) {
            Path dir = out.resolve(run.id());
            plan.add(new Planned(run, state(run, dir), dir));
        }
        return plan;
    }

    private static State state(SweepRun run, Path dir) {
        Path marker = dir.resolve(SWEEP_RUN);
        Path record = dir.resolve(RunDirectory.RUN_JSON);
        if (Files.exists(marker)) {
            JsonNode stored = read(marker);
            String difference = firstDifference("", stored.get("config"), run.config());
            if (difference != null) {
                throw new BadInputException(dir + " was made from another config (" + difference + "); did the "
                        + "sweep's base config change? Use another --out, or move that directory away");
            }
        } else if (Files.exists(record)) {
            throw new BadInputException(dir + " holds a run that this sweep did not make (it has no " + SWEEP_RUN
                    + "); use another --out, or move that directory away");
        }
        if (!Files.exists(record)) {
            return State.NEW;
        }
        if (FinishedRun.finished(dir)) {
            return State.FINISHED;
        }
        try { // final weights without a result: resuming only finishes it (see TrainingSession.resume)
            return !RunDirectory.checkpoints(dir).isEmpty() || Files.exists(dir.resolve(RunDirectory.WEIGHTS))
                    ? State.RESUME : State.RESTART;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the checkpoints of " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs the shard's unfinished runs in order with these options (their outDir and checkpointEvery are
     * the sweep's); listeners gives each run its progress listener. A run that fails is reported and
     * the others go on. Writes OUT/NAME.sweep.json, the list of all runs, first.
     */
    public static Summary run(Sweep sweep, Shard shard, Path out, RunOptions options,
                              Supplier<Trainer.Listener> listeners, PrintStream log) {
        long start = System.nanoTime();
        List<Planned> plan = plan(sweep, shard, out);
        try {
            Files.createDirectories(out);
            // Shards on other processes or machines may be writing the list right now: only what an
            // interrupted write left long ago is removed.
            AtomicFiles.removeLeftovers(out, LEFTOVER_AGE);
            Json.writePretty(out.resolve(sweep.name() + SWEEP_JSON_SUFFIX), sweep.describe());
        } catch (IOException e) {
            throw new BadInputException("cannot write the sweep's output directory " + out + ": " + e.getMessage(), e);
        }
        int finished = 0;
        int trained = 0;
        int resumed = 0;
        List<Map<String, String>> failed = new ArrayList<>();
        int i = 0;
        for (Planned p : plan) {
            i++;
            String head = String.format("[%d/%d] %s", i, plan.size(), p.run().id());
            if (p.state() == State.FINISHED) {
                finished++;
                log.println(head + ": finished earlier, skipped");
                continue;
            }
            boolean weights = Files.exists(p.dir().resolve(RunDirectory.WEIGHTS));
            log.println(head + ": " + (p.state() == State.RESUME ? weights ? "finishing (its final weights are written)"
                    : "resuming from its newest checkpoint"
                    : p.state() == State.RESTART ? "interrupted before any checkpoint; starting again" : "training")
                    + (p.run().variant() == null ? "" : " " + p.run().variant()) + " "
                    + Json.mapper().valueToTree(p.run().values()));
            RunOptions mine = options.withOutDir(p.dir()).withCheckpointEvery(sweep.checkpointEvery())
                    .withListener(listeners == null ? null : listeners.get());
            try {
                if (p.state() == State.RESUME) {
                    TrainingSession.resume(p.dir(), mine, ProgressRecorder.HOOK);
                    resumed++;
                } else {
                    if (p.state() == State.RESTART) {
                        log.println(head + ": the partial run moved to " + moveAside(p.dir(), out));
                    }
                    Files.createDirectories(p.dir());
                    Json.writePretty(p.dir().resolve(SWEEP_RUN), marker(sweep, p.run()));
                    TrainingSession.train(p.run().spec(), mine, ProgressRecorder.HOOK);
                    trained++;
                }
                log.println(head + ": done");
            } catch (RunStoppedException e) { // the sweep stops with its run; the same command continues both
                throw new RunStoppedException(e.getMessage().replaceFirst("; continue with: .*", "")
                        + " (run " + p.run().id() + "); continue with the same grokcap sweep command");
            } catch (Exception e) {
                if (p.state() != State.RESUME) {
                    removeIfNeverStarted(p.dir());
                }
                String message = Messages.cap(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                log.println(head + ": FAILED: " + message);
                Map<String, String> f = new LinkedHashMap<>();
                f.put("id", p.run().id());
                f.put("error", message);
                failed.add(f);
            }
        }
        return new Summary(sweep.name(), out.toString(), shard.toString(), sweep.runs().size(), plan.size(), finished,
                trained, resumed, failed, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Removes what the sweep made for a run that was refused before it wrote its run.json (a model too
     * large for the heap, a bad config): its marker, then the directory if nothing else is in it, so a
     * refused run leaves nothing behind and counts as new when the sweep is started again. A lock file
     * is left alone: another process may hold it.
     */
    private static void removeIfNeverStarted(Path dir) {
        if (Files.exists(dir.resolve(RunDirectory.RUN_JSON))) {
            return;
        }
        try {
            Files.deleteIfExists(dir.resolve(SWEEP_RUN));
            try (var rest = Files.list(dir)) {
                if (rest.findAny().isEmpty()) {
                    Files.delete(dir);
                }
            }
        } catch (IOException ignored) {
            // the run's own error is the one to report; what is left is harmless (the run counts as new)
        }
    }

    private static Map<String, Object> marker(Sweep sweep, SweepRun run) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sweep", sweep.name());
        m.put("id", run.id());
        if (run.variant() != null) {
            m.put("variant", run.variant());
        }
        m.put("values", run.values());
        m.put("config", run.config());
        return m;
    }

    /** Moves an unfinished run without checkpoints to OUT/.interrupted/ID-N; bad input if a process still runs it. */
    private static Path moveAside(Path dir, Path out) throws IOException {
        RunDirectory.requireIdle(dir);
        Path aside = out.resolve(INTERRUPTED);
        Files.createDirectories(aside);
        for (int n = 1; ; n++) {
            Path target = aside.resolve(dir.getFileName() + "-" + n);
            if (!Files.exists(target)) {
                return Files.move(dir, target);
            }
        }
    }

    private static JsonNode read(Path file) {
        try {
            return Json.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new BadInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The first path at which two config trees differ, with both values; null when they are the same. */
    static String firstDifference(String path, JsonNode a, JsonNode b) {
        if (a != null && b != null && a.isObject() && b.isObject()) {
            for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                String d = firstDifference(path.isEmpty() ? k : path + "." + k, a.get(k), b.get(k));
                if (d != null) {
                    return d;
                }
            }
            for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!a.has(k)) {
                    return (path.isEmpty() ? k : path + "." + k) + ": absent then, " + b.get(k) + " now";
                }
            }
            return null;
        }
        String was = a == null ? "absent" : a.toString();
        String now = b == null ? "absent" : b.toString();
        return was.equals(now) ? null : (path.isEmpty() ? "config" : path) + ": " + was + " then, " + now + " now";
    }
}
