package org.grokcap.capacity;

import org.grokcap.run.FinishedRun;
import org.grokcap.io.MetricsRow;
import org.grokcap.analysis.AnswerLosses;

import org.grokcap.util.BadInputException;
import org.grokcap.backend.Backends;
import org.grokcap.backend.Device;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.Split;
import org.grokcap.data.profiles.AnswerSpans;
import org.grokcap.data.profiles.ProfilesData;
import org.grokcap.data.profiles.ProfilesTaskSpec;
import org.grokcap.io.Json;
import org.grokcap.run.RunDirectory;
import org.grokcap.model.Transformer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code grokcap capacity of RUN_DIR}: the capacity of a trained profiles model ({@link ModelCapacity})
 * from its losses on the 1-hop facts of its training split, with the dataset's entropy under the
 * optimal encoding and selection schemes ({@link DatasetEntropy}) and the convergence test
 * ({@link Convergence}) on its training loss. Given a directory of runs (a sweep), it does every run and
 * draws the capacity plots ({@link CapacityCharts}) into DIR/plots.
 */
public final class RunCapacity {
    public static final String FILE = "capacity.json";
    /** Sequences per forward pass when evaluating. */
    private static final int EVAL_BATCH = 256;

    private RunCapacity() {}

    /** Convergence test settings. */
    public record Options(int window, double threshold, String backend) {
        public static Options defaults() {
            return new Options(Convergence.DEFAULT_WINDOW, Convergence.DEFAULT_THRESHOLD, null);
        }
    }

    /** Whether dir is one finished run (holds run.json) rather than a directory of runs. */
    public static boolean isRun(Path dir) {
        return Files.isRegularFile(dir.resolve(RunDirectory.RUN_JSON));
    }

    /** The runs directly under a sweep directory, in name order. */
    public static List<Path> runsUnder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException("not a directory: " + dir);
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> runs = s.filter(p -> Files.isDirectory(p) && isRun(p)).sorted().toList();
            if (runs.isEmpty()) {
                throw new BadInputException(dir + " is neither a run (no run.json) nor a directory of runs");
            }
            return runs;
        }
    }

    /** Capacity of one finished run; also written to RUN_DIR/capacity.json. */
    public static Map<String, Object> of(Path runDir, Options options) throws IOException {
        FinishedRun run = FinishedRun.open(runDir);
        ExperimentSpec spec = run.spec();
        ProfilesData data = run.profilesData("capacity needs");
        ProfilesTaskSpec task = (ProfilesTaskSpec) spec.task();
        String trainName = data.dataset().trainSplit();
        Split train = data.dataset().split(trainName);
        AnswerSpans spans = data.spans().get(trainName);
        DatasetEntropy.Breakdown entropy = DatasetEntropy.compute(DatasetShape.of(data), EncodingScheme.OPTIMAL,
                SelectionScheme.OPTIMAL);

        double[] lossBits;
        long parameters;
        int step;
        try (Device device = Backends.choose(options.backend()).create(0)) {
            FinishedRun.TrainedModel t = run.loadModel(data.dataset(), device,
                    Math.max(1, Math.min(EVAL_BATCH, train.size())));
            Transformer model = t.model();
            lossBits = AnswerLosses.of(model, train, spans.sequence(), spans.firstTarget(), spans.length());
            parameters = model.layout().size();
            step = t.step();
        }
        // One loss per 1-hop fact (person, subject); a fact asked twice counts once, at its first answer.
        List<String> attr = new ArrayList<>();
        List<Double> loss = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        int subjects = data.subjects().size();
        for (int i = 0; i < spans.size(); i++) {
            if (spans.hops()[i] != 1 || !seen.add((long) spans.person()[i] * subjects + spans.subject()[i])) {
                continue;
            }
            attr.add(data.subjects().get(spans.subject()[i]));
            loss.add(lossBits[i]);
        }
        if (attr.isEmpty()) {
            throw new BadInputException(runDir + ": the training split has no 1-hop questions, so no facts to measure");
        }
        Map<String, Double> h = new LinkedHashMap<>();
        for (String s : data.subjects()) {
            h.put(s, entropy.subject(s).bitsPerProfile());
        }
        List<String> relations = task.relations();
        List<ModelCapacity.Selection> selections = List.of(
                new ModelCapacity.Selection(entropy.nameSet().name(), entropy.nameSet().bits(), relations),
                new ModelCapacity.Selection(entropy.birthDateSet().name(), entropy.birthDateSet().bits(),
                        List.of("birth_date")));
        ModelCapacity cap = ModelCapacity.of(attr.toArray(String[]::new), loss.stream().mapToDouble(d -> d).toArray(),
                h, selections, entropy.totalBits(), parameters);

        List<Map<String, Double>> rows = FinishedRun.readMetrics(runDir);
        Convergence conv = Convergence.of(rows, MetricsRow.lossKey(trainName), options.window(), options.threshold());

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("run", runDir.toString());
        out.put("step", step);
        out.put("parameters", parameters);
        out.put("converged", conv.converged());
        out.put("capacityBits", cap.totalBits());
        out.put("bitsPerParameter", cap.bitsPerParameter());
        out.put("factBits", cap.factBits());
        out.put("selectionBits", cap.selectionBits());
        out.put("datasetBits", cap.datasetBits());
        out.put("facts", attr.size());
        List<Map<String, Object>> per = new ArrayList<>();
        for (ModelCapacity.AttributeCapacity a : cap.attributes()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("attribute", a.name());
            m.put("facts", a.facts());
            m.put("entropyBitsPerFact", a.entropyBits());
            m.put("meanLossBits", a.meanLossBits());
            m.put("capacityBits", a.capacityBits());
            m.put("contentBits", a.contentBits());
            per.add(m);
        }
        out.put("attributes", per);
        out.put("convergence", conv);
        Json.writePretty(runDir.resolve(FILE), out);
        return out;
    }

    /** Every run under a sweep directory, then the plots; written to DIR/capacity.json and DIR/plots/. */
    public static Map<String, Object> ofSweep(Path dir, Options options) throws IOException {
        List<Map<String, Object>> runs = new ArrayList<>();
        List<CapacityCharts.Point> points = new ArrayList<>();
        double datasetBits = Double.NaN;
        for (Path run : runsUnder(dir)) {
            Map<String, Object> r = of(run, options);
            runs.add(r);
            points.add(new CapacityCharts.Point(run.getFileName().toString(), (long) r.get("parameters"),
                    (double) r.get("capacityBits"), (boolean) r.get("converged")));
            double d = (double) r.get("datasetBits");
            if (!Double.isNaN(datasetBits) && Math.abs(d - datasetBits) > 1e-6 * d) {
                throw new BadInputException(dir + ": its runs were trained on different datasets (" + datasetBits
                        + " and " + d + " bits); a capacity sweep varies the model only");
            }
            datasetBits = d;
        }
        Path plots = dir.resolve(RunDirectory.PLOTS);
        CapacityCharts.write(plots, dir.getFileName() + ": capacity vs parameters", points, datasetBits);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sweep", dir.toString());
        out.put("datasetBits", datasetBits);
        out.put("plots", plots.toString());
        out.put("runs", runs);
        Json.writePretty(dir.resolve(FILE), out);
        return out;
    }
}
