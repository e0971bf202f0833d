package org.grokcap.run;

import org.grokcap.io.MetricsRow;



import org.grokcap.util.BadInputException;

import org.grokcap.backend.Backend;
import org.grokcap.backend.Backends;
import org.grokcap.backend.Device;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.config.StopRule;
import org.grokcap.config.ConfigException;
import org.grokcap.io.Json;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.ParamLayout;
import org.grokcap.model.Transformer;
import org.grokcap.train.Trainer;
import org.grokcap.train.TrainingDivergedException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The writer of a run directory: trains a new run or resumes a stopped one and owns every side effect
 * of training on disk: run.json, the metrics rows, checkpoints, final weights, progress measures (through
 * a {@link ProgressHook}), plots and milestones. {@code org.grokcap.Grokcap} is the public facade over it.
 */
public final class TrainingSession {
    /** The name of a run whose spec has none: it titles the plots and starts the run directory's name. */
    public static final String UNNAMED = "run";

    private TrainingSession() {}

    /** Set once a stop was asked for; a process stops once, so it is never cleared. */
    private static volatile boolean stopRequested;

    /**
     * Asks every run of this process to stop at its next step boundary: it writes a checkpoint there
     * and ends with a {@link RunStoppedException} that says how to continue. The command line asks
     * for this on SIGTERM and SIGINT. A run already past its last update finishes instead.
     */
    public static void requestStop() {
        stopRequested = true;
    }

