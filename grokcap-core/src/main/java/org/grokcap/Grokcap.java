package org.grokcap;

import org.grokcap.analysis.ProgressRecorder;
import org.grokcap.data.DatasetFiles;
import org.grokcap.model.ParamLayout;
import org.grokcap.run.ConfigLoader;
import org.grokcap.run.HuggingFaceGpt2;
import org.grokcap.run.HuggingFaceLlama;
import org.grokcap.run.PopulationSession;
import org.grokcap.run.RunOptions;
import org.grokcap.run.RunResult;
import org.grokcap.run.TrainingSession;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.train.Population;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The public entry point: {@code Grokcap.train(Path.of("conf/modular-addition.json"))}. The command
 * line and the Maven goals are thin shells over these calls; this class is a facade over the run layer
 * ({@link TrainingSession} writes runs, {@code FinishedRun} and {@link HuggingFaceGpt2} read them) and
 * the only place that joins it with the analysis layer's progress measures.
 */
public final class Grokcap {
    /** The name of a run whose spec has none: it titles the plots and starts the run directory's name. */
    public static final String UNNAMED = TrainingSession.UNNAMED;

    /** The system property with the wall-clock checkpoint interval of a run without --checkpoint-every, in seconds (0: none). */
    public static final String CHECKPOINT_SECONDS = TrainingSession.CHECKPOINT_SECONDS;

    private Grokcap() {}

    /** See {@link TrainingSession#requestStop}. */
    public static void requestStop() {
        TrainingSession.requestStop();
    }

    /**
     * Writes the dataset an experiment's task generates (with the spec's seed) into outDir, which
     * must be absent or empty; returns the metadata also written to dataset.json.
     */
    public static Map<String, Object> generate(ExperimentSpec spec, Path outDir) {
        try {
            Path dir = DatasetFiles.prepare(outDir);
            Map<String, Object> meta = new LinkedHashMap<>(spec.task().writeGenerated(spec.train().seed(), dir));
            meta.put("out", dir.toString());
            return meta;
        } catch (IOException e) {
            throw new UncheckedIOException("writing the dataset to " + outDir + " failed: " + e.getMessage(), e);
        }
    }

    /** Trains the experiment a config file describes, into runs/&lt;name&gt;-&lt;time&gt;. */
    public static RunResult train(Path config) {
        return train(ConfigLoader.load(config), RunOptions.defaults());
    }

    /** See {@link TrainingSession#train}; runs asked for progress measures get the analysis layer's. */
    public static RunResult train(ExperimentSpec spec, RunOptions options) {
        return TrainingSession.train(spec, options, ProgressRecorder.HOOK);
    }

    /**
     * Trains specs together as one population (see {@link PopulationSession#train}): each an ordinary
     * run in DIR/NAME-i, bit-identical to training it alone; a member that fails ends alone. The
     * outcomes are in specs' order.
     */
    public static List<Population.Outcome<RunResult>> trainTogether(List<ExperimentSpec> specs, RunOptions options) {
        return PopulationSession.train(specs, options, ProgressRecorder.HOOK);
    }

    /** See {@link TrainingSession#resume}. */
    public static RunResult resume(Path runDir, RunOptions options) {
        return TrainingSession.resume(runDir, options, ProgressRecorder.HOOK);
    }

    /** See {@link TrainingSession#resume}: steps, when not null, is the run's new total. */
    public static RunResult resume(Path runDir, RunOptions options, Integer steps) {
        return TrainingSession.resume(runDir, options, steps, ProgressRecorder.HOOK);
    }

    /** See {@link HuggingFaceGpt2#exportRun}. */
    public static Path exportGpt2(Path runDir, Path outDir) {
        return HuggingFaceGpt2.exportRun(runDir, outDir);
    }

    /** See {@link HuggingFaceGpt2#importToWeights}. */
    public static HuggingFaceGpt2.Imported importGpt2(Path hfDir, Path weightsFile) {
        return HuggingFaceGpt2.importToWeights(hfDir, weightsFile);
    }

    /** See {@link HuggingFaceLlama#exportRun}. */
    public static Path exportLlama(Path runDir, Path outDir) {
        return HuggingFaceLlama.exportRun(runDir, outDir);
    }

    /** See {@link HuggingFaceLlama#importToWeights}. */
    public static HuggingFaceGpt2.Imported importLlama(Path hfDir, Path weightsFile) {
        return HuggingFaceLlama.importToWeights(hfDir, weightsFile);
    }

    /** See {@link TrainingSession#requireFits(ExperimentSpec)}. */
    public static ParamLayout requireFits(ExperimentSpec resolved) {
        return TrainingSession.requireFits(resolved);
    }
}
