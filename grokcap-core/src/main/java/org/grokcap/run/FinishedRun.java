package org.grokcap.run;

import org.grokcap.io.MetricsRow;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.grokcap.backend.Device;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.data.profiles.ProfilesData;
import org.grokcap.data.profiles.ProfilesTaskSpec;
import org.grokcap.io.JsonLines;
import org.grokcap.model.Safetensors;
import org.grokcap.model.Transformer;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.util.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The reader of a finished run directory (run.json with its result's files and the final weights): its
 * resolved spec, the data it was trained on, its model with the final weights, its metrics rows and
 * record. Every command that reads a run back (analyze, capacity of, probe, answer, report, the sweep's
 * finished check) comes through here, so a run is read one way; {@link TrainingSession} writes it.
 */
public final class FinishedRun {
    private final Path dir;
    private final ObjectNode record;
    private final ExperimentSpec spec;

    private FinishedRun(Path dir, ObjectNode record, ExperimentSpec spec) {
        this.dir = dir;
        this.record = record;
        this.spec = spec;
    }

    /** Opens a finished run (run.json and final weights present), or a bad-input error naming what is missing. */
    public static FinishedRun open(Path runDir) {
        RunDirectory.requireFinished(runDir);
        ObjectNode record = RunDirectory.readRecord(runDir); // a damaged record is named as such, not as a config
        return new FinishedRun(runDir, record, ConfigLoader.load(runDir.resolve(RunDirectory.RUN_JSON)));
    }

    /**
     * Whether a run.json (as read) belongs to a run that ended: its {@code result} is written last,
     * after the weights and plots, so a run killed at any earlier moment has none.
     */
    public static boolean finished(JsonNode record) {
        return record.hasNonNull(RunDirectory.RESULT);
    }

    /** Whether the directory holds a run whose run.json has its result (a damaged run.json is bad input). */
    public static boolean finished(Path runDir) {
        return finished(RunDirectory.readRecord(runDir));
    }

    public Path dir() {
        return dir;
    }

    /** The run's resolved spec, as its run.json records it. */
    public ExperimentSpec spec() {
        return spec;
    }

    /** The run's record, run.json. */
    public ObjectNode record() {
        return record;
    }

    /** The dataset the run was trained on, generated again from its task and seed. */
    public TokenizedDataset data() {
        return spec.task().generate(spec.train().seed());
    }

    /**
     * The profiles data the run was trained on (regenerated from its seed), or a bad-input error saying
     * that what (e.g. "probes need") needs a profiles run.
     */
    public ProfilesData profilesData(String what) {
        if (!(spec.task() instanceof ProfilesTaskSpec task)) {
            throw new BadInputException(dir + ": " + what + " a profiles run; this one's task is "
                    + spec.task().getClass().getSimpleName());
        }
        return task.build(spec.train().seed());
    }

    /** The token names, index = token id (vocab.json). */
    public List<String> vocabulary() {
        return RunDirectory.readVocabulary(dir);
    }

    /** The metrics rows of metrics.jsonl, or null when the run has none. */
    public List<Map<String, Double>> metrics() throws IOException {
        Path file = dir.resolve(RunDirectory.METRICS);
        return Files.exists(file) ? JsonLines.readMetrics(file) : null;
    }

    /** The typed metrics rows of metrics.jsonl, or null when the run has none. */
    public List<MetricsRow> metricsRows() throws IOException {
        List<Map<String, Double>> rows = metrics();
        return rows == null ? null : MetricsRow.of(rows);
    }

    /**
     * The metrics rows of any run directory, finished or not (the report shows both): those of
     * metrics.jsonl, or none when it is not there.
     */
    public static List<Map<String, Double>> readMetrics(Path runDir) throws IOException {
        Path file = runDir.resolve(RunDirectory.METRICS);
        return Files.isRegularFile(file) ? JsonLines.readMetrics(file) : List.of();
    }

    /** A finished run's model with its final weights, and the step they are from. */
    public record TrainedModel(Transformer model, int step) {}

    /** Builds the run's model for the data it was trained on, for batches up to maxBatch, and loads its final weights. */
    public TrainedModel loadModel(TokenizedDataset data, Device device, int maxBatch) {
        return loadModel(spec.withModel(spec.model().withData(data.vocabSize(), data.outputVocabSize(),
                data.contextLength())), device, maxBatch);
    }

    /**
     * Builds the model the run's resolved spec (its run.json) describes, for batches up to maxBatch, and
     * loads its final weights, without regenerating the data.
     */
    public TrainedModel loadModel(Device device, int maxBatch) {
        return loadModel(spec, device, maxBatch);
    }

    private TrainedModel loadModel(ExperimentSpec resolved, Device device, int maxBatch) {
        Path weights = dir.resolve(RunDirectory.WEIGHTS);
        Transformer model = new Transformer(device, resolved.model(), maxBatch);
        Map<String, String> meta;
        try {
            meta = Safetensors.readInto(weights, model.layout(), model.params().host());
        } catch (IOException e) {
            throw new BadInputException("cannot load the weights: " + e.getMessage(), e);
        }
        device.toDevice(model.params());
        int step = resolved.train().steps();
        if (meta.containsKey("step")) {
            try {
                step = Integer.parseInt(meta.get("step"));
            } catch (NumberFormatException e) {
                throw new BadInputException(weights + ": metadata step = " + meta.get("step") + " is not a number");
            }
        }
        return new TrainedModel(model, step);
    }
}
