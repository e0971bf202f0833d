package org.grokcap.sweep;

import org.grokcap.run.FinishedRun;
import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.util.BadInputException;
import org.grokcap.analysis.ProgressRecorder;
import org.grokcap.run.TrainingSession;
import org.grokcap.run.PopulationSession;
import org.grokcap.train.Population;
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
import java.util.IdentityHashMap;
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
        return run(sweep, shard, out, options, listeners, log, -1);
    }

    /**
     * As {@link #run(Sweep, Shard, Path, RunOptions, Supplier, PrintStream)}, with together &ge; 0 for
     * training the runs together ({@link PopulationSession}): the unfinished runs in groups that can
     * share a pass (see {@link #groups}), each group together at most together runs at a time (0: the
     * whole group), sharing options' threads or one device (see {@link PopulationSession#run}); together -1 trains one run after
     * another. A stop (SIGINT, SIGTERM) checkpoints every run of the pass and stops the sweep.
     */
    public static Summary run(Sweep sweep, Shard shard, Path out, RunOptions options,
                              Supplier<Trainer.Listener> listeners, PrintStream log, int together) {
        long start = System.nanoTime();
        List<Planned> plan = plan(sweep, shard, out);
        String where = together >= 0 ? PopulationSession.where(options) : null;
        try {
            Files.createDirectories(out);
            // Shards on other processes or machines may be writing the list right now: only what an
            // interrupted write left long ago is removed.
            AtomicFiles.removeLeftovers(out, LEFTOVER_AGE);
            Json.writePretty(out.resolve(sweep.name() + SWEEP_JSON_SUFFIX), sweep.describe());
        } catch (IOException e) {
            throw new BadInputException("cannot write the sweep's output directory " + out + ": " + e.getMessage(), e);
        }
        Tally tally = new Tally();
        Map<Planned, String> heads = new IdentityHashMap<>();
        for (Planned p : plan) {
            heads.put(p, String.format("[%d/%d] %s", heads.size() + 1, plan.size(), p.run().id()));
        }
        List<Planned> todo = new ArrayList<>();
        for (Planned p : plan) {
            if (p.state() == State.FINISHED) {
                tally.finished++;
                log.println(heads.get(p) + ": finished earlier, skipped");
            } else {
                todo.add(p);
            }
        }
        if (together < 0) {
            for (Planned p : todo) {
                String head = heads.get(p);
                log.println(head + ": " + starting(p));
                RunOptions mine = options.withListener(listeners == null ? null : listeners.get());
                try {
                    runOne(sweep, p, out, mine, log, head);
                    tally.done(p, log, head);
                } catch (RunStoppedException e) { // the sweep stops with its run; the same command continues both
                    throw stopped(e, List.of(p));
                } catch (Exception e) {
                    tally.failed(p, e, log, head);
                }
            }
        } else {
            List<List<Planned>> groups = groups(todo, log);
            for (List<Planned> group : groups) {
                int size = together == 0 ? group.size() : together;
                for (int from = 0; from < group.size(); from += size) {
                    List<Planned> pass = group.subList(from, Math.min(group.size(), from + size));
                    log.printf("together: %d run%s %s%n", pass.size(), pass.size() == 1 ? "" : "s", where);
                    for (Planned p : pass) {
                        log.println(heads.get(p) + ": " + starting(p));
                    }
                    List<Population.Outcome<Void>> outcomes = PopulationSession.run(pass.size(), options, (i, mine) -> {
                        runOne(sweep, pass.get(i), out, mine, log, heads.get(pass.get(i)));
                        return null;
                    });
                    List<Planned> stopped = new ArrayList<>();
                    RunStoppedException stop = null;
                    for (int i = 0; i < pass.size(); i++) {
                        Planned p = pass.get(i);
                        Throwable f = outcomes.get(i).failure();
                        if (f == null) {
                            tally.done(p, log, heads.get(p));
                        } else if (f instanceof RunStoppedException e) {
                            stopped.add(p);
                            stop = e;
                        } else {
                            tally.failed(p, f, log, heads.get(p));
                        }
                    }
                    if (stop != null) {
                        throw stopped(stop, stopped);
                    }
                }
            }
        }
        return new Summary(sweep.name(), out.toString(), shard.toString(), sweep.runs().size(), plan.size(),
                tally.finished, tally.trained, tally.resumed, tally.failed, (System.nanoTime() - start) / 1e9);
    }

    /**
     * The runs in groups that can train together (same model, task and batch sizes: see
     * {@link PopulationSession#shape}), each group in the runs' order, the groups in the order of their
     * first run. Logs one line for each run outside the first group: why it could not join it.
     */
    public static List<List<Planned>> groups(List<Planned> runs, PrintStream log) {
        Map<JsonNode, List<Planned>> byShape = new LinkedHashMap<>();
        for (Planned p : runs) {
            byShape.computeIfAbsent(PopulationSession.shape(p.run().spec()), k -> new ArrayList<>()).add(p);
        }
        List<List<Planned>> groups = new ArrayList<>(byShape.values());
        if (groups.size() > 1) {
            log.printf("together: %d runs in %d groups that train apart (runs share a pass when their model, task "
                    + "and batch sizes agree)%n", runs.size(), groups.size());
            Planned first = groups.get(0).get(0);
            for (int g = 1; g < groups.size(); g++) {
                for (Planned p : groups.get(g)) {
                    log.printf("  %s: group %d, not with %s: %s%n", p.run().id(), g + 1, first.run().id(),
                            PopulationSession.whyApart(first.run().spec(), p.run().spec()));
                }
            }
        }
        return groups;
    }

    private static String starting(Planned p) {
        boolean weights = Files.exists(p.dir().resolve(RunDirectory.WEIGHTS));
        return (p.state() == State.RESUME ? weights ? "finishing (its final weights are written)"
                : "resuming from its newest checkpoint"
                : p.state() == State.RESTART ? "interrupted before any checkpoint; starting again" : "training")
                + (p.run().variant() == null ? "" : " " + p.run().variant()) + " "
                + Json.mapper().valueToTree(p.run().values());
    }

    /** Trains, restarts or resumes one run of the sweep in its directory, with the sweep's checkpoint interval. */
    private static void runOne(Sweep sweep, Planned p, Path out, RunOptions options, PrintStream log, String head)
            throws IOException {
        RunOptions mine = options.withOutDir(p.dir()).withCheckpointEvery(sweep.checkpointEvery());
        if (p.state() == State.RESUME) {
            TrainingSession.resume(p.dir(), mine, ProgressRecorder.HOOK);
            return;
        }
        if (p.state() == State.RESTART) {
            log.println(head + ": the partial run moved to " + moveAside(p.dir(), out));
        }
        Files.createDirectories(p.dir());
        Json.writePretty(p.dir().resolve(SWEEP_RUN), marker(sweep, p.run()));
        TrainingSession.train(p.run().spec(), mine, ProgressRecorder.HOOK);
    }

    /** The sweep's stop after its runs stopped: the same command continues them all. */
    private static RunStoppedException stopped(RunStoppedException e, List<Planned> runs) {
        List<String> ids = runs.stream().map(p -> p.run().id()).toList();
        return new RunStoppedException(e.getMessage().replaceFirst("; continue with: .*", "")
                + (ids.size() == 1 ? " (run " + ids.get(0) + ")" : " (runs " + String.join(", ", ids) + ")")
                + "; continue with the same grokcap sweep command");
    }

    /** The counts of a sweep's runs by what happened to them. */
    private static final class Tally {
        int finished;
        int trained;
        int resumed;
        final List<Map<String, String>> failed = new ArrayList<>();

        void done(Planned p, PrintStream log, String head) {
            if (p.state() == State.RESUME) {
                resumed++;
            } else {
                trained++;
            }
            log.println(head + ": done");
        }

        void failed(Planned p, Throwable e, PrintStream log, String head) {
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
        Json.Difference d = Json.firstDifference(path, a, b);
        return d == null ? null : (d.path().isEmpty() ? "config" : d.path()) + ": " + d.first() + " then, "
                + d.second() + " now";
    }
}