    /**
     * Trains one experiment and writes its run directory. Everything that can be wrong with the input
     * (config, sizes, output directory) is checked before the directory is touched. hook records the
     * progress measures when options ask for them (analysisEvery &gt; 0); it may be null otherwise.
     */
    public static RunResult train(ExperimentSpec spec, RunOptions options, ProgressHook hook) {
        if (spec.name() == null) {
            spec = spec.withName(UNNAMED); // a spec built in code or parsed from text has no file name to borrow
        }
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        ModelConfig model = spec.model().withData(data.vocabSize(), data.outputVocabSize(), data.contextLength());
        ExperimentSpec resolved = spec.withModel(model);
        Backend backend = Backends.choose(options.backend());
        String noAnalysis = options.analysisEvery() > 0 ? hook.unsupportedReason(spec.task()) : null;
        if (noAnalysis != null) {
            throw new BadInputException("--analysis-every: " + noAnalysis);
        }
        Path out = options.outDir() != null ? options.outDir() : defaultRunDir(resolved);
        try (Device device = options.openDevice(backend)) {
            Trainer trainer = newTrainer(resolved, data, device);
            long parameters = trainer.model().layout().size();
            Provenance provenance = Provenance.capture(backend.name(), device.describe(), data.hash(), parameters);
            try (RunDirectory run = RunDirectory.create(out);
                 ProgressHook.Recorder progress = options.analysisEvery() > 0 ? hook.start(run.path(),
                         resolved.task(), data, trainer.model(), options.analysisEvery()) : null) {
                Map<String, Object> record = new LinkedHashMap<>();
                record.put("config", resolved);
                record.put("provenance", provenance);
                if (options.checkpointEvery() > 0) {
                    record.put(Checkpoint.CHECKPOINT_EVERY, options.checkpointEvery());
                }
                run.writeRecord(record);
                run.writeVocabulary(data.vocabulary());
                return continueRun(run, trainer, resolved, provenance, data, record, new ArrayList<>(),
                        options.checkpointEvery(), options.listener(), progress, hook);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the run directory " + out + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Continues a run from its newest checkpoint, as if it had never stopped: the metrics of steps after
     * the checkpoint are cut from metrics.jsonl and made again, so the finished run's metrics and
     * weights are bit-identical to those of an uninterrupted run. The config, seed and dataset are the
     * checkpoint's; options choose the backend, threads, listener and (if &gt; 0) a new checkpoint interval.
     *
     * <p>Every run that has not finished (its run.json has no result) can be finished this way: one
     * killed after its final weights only finishes (plots and result, no training); one killed before
     * its first checkpoint restarts in place from step 0 with its run.json's config, which ends as an
     * uninterrupted run would. hook finishes the progress measures of a run that recorded them.
     */
    public static RunResult resume(Path runDir, RunOptions options, ProgressHook hook) {
        return resume(runDir, options, null, hook);
    }

    /**
     * As {@link #resume(Path, RunOptions, ProgressHook)}, with steps (when not null) as the run's new
     * total number of steps in place of its config's ({@code grokcap train --resume RUN_DIR --steps N}):
     * the run ends as an uninterrupted run of steps steps would, bit for bit, and its later checkpoints
     * carry the new total. It must be more than the steps already done; a finished run cannot be
     * extended (it keeps no optimizer state for its last step).
     */
    public static RunResult resume(Path runDir, RunOptions options, Integer steps, ProgressHook hook) {
        if (options.analysisEvery() > 0) {
            throw new BadInputException("--analysis-every applies to a new run only, not to --resume");
        }
        try (RunDirectory run = RunDirectory.openForResume(runDir)) {
            Map<String, Object> record = run.readRecord(); // a damaged record stops the resume before anything changes
            if (record.get(RunDirectory.RESULT) != null) {
                throw new BadInputException("run " + runDir + " is already finished (its " + RunDirectory.RUN_JSON
                        + " has the result); nothing to resume" + (steps == null ? "" : "; --steps cannot extend a "
                        + "finished run (it keeps no optimizer state for its last step): train it again with --steps"));
            }
            if (Files.isRegularFile(run.path().resolve(RunDirectory.WEIGHTS))) {
                return finishFromWeights(run, record, steps, hook);
            }
            List<Path> checkpoints = run.checkpoints();
            if (checkpoints.isEmpty()) {
                return restartInPlace(run, record, options, steps, hook);
            }
            Path latest = checkpoints.get(checkpoints.size() - 1);
            Checkpoint.Info info = Checkpoint.readInfo(latest);
            ExperimentSpec spec = info.spec();
            Provenance provenance = info.provenance();
            TokenizedDataset data = spec.task().generate(spec.train().seed());
            if (!data.hash().equals(provenance.datasetHash())) {
                throw new BadInputException(latest + ": the dataset generated now (SHA-256 " + data.hash()
                        + ") differs from the run's (" + provenance.datasetHash() + "); it cannot continue exactly");
            }
            ExperimentSpec written = spec; // the rows in metrics.jsonl follow its evaluation schedule
            if (steps != null) {
                if (steps <= info.step()) {
                    throw new BadInputException("--steps " + steps + ": the run is at step " + info.step()
                            + " (" + run.path().relativize(latest) + "); give more");
                }
                spec = spec.withTrain(spec.train().withSteps(steps));
                record.put("config", spec);
            }
            int every = options.checkpointEvery() > 0 ? options.checkpointEvery() : info.checkpointEvery();
            Backend backend = Backends.choose(options.backend());
            try (Device device = options.openDevice(backend)) {
                Trainer trainer = newTrainer(spec, data, device);
                Checkpoint.restore(latest, trainer);
                run.truncateMetrics(info.metricsBytes(), written.train().lastEvaluationBefore(info.step()), latest);
                List<Map<String, Double>> rows = run.readMetrics();
                @SuppressWarnings("unchecked")
                List<Object> resumes = (List<Object>) record.computeIfAbsent("resumes", k -> new ArrayList<>());
                Map<String, Object> resume = new LinkedHashMap<>();
                resume.put("fromCheckpoint", run.path().relativize(latest).toString());
                resume.put("step", trainer.optimizer().stepCount());
                if (steps != null) {
                    resume.put("steps", steps);
                }
                resume.put("provenance", Provenance.capture(backend.name(), device.describe(), data.hash(),
                        trainer.model().layout().size()));
                resumes.add(resume);
                run.writeRecord(record);
                return continueRun(run, trainer, spec, provenance, data, record, rows, every, options.listener(), null, hook);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("resuming the run in " + runDir + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Finishes a run that wrote its final weights but was stopped before its plots and result: what
     * the end of a run does after the weights, from the files alone (no training, no data generated).
     */
    private static RunResult finishFromWeights(RunDirectory run, Map<String, Object> record, Integer newSteps,
                                               ProgressHook hook) throws IOException {
        Path weights = run.path().resolve(RunDirectory.WEIGHTS);
        Map<String, String> meta = Checkpoint.metadataOf(weights, "weights");
        ExperimentSpec spec = Checkpoint.config(weights, meta);
        int steps;
        try {
            steps = Integer.parseInt(meta.getOrDefault(Checkpoint.STEP, ""));
        } catch (NumberFormatException e) {
            throw new BadInputException(weights + ": __metadata__ " + Checkpoint.STEP + " = '" + meta.get(Checkpoint.STEP)
                    + "' is not a whole number");
        }
        if (newSteps != null && newSteps != steps) {
            throw new BadInputException("--steps " + newSteps + ": run " + run.path() + " has its final weights at step "
                    + steps + " and only needs finishing; resume it without --steps");
        }
        List<Map<String, Double>> rows = run.readMetrics();
        // a row holds each split's loss and accuracy, in the data's order
        List<String> splits = rows.isEmpty() ? new ArrayList<>() : MetricsRow.of(rows.get(0)).splitNames();
        boolean analysis = hook.recorded(run.path());
        return finish(run, spec, rows, splits, analysis, record, steps, requireFits(spec).size(), 0.0, 0,
                rows.isEmpty() ? Map.of() : rows.get(rows.size() - 1), hook);
    }

    /**
     * Starts a run that was stopped before its first checkpoint again in its own directory, from step 0
     * with the config and seed of its run.json: its metrics are made again from the first row, so it
     * ends as an uninterrupted run would.
     */
    private static RunResult restartInPlace(RunDirectory run, Map<String, Object> record, RunOptions options,
                                            Integer steps, ProgressHook hook)
            throws IOException {
        Path file = run.path().resolve(RunDirectory.RUN_JSON);
        if (!(record.get("config") instanceof Map<?, ?> config) || !(record.get("provenance") instanceof Map<?, ?>)) {
            throw new BadInputException(file + " has no config and provenance to restart the run from");
        }
        ExperimentSpec spec = ConfigLoader.parse(Json.mapper().writeValueAsString(config), false, file + " config");
        Provenance provenance;
        try {
            provenance = Json.mapper().convertValue(record.get("provenance"), Provenance.class);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file + ": provenance is not valid: " + e.getMessage(), e);
        }
        if (steps != null) {
            spec = spec.withTrain(spec.train().withSteps(steps));
            record.put("config", spec);
        }
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        if (!data.hash().equals(provenance.datasetHash())) {
            throw new BadInputException(file + ": the dataset generated now (SHA-256 " + data.hash()
                    + ") differs from the run's (" + provenance.datasetHash() + "); it cannot be restarted exactly");
        }
        int every = options.checkpointEvery() > 0 ? options.checkpointEvery()
                : record.get(Checkpoint.CHECKPOINT_EVERY) instanceof Number n ? n.intValue() : 0;
        Backend backend = Backends.choose(options.backend());
        try (Device device = options.openDevice(backend)) {
            Trainer trainer = newTrainer(spec, data, device);
            run.truncateMetrics(0, -1, file); // no row is covered: all are made again
            @SuppressWarnings("unchecked")
            List<Object> resumes = (List<Object>) record.computeIfAbsent("resumes", k -> new ArrayList<>());
            Map<String, Object> resume = new LinkedHashMap<>();
            resume.put("restartedFromStep", 0);
            resume.put("provenance", Provenance.capture(backend.name(), device.describe(), data.hash(),
                    trainer.model().layout().size()));
            resumes.add(resume);
            run.writeRecord(record);
            return continueRun(run, trainer, spec, provenance, data, record, new ArrayList<>(), every,
                    options.listener(), null, hook);
        }
    }

    /**
     * The parameter layout of a spec whose sizes are resolved (see {@link ModelConfig#withData}); bad
     * input when no flat buffer, or this JVM's heap, can hold the parameters, gradients and moments.
     * Nothing large is allocated.
     */
    public static ParamLayout requireFits(ExperimentSpec resolved) {
        return requireFits(resolved, 0);
    }

    /**
     * As {@link #requireFits(ExperimentSpec)}, counting also what training allocates for batches of up
     * to maxBatch sequences (0: none): the activations and their gradients, and the copy of the largest
     * matrix operand a backend packs for its matrix products. A model that passed a check of the
     * parameters alone at 85 % of the heap ran out of memory once its activations were allocated.
     */
    public static ParamLayout requireFits(ExperimentSpec resolved, int maxBatch) {
        ParamLayout layout;
        try {
            layout = ParamLayout.of(resolved.model());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("model (layers, dModel, dMlp, vocabulary): " + e.getMessage());
        }
        long parameterBytes = 4L * Float.BYTES * layout.size(); // parameters, gradients and two AdamW moments
        ModelConfig allocated = Trainer.allocatedModel(resolved.train(), resolved.model());
        long activationBytes = maxBatch == 0 ? 0 : Float.BYTES * (2 * Transformer.activationFloats(allocated, maxBatch)
                + Transformer.largestActivationFloats(allocated, maxBatch));
        long bytes = parameterBytes + activationBytes;
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > available(heap)) {
            System.gc(); // only at the edge: count what is really in use, not garbage, before refusing
        }
        long available = available(heap);
        if (bytes > available) {
            String what = maxBatch == 0 ? String.format("model: %,d parameters need %,d MiB for parameters, gradients "
                    + "and AdamW moments alone", layout.size(), bytes >> 20)
                    : String.format("model: %,d parameters with batches of %,d sequences need %,d MiB (%,d MiB for "
                    + "parameters, gradients and AdamW moments, %,d MiB for activations, their gradients and "
                    + "workspace)", layout.size(), maxBatch, bytes >> 20, parameterBytes >> 20, activationBytes >> 20);
            throw new ConfigException(what + String.format(", more than the JVM's %,d MiB heap has free (%,d MiB; "
                    + "raise it with GROKCAP_JAVA_OPTS=-Xmx...%s)", heap >> 20, available >> 20,
                    maxBatch == 0 ? "" : ", or lower train.batchSize and train.evalBatchSize"));
        }
        return layout;
    }

    /** Heap not in use now: the maximum heap less what is allocated (the dataset among it). */
    private static long available(long heap) {
        Runtime rt = Runtime.getRuntime();
        return heap - (rt.totalMemory() - rt.freeMemory());
    }

    /** The trainer for a resolved spec, once {@link #requireFits} passes; impossible batch sizes are bad input. */
    private static Trainer newTrainer(ExperimentSpec resolved, TokenizedDataset data, Device device) {
        StopRule stop = resolved.train().stopWhen();
        if (stop != null) {
            String split = stop.metric().substring(0, stop.metric().lastIndexOf('_'));
            if (!data.splits().containsKey(split)) {
                throw new ConfigException("train.stopWhen.metric", stop.metric(),
                        "names no split of this task; its splits are " + data.splits().keySet());
            }
        }
        int maxBatch = Trainer.maxBatch(resolved.train(), data);
        requireFits(resolved);
        try {
            Transformer.requireBatchFits(Trainer.allocatedModel(resolved.train(), resolved.model()), maxBatch);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("train (batchSize, evalBatchSize): " + e.getMessage());
        }
        requireFits(resolved, maxBatch);
        try {
            return new Trainer(resolved, data, device);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("train (batchSize, evalBatchSize): " + e.getMessage());
        }
    }

    /** Trains the remaining steps and finishes the run directory: metrics, checkpoints, weights, plots, result. */
    private static RunResult continueRun(RunDirectory run, Trainer trainer, ExperimentSpec resolved,
                                         Provenance provenance, TokenizedDataset data, Map<String, Object> record,
                                         List<Map<String, Double>> rows, int checkpointEvery, Trainer.Listener user,
                                         ProgressHook.Recorder progress, ProgressHook hook)
            throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(Checkpoint.CONFIG, Json.mapper().writeValueAsString(resolved));
        meta.put(Checkpoint.PROVENANCE, Json.mapper().writeValueAsString(provenance));
        List<Path> existing = run.checkpoints();
        Path[] lastGood = {existing.isEmpty() ? null : existing.get(existing.size() - 1)};
        int stepsBefore = trainer.optimizer().stepCount();
        long start = System.nanoTime();
        // Without --checkpoint-every a run still checkpoints every few minutes of wall time, so a crash
        // (which no shutdown hook sees) costs at most those minutes. Resuming from such a checkpoint is
        // exact as from any other: a checkpoint holds the whole state after an update.
        long wallEvery = checkpointEvery > 0 ? 0 : wallCheckpointNanos();
        long[] lastCheckpointAt = {start};
        Map<String, Double> last;
        StopRule stopRule = resolved.train().stopWhen();
        boolean[] stopping = {false};
        try {
            last = trainer.run(new Trainer.Listener() {
                @Override
                public void onMetrics(Map<String, Double> row, int total) {
                    rows.add(row);
                    stopping[0] = stopRule != null && stopRule.stopsAfter(rows, MetricsRow.STEP);
                    try {
                        run.appendMetrics(row);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot append to " + run.path().resolve(RunDirectory.METRICS)
                                + ": " + e.getMessage() + "; " + lastGoodCheckpoint(lastGood[0]), e);
                    }
                    try {
                        if (progress != null) {
                            progress.afterUpdates(trainer.optimizer().stepCount(),
                                    row.get(MetricsRow.STEP) == total - 1 || stopping[0]);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot append to the progress measures", e);
                    }
                    if (user != null) {
                        user.onMetrics(row, total);
                    }
                }

                @Override
                public void afterUpdate(int updates, int total) {
                    if (stopRequested && updates < total) {
                        Path file = checkpoint(run, trainer, updates, meta, checkpointEvery, lastGood[0]);
                        throw new RunStoppedException("stopped at update " + updates + " of " + total + " with checkpoint "
                                + file + "; continue with: grokcap train --resume " + run.path());
                    }
                    boolean due = checkpointEvery > 0 ? updates % checkpointEvery == 0
                            : wallEvery > 0 && System.nanoTime() - lastCheckpointAt[0] >= wallEvery;
                    if (due && updates < total) {
                        lastGood[0] = checkpoint(run, trainer, updates, meta, checkpointEvery, lastGood[0]);
                        lastCheckpointAt[0] = System.nanoTime();
                    }
                    if (user != null) {
                        user.afterUpdate(updates, total);
                    }
                }

                @Override
                public boolean stopNow() {
                    return stopping[0];
                }
            });
        } catch (TrainingDivergedException e) {
            throw new TrainingDivergedException(e.getMessage() + "; " + lastGoodCheckpoint(lastGood[0]));
        }
        double wall = (System.nanoTime() - start) / 1e9;
        if (last == null && !rows.isEmpty()) {
            last = rows.get(rows.size() - 1); // resumed after the last row was written
        }

        // The last update may have made the parameters non-finite with a finite loss before it: such
        // weights must never be written as a finished run.
        String bad = trainer.divergenceAfterUpdate();
        if (bad != null) {
            throw new TrainingDivergedException("training diverged at update " + trainer.optimizer().stepCount()
                    + " (the last): " + bad + "; no weights written; " + lastGoodCheckpoint(lastGood[0]));
        }
        trainer.model().device().toHost(trainer.model().params());
        Map<String, String> weightsMeta = new LinkedHashMap<>();
        weightsMeta.put("format", "grokcap");
        weightsMeta.putAll(meta);
        weightsMeta.put(Checkpoint.STEP, Integer.toString(trainer.optimizer().stepCount()));
        run.writeWeights(trainer.model().layout(), trainer.model().params().host(), weightsMeta);
        return finish(run, resolved, rows, new ArrayList<>(data.splits().keySet()), progress != null, record,
                trainer.optimizer().stepCount(), trainer.model().layout().size(), wall,
                trainer.optimizer().stepCount() - stepsBefore, last, hook);
    }

    /**
     * What a run does after its final weights, and all that {@code --resume} must redo for a run
     * stopped after them: the analysis phases (if it recorded progress measures), the plots (which
     * never block the result: see {@link #drawPlots}), and the result in run.json, written last.
     */
    private static RunResult finish(RunDirectory run, ExperimentSpec resolved, List<Map<String, Double>> rows,
                                    List<String> splits, boolean analysis, Map<String, Object> record, int steps,
                                    long parameters, double wall, int sessionSteps, Map<String, Double> last,
                                    ProgressHook hook)
            throws IOException {
        Milestones milestones = new Milestones();
        MetricsRow.of(rows).forEach(milestones::see);
        if (analysis) {
            hook.writePhases(run.path(), resolved.name(), rows, splits);
        }
        String plotsNotWritten = drawPlots(() -> {
            run.writePlots(resolved.name(), rows, splits, resolved.train().evalLogSpaced());
            if (analysis) {
                hook.plot(run.path(), resolved.name(), rows);
            }
        });
        RunResult result = new RunResult(run.path(), steps, parameters, wall, sessionSteps, last, milestones.reached,
                plotsNotWritten);
        record.put(RunDirectory.RESULT, result);
        run.writeRecord(record);
        return result;
    }

    /** Drawing code that may write files. */
    public interface Drawing {
        void draw() throws IOException;
    }

    /**
     * Draws a finished run's plots and returns null, or why they could not be drawn. Java's 2D
     * graphics need fonts, which a bare GPU node or a minimal container may lack ("Fontconfig head is
     * null"), and a full disk or an unwritable plots/ folder stops the files; that costs the pictures,
     * never the run: its metrics, weights and run.json are written, and the plots can be drawn later
     * from metrics.jsonl (grokcap report).
     */
    public static String drawPlots(Drawing drawing) {
        try {
            drawing.draw();
            return null;
        } catch (IOException | RuntimeException | InternalError | UnsatisfiedLinkError | NoClassDefFoundError e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /**
     * Writes the checkpoint after this many updates and returns its file. Parameters that are no longer
     * finite stop the run instead: a checkpoint must be good to resume from.
     */
    private static Path checkpoint(RunDirectory run, Trainer trainer, int updates, Map<String, String> runMeta,
                                   int every, Path previous) {
        String bad = trainer.divergenceAfterUpdate();
        if (bad != null) {
            throw new TrainingDivergedException("training diverged at update " + updates + ": " + bad);
        }
        Path file = run.checkpointFile(updates);
        try {
            Map<String, String> meta = new LinkedHashMap<>(runMeta);
            meta.put(Checkpoint.METRICS_BYTES, Long.toString(run.metricsBytes()));
            meta.put(Checkpoint.CHECKPOINT_EVERY, Integer.toString(every));
            return run.writeCheckpoint(updates, f -> Checkpoint.write(f, trainer, meta));
        } catch (IOException e) {
            throw new UncheckedIOException("writing checkpoint " + file + " failed: " + e.getMessage() + "; "
                    + lastGoodCheckpoint(previous), e);
        }
    }

    /** The system property with the wall-clock checkpoint interval of a run without --checkpoint-every, in seconds (0: none). */
    public static final String CHECKPOINT_SECONDS = "grokcap.checkpointSeconds";
    /** Five minutes: a checkpoint of a large model takes seconds to write, a few of them per hour cost nothing. */
    static final double DEFAULT_CHECKPOINT_SECONDS = 300;

    private static long wallCheckpointNanos() {
        String value = System.getProperty(CHECKPOINT_SECONDS);
        double seconds;
        try {
            seconds = value == null ? DEFAULT_CHECKPOINT_SECONDS : Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new BadInputException("-D" + CHECKPOINT_SECONDS + "=" + value + ": must be a number of seconds");
        }
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
            throw new BadInputException("-D" + CHECKPOINT_SECONDS + "=" + value + ": must be 0 (none) or more seconds");
        }
        return (long) (seconds * 1e9);
    }

    private static String lastGoodCheckpoint(Path file) {
        return file == null ? "no checkpoint was written (see --checkpoint-every)"
                : "the last good checkpoint is " + file;
    }

    private static Path defaultRunDir(ExperimentSpec spec) {
        String time = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return Path.of("runs", spec.name() + "-" + time);
    }

    /** The first step at which each split's accuracy reached 0.99 and 1.0. */
    private static final class Milestones {
        final Map<String, Integer> reached = new LinkedHashMap<>();

        void see(MetricsRow row) {
            row.splits().forEach((split, m) -> {
                if (m.accuracy() != null) {
                    String key = MetricsRow.accuracyKey(split); // the milestones' names are the metrics' keys
                    if (m.accuracy() >= 0.99) {
                        reached.putIfAbsent(key + "_99", row.step());
                    }
                    if (m.accuracy() >= 1.0) {
                        reached.putIfAbsent(key + "_100", row.step());
                    }
                }
            });
        }
    }
}
