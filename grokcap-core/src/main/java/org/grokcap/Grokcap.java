package org.grokcap;

import org.grokcap.analysis.ModularAnalysis;
import org.grokcap.analysis.ProgressRecorder;
import org.grokcap.backend.Backend;
import org.grokcap.backend.Backends;
import org.grokcap.backend.Device;
import org.grokcap.config.ConfigLoader;
import org.grokcap.config.ExperimentSpec;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.io.Provenance;
import org.grokcap.io.RunDirectory;
import org.grokcap.model.ModelConfig;
import org.grokcap.train.Trainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The public entry point: {@code Grokcap.train(Path.of("conf/modular-addition.json"))}. The command
 * line and the Maven goals are thin shells over these calls.
 */
public final class Grokcap {
    private Grokcap() {}

    /** Trains the experiment a config file describes, into runs/&lt;name&gt;-&lt;time&gt;. */
    public static RunResult train(Path config) {
        return train(ConfigLoader.load(config), RunOptions.defaults());
    }

    /**
     * Trains one experiment and writes its run directory. Everything that can be wrong with the input
     * (config, sizes, output directory) is checked before the directory is touched.
     */
    public static RunResult train(ExperimentSpec spec, RunOptions options) {
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        ModelConfig model = spec.model().withData(data.vocabSize(), data.outputVocabSize(), data.contextLength());
        ExperimentSpec resolved = spec.withModel(model);
        Backend backend = Backends.choose(options.backend());
        if (options.analysisEvery() > 0 && ModularAnalysis.unsupportedReason(spec.task()) != null) {
            throw new BadInputException("--analysis-every: " + ModularAnalysis.unsupportedReason(spec.task()));
        }
        Path out = options.outDir() != null ? options.outDir() : defaultRunDir(resolved);
        try (Device device = backend.create(options.threads())) {
            Trainer trainer = new Trainer(resolved, data, device);
            long parameters = trainer.model().layout().size();
            Provenance provenance = Provenance.capture(backend.name(), device.describe(), data.hash(), parameters);
            try (RunDirectory run = RunDirectory.create(out);
                 ProgressRecorder progress = options.analysisEvery() > 0 ? ProgressRecorder.start(run.path(), resolved.task(),
                         data, trainer.model(), options.analysisEvery()) : null) {
                Map<String, Object> record = new LinkedHashMap<>();
                record.put("config", resolved);
                record.put("provenance", provenance);
                run.writeRecord(record);

                List<Map<String, Double>> rows = new ArrayList<>();
                Milestones milestones = new Milestones();
                Trainer.Listener user = options.listener();
                long start = System.nanoTime();
                Map<String, Double> last = trainer.run((row, total) -> {
                    rows.add(row);
                    milestones.see(row);
                    try {
                        run.appendMetrics(row);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot append to " + RunDirectory.METRICS, e);
                    }
                    try {
                        if (progress != null) {
                            progress.afterUpdates(trainer.optimizer().stepCount(), row.get("step") == total - 1);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot append to the progress measures", e);
                    }
                    if (user != null) {
                        user.onMetrics(row, total);
                    }
                });
                double wall = (System.nanoTime() - start) / 1e9;

                device.toHost(trainer.model().params());
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("format", "grokcap");
                meta.put("config", org.grokcap.io.Json.mapper().writeValueAsString(resolved));
                meta.put("provenance", org.grokcap.io.Json.mapper().writeValueAsString(provenance));
                meta.put("step", Integer.toString(trainer.optimizer().stepCount()));
                run.writeWeights(trainer.model().layout(), trainer.model().params().host(), meta);
                run.writePlots(resolved.name(), rows, new ArrayList<>(data.splits().keySet()));
                if (progress != null) {
                    ProgressRecorder.writePhases(run.path(), resolved.name(), rows, new ArrayList<>(data.splits().keySet()));
                    ProgressRecorder.plot(run.path(), resolved.name(), rows);
                }

                RunResult result = new RunResult(run.path(), trainer.optimizer().stepCount(), parameters, wall, last,
                        milestones.reached);
                record.put("result", result);
                run.writeRecord(record);
                return result;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the run directory " + out + " failed: " + e.getMessage(), e);
        }
    }

    private static Path defaultRunDir(ExperimentSpec spec) {
        String time = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return Path.of("runs", spec.name() + "-" + time);
    }

    /** The first step at which each split's accuracy reached 0.99 and 1.0. */
    private static final class Milestones {
        final Map<String, Integer> reached = new LinkedHashMap<>();

        void see(Map<String, Double> row) {
            int step = row.get("step").intValue();
            for (Map.Entry<String, Double> e : row.entrySet()) {
                if (e.getKey().endsWith("_accuracy")) {
                    if (e.getValue() >= 0.99) {
                        reached.putIfAbsent(e.getKey() + "_99", step);
                    }
                    if (e.getValue() >= 1.0) {
                        reached.putIfAbsent(e.getKey() + "_100", step);
                    }
                }
            }
        }
    }
}
