package org.grokcap.analysis;

import org.grokcap.data.TaskSpec;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.io.Charts;
import org.grokcap.io.Json;
import org.grokcap.io.JsonLines;
import org.grokcap.io.MetricsRow;
import org.grokcap.io.MetricsWriter;
import org.grokcap.model.Transformer;
import org.grokcap.run.ProgressHook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records {@link ProgressMeasures} during training into RUN_DIR/analysis/progress.jsonl: once before
 * the first update (step 0), whenever the update count reaches a multiple of every, and after the
 * last update; at the end it plots them with the phases of {@link Phases}. A row's step is the number
 * of updates the measured parameters have had, like metrics.jsonl's.
 */
public final class ProgressRecorder implements ProgressHook.Recorder {
    /** The progress measures of this package, handed to the run layer's TrainingSession, which sits below it. */
    public static final ProgressHook HOOK = new ProgressHook() {
        @Override
        public String unsupportedReason(TaskSpec task) {
            return ModularAnalysis.unsupportedReason(task);
        }

        @Override
        public Recorder start(Path runDir, TaskSpec task, TokenizedDataset data, Transformer model, int every)
                throws IOException {
            return ProgressRecorder.start(runDir, task, data, model, every);
        }

        @Override
        public boolean recorded(Path runDir) {
            return Files.exists(runDir.resolve(DIR).resolve(PROGRESS));
        }

        @Override
        public void writePhases(Path runDir, String title, List<Map<String, Double>> rows, List<String> splits)
                throws IOException {
            ProgressRecorder.writePhases(runDir, title, rows, splits);
        }

        @Override
        public void plot(Path runDir, String title, List<Map<String, Double>> rows) throws IOException {
            ProgressRecorder.plot(runDir, title, rows);
        }
    };

    public static final String DIR = "analysis";
    public static final String PROGRESS = "progress.jsonl";

    private final ModularAnalysis analysis;
    private final Transformer model;
    private final int every;
    private final MetricsWriter out;
    private int next;

    private ProgressRecorder(ModularAnalysis analysis, Transformer model, int every, MetricsWriter out) {
        this.analysis = analysis;
        this.model = model;
        this.every = every;
        this.out = out;
    }

    /** Opens RUN_DIR/analysis/progress.jsonl and records step 0. Check the task first with {@link ModularAnalysis#unsupportedReason}. */
    public static ProgressRecorder start(Path runDir, TaskSpec task, TokenizedDataset data, Transformer model, int every)
            throws IOException {
        if (every < 1) {
            throw new IllegalArgumentException("analysis interval must be ≥ 1, got " + every);
        }
        ModularAnalysis analysis = ModularAnalysis.of(task, data);
        Path dir = Files.createDirectories(runDir.resolve(DIR));
        ProgressRecorder r = new ProgressRecorder(analysis, model, every, new MetricsWriter(dir.resolve(PROGRESS)));
        r.record(0);
        return r;
    }

    /** Call after each metrics row, once the model has had updates updates; records when one is due. */
    @Override
    public void afterUpdates(int updates, boolean last) throws IOException {
        if (updates >= next || last) {
            record(updates);
        }
    }

    private void record(int updates) throws IOException {
        ProgressMeasures m = analysis.measure(model, updates);
        out.write(Json.mapper().convertValue(m, LinkedHashMap.class));
        next = (updates / every + 1) * every;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /**
     * Plots RUN_DIR/analysis/progress.jsonl, if there is one, with the phases found in the metrics rows,
     * into RUN_DIR/analysis/progress-{losses,fourier,weights}.{png,svg}. Returns whether it did.
     */
    public static boolean plot(Path runDir, String title, List<Map<String, Double>> metrics) throws IOException {
        return plot(runDir, title, Phases.of(metrics));
    }

    /** {@link #plot(Path, String, List)} with the phases already found (as {@link #writePhases} returns them). */
    static boolean plot(Path runDir, String title, Phases phases) throws IOException {
        Path dir = runDir.resolve(DIR);
        Path file = dir.resolve(PROGRESS);
        if (!Files.exists(file)) {
            return false;
        }
        List<Map<String, Double>> rows = JsonLines.readMetrics(file);
        AnalysisCharts.overSteps(dir, "progress-losses", title + ": losses", "loss", rows,
                List.of("train", "test", "restricted", "excluded"), "Loss", true, phases);
        AnalysisCharts.overSteps(dir, "progress-fourier", title + ": Fourier sparsity", "Gini / share", rows,
                List.of("giniEmbedding", "giniNeuronLogit", "keyFrequencyVariance"), "", false, phases);
        AnalysisCharts.overSteps(dir, "progress-weights", title + ": sum of squared weights", "sum of squared weights",
                rows, List.of("sumSquaredWeights"), "", true, phases);
        return true;
    }

    /** The phases chart and JSON from metrics rows: RUN_DIR/analysis/phases.{json,png,svg}. */
    public static Phases writePhases(Path runDir, String title, List<Map<String, Double>> metrics, List<String> splits)
            throws IOException {
        Path dir = Files.createDirectories(runDir.resolve(DIR));
        Phases phases = Phases.of(metrics);
        Json.writePretty(dir.resolve("phases.json"), phases);
        AnalysisCharts.withPhases(dir, "phases", Charts.metricCurves(title + ": loss and phases", "loss",
                MetricsRow.of(metrics), splits, MetricsRow::loss, false, true), true, phases);
        return phases;
    }
}
