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
import org.grokcap.data.random.RandomTokensTaskSpec;
import org.grokcap.data.TokenizedDataset;
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
 * from its losses on the 1-hop facts and the distinct 2-hop questions of its training split, with the
 * dataset's entropy under an encoding and a selection scheme ({@link DatasetEntropy}; optimal and
 * optimal unless chosen, or all nine combinations from one evaluation of the model) and the
 * convergence test ({@link Convergence}) on its training loss. Given a directory of runs (a sweep), it
 * does every run and draws the capacity plots ({@link CapacityCharts}) of each combination into
 * DIR/plots.
 *
 * <p>A random-tokens run (docs/capacity.md, "Random tokens: the calibration") is measured per training
 * sequence instead: its entropy (S−1)·log2 V against the model's negative log-likelihood in bits, clipped
 * at 0 per sequence. Its sweeps vary the dataset size N as well as the model, so a sweep of them is
 * reported per model size at the plateau over N ({@link #plateaus}).
 */
public final class RunCapacity {
    public static final String FILE = "capacity.json";
    /** Sequences per forward pass when evaluating. */
    private static final int EVAL_BATCH = 256;

    private RunCapacity() {}

    /**
     * Convergence test settings and the schemes a profiles run is measured under.
     *
     * @param scheme     the encoding scheme of the main result
     * @param selection  the selection scheme of the main result
     * @param allSchemes also measure every scheme/selection combination (a field per combination)
     */
    public record Options(int window, double threshold, String backend, EncodingScheme scheme,
                          SelectionScheme selection, boolean allSchemes) {
        public static Options defaults() {
            return new Options(Convergence.DEFAULT_WINDOW, Convergence.DEFAULT_THRESHOLD, null, EncodingScheme.OPTIMAL,
                    SelectionScheme.OPTIMAL, false);
        }

        /** The combinations measured: the chosen one, or all nine (encoding-scheme major) with allSchemes. */
        public List<Schemes> combinations() {
            if (!allSchemes) {
                return List.of(new Schemes(scheme, selection));
            }
            List<Schemes> all = new ArrayList<>();
            for (EncodingScheme e : EncodingScheme.values()) {
                for (SelectionScheme t : SelectionScheme.values()) {
                    all.add(new Schemes(e, t));
                }
            }
            return all;
        }
    }

    /** An encoding scheme with a selection scheme: one way of counting a profiles dataset's content. */
    public record Schemes(EncodingScheme scheme, SelectionScheme selection) {
        /** "scheme/selection", the JSON field of the combination (as capacity entropy names its totals). */
        public String key() {
            return scheme.json() + "/" + selection.json();
        }

        /** "scheme-selection", for file names. */
        public String fileSuffix() {
            return "-" + scheme.json() + "-" + selection.json();
        }
    }

    /** The JSON field that holds every combination's result with {@link Options#allSchemes()}. */
    public static final String SCHEMES = "schemes";

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
        if (run.spec().task() instanceof RandomTokensTaskSpec task) {
            if (options.allSchemes() || options.scheme() != EncodingScheme.OPTIMAL
                    || options.selection() != SelectionScheme.OPTIMAL) {
                throw new BadInputException(runDir + " is a random-tokens run: its content has no encoding or selection "
                        + "scheme (--scheme, --selection and --all-schemes are for profiles runs)");
            }
            return ofRandomTokens(run, task, options);
        }
        ExperimentSpec spec = run.spec();
        ProfilesData data = run.profilesData("capacity needs");
        ProfilesTaskSpec task = (ProfilesTaskSpec) spec.task();
        String trainName = data.dataset().trainSplit();
        Split train = data.dataset().split(trainName);
        AnswerSpans spans = data.spans().get(trainName);

        double[] lossBits;
        long parameters;
        int step;
        try (Device device = Backends.choose(options.backend()).create(0)) {
            FinishedRun.TrainedModel t = run.loadModel(data.dataset(), device,
                    Math.max(1, Math.min(EVAL_BATCH, train.size())));
            Transformer model = t.model();
            // Every answer's loss, 1-hop and 2-hop, in one pass: every scheme below reads these.
            lossBits = AnswerLosses.of(model, train, spans.sequence(), spans.firstTarget(), spans.length());
            parameters = model.layout().size();
            step = t.step();
        }
        Answers answers = Answers.of(spans, lossBits, data.subjects(), task.relations().size());
        if (answers.factAttribute().length == 0) {
            throw new BadInputException(runDir + ": the training split has no 1-hop questions, so no facts to measure");
        }
        DatasetShape shape = DatasetShape.of(data);
        // Each combination measured once, from the same losses; the chosen one is among them.
        Map<Schemes, ModelCapacity> measured = new LinkedHashMap<>();
        for (Schemes c : options.combinations()) {
            measured.put(c, profilesCapacity(answers, shape, data.subjects(), task.relations(), c.scheme(),
                    c.selection(), parameters));
        }
        ModelCapacity cap = measured.get(new Schemes(options.scheme(), options.selection()));

        List<Map<String, Double>> rows = FinishedRun.readMetrics(runDir);
        Convergence conv = Convergence.of(rows, MetricsRow.lossKey(trainName), options.window(), options.threshold());

        Map<String, Object> out = summary(runDir, step, parameters, conv, cap);
        out.put("scheme", options.scheme().json());
        out.put("selection", options.selection().json());
        out.put("factBits", cap.factBits());
        out.put("selectionBits", cap.selectionBits());
        out.put("twoHop", cap.twoHop());
        out.put("facts", answers.factAttribute().length);
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
        if (options.allSchemes()) {
            Map<String, Object> all = new LinkedHashMap<>();
            for (Map.Entry<Schemes, ModelCapacity> e : measured.entrySet()) {
                Schemes c = e.getKey();
                ModelCapacity m = e.getValue();
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("capacityBits", m.totalBits());
                one.put("bitsPerParameter", m.bitsPerParameter());
                one.put("datasetBits", m.datasetBits());
                one.put("factBits", m.factBits());
                one.put("selectionBits", m.selectionBits());
                one.put("twoHopBits", m.twoHop().creditedBits());
                all.put(c.key(), one);
            }
            out.put(SCHEMES, all);
        }
        out.put("convergence", conv);
        Json.writePretty(runDir.resolve(FILE), out);
        return out;
    }

    /**
     * The answers of a profiles training split that capacity counts, each once at its first answer:
     * every 1-hop fact (person, subject), and every distinct 2-hop question (person, relation, subject).
     * A question asked twice is one fact: the model cannot store it twice.
     *
     * @param factAttribute  per 1-hop fact: its subject's name
     * @param factLoss       per 1-hop fact: the model's loss in bits on its answer
     * @param twoHopSubject  per distinct 2-hop question: its subject's name
     * @param twoHopLoss     per distinct 2-hop question: the model's loss in bits on its answer
     */
    record Answers(String[] factAttribute, double[] factLoss, String[] twoHopSubject, double[] twoHopLoss) {
        /**
         * @param spans      the split's answers
         * @param lossBits   per span: the model's loss in bits (answer tokens summed)
         * @param subjects   subject names by index (attributes, then relations)
         * @param relations  how many relations (the range of a 2-hop span's relation index)
         */
        static Answers of(AnswerSpans spans, double[] lossBits, List<String> subjects, int relations) {
            if (lossBits.length != spans.size()) {
                throw new IllegalArgumentException(lossBits.length + " losses for " + spans.size() + " answers");
            }
            List<String> attr = new ArrayList<>();
            List<Double> loss = new ArrayList<>();
            List<String> twoHopSubject = new ArrayList<>();
            List<Double> twoHopLoss = new ArrayList<>();
            Set<Long> seen = new HashSet<>();
            Set<Long> seenTwoHop = new HashSet<>();
            int s = subjects.size();
            for (int i = 0; i < spans.size(); i++) {
                long subject = spans.subject()[i];
                long person = spans.person()[i];
                if (spans.hops()[i] == 1) {
                    if (seen.add(person * s + subject)) {
                        attr.add(subjects.get((int) subject));
                        loss.add(lossBits[i]);
                    }
                } else if (seenTwoHop.add((person * relations + spans.relation()[i]) * s + subject)) {
                    twoHopSubject.add(subjects.get((int) subject));
                    twoHopLoss.add(lossBits[i]);
                }
            }
            return new Answers(attr.toArray(String[]::new), loss.stream().mapToDouble(d -> d).toArray(),
                    twoHopSubject.toArray(String[]::new), twoHopLoss.stream().mapToDouble(d -> d).toArray());
        }
    }

    /**
     * The capacity of a profiles model from its answers' losses under one encoding and selection scheme:
     * H_a per subject and the selection costs from {@link DatasetEntropy#compute} (the name set credited
     * by the relations, whose answers are names; the birth-date set by birth_date), the 2-hop questions
     * counted as the encoding scheme says ({@link ModelCapacity.TwoHop}), and the scheme's dataset total
     * as the most a model could hold.
     */
    static ModelCapacity profilesCapacity(Answers answers, DatasetShape shape, List<String> subjects,
                                          List<String> relations, EncodingScheme scheme, SelectionScheme selection,
                                          long parameters) {
        DatasetEntropy.Breakdown entropy = DatasetEntropy.compute(shape, scheme, selection);
        Map<String, Double> h = new LinkedHashMap<>();
        for (String s : subjects) {
            h.put(s, entropy.subject(s).bitsPerProfile());
        }
        List<ModelCapacity.Selection> selections = List.of(
                new ModelCapacity.Selection(entropy.nameSet().name(), entropy.nameSet().bits(), relations),
                new ModelCapacity.Selection(entropy.birthDateSet().name(), entropy.birthDateSet().bits(),
                        List.of("birth_date")));
        ModelCapacity.TwoHop twoHop = new ModelCapacity.TwoHop(scheme, answers.twoHopSubject(), answers.twoHopLoss(),
                entropy.twoHop().bits());
        return ModelCapacity.of(answers.factAttribute(), answers.factLoss(), h, selections, twoHop,
                entropy.totalBits(), parameters);
    }

    /**
     * A random-tokens run: per training sequence, stored bits = max(0, (S−1)·log2 V − NLL in bits), the
     * NLL summed in double over the sequence's S−1 target positions of the final weights; their sum over
     * the N sequences is the capacity measured, divided by the real parameter count. The first token of
     * a sequence is not counted on either side: it has no context, so no model predicts it better than
     * log2 V.
     */
    private static Map<String, Object> ofRandomTokens(FinishedRun run, RandomTokensTaskSpec task, Options options)
            throws IOException {
        Path runDir = run.dir();
        TokenizedDataset data = run.data();
        Split train = data.split(data.trainSplit());
        double[] nll;
        double[] fresh = null;
        long parameters;
        int step;
        try (Device device = Backends.choose(options.backend()).create(0)) {
            FinishedRun.TrainedModel t = run.loadModel(data, device, Math.max(1, Math.min(EVAL_BATCH, train.size())));
            nll = sequenceNllBits(t.model(), train);
            if (data.splits().containsKey(RandomTokensTaskSpec.FRESH)) {
                fresh = sequenceNllBits(t.model(), data.split(RandomTokensTaskSpec.FRESH));
            }
            parameters = t.model().layout().size();
            step = t.step();
        }
        ModelCapacity cap = storedBits(nll, task, parameters);
        double nllBits = sum(nll);
        int targets = task.targetsPerSequence();
        List<Map<String, Double>> rows = FinishedRun.readMetrics(runDir);
        Convergence conv = Convergence.of(rows, MetricsRow.lossKey(data.trainSplit()), options.window(), options.threshold());

        Map<String, Object> out = summary(runDir, step, parameters, conv, cap);
        out.put("task", "random-tokens");
        out.put("v", task.v());
        out.put("s", task.s());
        out.put("n", task.n());
        out.put("nllBits", nllBits);
        out.put("storedBitsUnclipped", cap.datasetBits() - nllBits);
        out.put("firstTokenCounted", false);
        out.put("bitsPerToken", task.bitsPerToken());
        out.put("trainBitsPerToken", nllBits / ((double) task.n() * targets));
        out.put("freshBitsPerToken", fresh == null ? null : sum(fresh) / ((double) fresh.length * targets));
        out.put("sequences", nll.length);
        out.put("convergence", conv);
        Json.writePretty(runDir.resolve(FILE), out);
        return out;
    }

    /** The fields every run's capacity.json begins with, whatever its task. */
    private static Map<String, Object> summary(Path runDir, int step, long parameters, Convergence conv,
                                               ModelCapacity cap) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("run", runDir.toString());
        out.put("step", step);
        out.put("parameters", parameters);
        out.put("converged", conv.converged());
        out.put("capacityBits", cap.totalBits());
        out.put("bitsPerParameter", cap.bitsPerParameter());
        out.put("datasetBits", cap.datasetBits());
        return out;
    }

    /** The one "attribute" of a random-tokens run for {@link ModelCapacity}: a whole training sequence. */
    private static final String SEQUENCE = "sequence";

    /**
     * The bits stored of a random-tokens training split, from the model's NLL in bits per sequence:
     * Σ max(0, (S−1)·log2 V − NLL), with the dataset's entropy N·(S−1)·log2 V and no selection costs.
     */
    static ModelCapacity storedBits(double[] sequenceNllBits, RandomTokensTaskSpec task, long parameters) {
        if (sequenceNllBits.length != task.n()) {
            throw new IllegalArgumentException(sequenceNllBits.length + " sequence losses for N = " + task.n());
        }
        String[] sequence = new String[sequenceNllBits.length];
        java.util.Arrays.fill(sequence, SEQUENCE);
        return ModelCapacity.of(sequence, sequenceNllBits, Map.of(SEQUENCE, task.bitsPerSequence()), List.of(),
                task.datasetBits(), parameters);
    }

    /**
     * Per sequence of the split: the model's negative log-likelihood in bits, its T target positions'
     * cross-entropies summed in double (every position of a random-tokens sequence has a target).
     */
    static double[] sequenceNllBits(Transformer model, Split split) {
        int n = split.size();
        int T = model.config().contextLength();
        int[] sequence = new int[n];
        int[] first = new int[n];
        int[] length = new int[n];
        for (int i = 0; i < n; i++) {
            sequence[i] = i;
            length[i] = T;
        }
        return AnswerLosses.of(model, split, sequence, first, length);
    }

    private static double sum(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s;
    }

    /** Every run under a sweep directory, then the plots; written to DIR/capacity.json and DIR/plots/. */
    public static Map<String, Object> ofSweep(Path dir, Options options) throws IOException {
        List<Map<String, Object>> runs = new ArrayList<>();
        for (Path run : runsUnder(dir)) {
            runs.add(of(run, options));
        }
        long randomTokens = runs.stream().filter(r -> "random-tokens".equals(r.get("task"))).count();
        if (randomTokens > 0 && randomTokens < runs.size()) {
            throw new BadInputException(dir + ": mixes random-tokens runs with other tasks; a capacity sweep holds one kind");
        }
        Path plots = dir.resolve(RunDirectory.PLOTS);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sweep", dir.toString());
        if (randomTokens > 0) {
            List<Plateau> models = plateaus(runs);
            List<CapacityCharts.Point> points = new ArrayList<>();
            for (Plateau p : models) {
                points.add(new CapacityCharts.Point(p.bestRun(), p.parameters(), p.capacityBits(), p.converged()));
            }
            CapacityCharts.write(plots, "", dir.getFileName() + ": capacity at the plateau vs parameters", points, Double.NaN,
                    CapacityCharts.RANDOM_TOKENS_LINE);
            CapacityCharts.writeStoredVsEntropy(plots, dir.getFileName() + ": stored bits vs dataset entropy", models);
            out.put("task", "random-tokens");
            out.put("plots", plots.toString());
            out.put("models", models);
        } else {
            // One pair of plots per combination measured: capacity-<scheme>-<selection> and
            // bits-per-parameter-<scheme>-<selection>, each with its own dataset-entropy line.
            Map<String, Object> schemes = new LinkedHashMap<>();
            for (Schemes c : options.combinations()) {
                List<CapacityCharts.Point> points = new ArrayList<>();
                double datasetBits = Double.NaN;
                for (Map<String, Object> r : runs) {
                    Map<String, Object> m = combination(r, c, options);
                    points.add(new CapacityCharts.Point(Path.of((String) r.get("run")).getFileName().toString(),
                            (long) r.get("parameters"), (double) m.get("capacityBits"), (boolean) r.get("converged")));
                    double d = (double) m.get("datasetBits");
                    if (!Double.isNaN(datasetBits) && Math.abs(d - datasetBits) > 1e-6 * d) {
                        throw new BadInputException(dir + ": its runs were trained on different datasets (" + datasetBits
                                + " and " + d + " bits); a capacity sweep varies the model only");
                    }
                    datasetBits = d;
                }
                CapacityCharts.write(plots, c.fileSuffix(), dir.getFileName() + ": capacity vs parameters ("
                        + c.key() + ")", points, datasetBits, CapacityCharts.BITS_PER_PARAMETER_LINE);
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("datasetBits", datasetBits);
                one.put("plots", List.of(CapacityCharts.CAPACITY + c.fileSuffix(),
                        CapacityCharts.BITS_PER_PARAMETER + c.fileSuffix()));
                schemes.put(c.key(), one);
            }
            out.put("scheme", options.scheme().json());
            out.put("selection", options.selection().json());
            out.put("datasetBits", combination(runs.get(0), new Schemes(options.scheme(), options.selection()), options)
                    .get("datasetBits"));
            out.put("plots", plots.toString());
            out.put(SCHEMES, schemes);
        }
        out.put("runs", runs);
        Json.writePretty(dir.resolve(FILE), out);
        return out;
    }

    /**
     * A profiles run's result under one combination: its entry in {@link #SCHEMES} when every
     * combination was measured, else the run's own fields (measured under the chosen one only).
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> combination(Map<String, Object> run, Schemes c, Options options) {
        if (options.allSchemes()) {
            return (Map<String, Object>) ((Map<String, Object>) run.get(SCHEMES)).get(c.key());
        }
        return run;
    }

    /**
     * One model size of a random-tokens sweep over N: its capacity is the most bits any of its runs
     * stored. The plateau is reached when a converged run whose dataset holds at least
     * {@link #PLATEAU_DATA_FACTOR} times that many bits still stores at least {@link #PLATEAU_FRACTION}
     * of it: more data no longer brings more stored bits, so the model, not the data, is the limit.
     *
     * @param parameters       real parameter count (the runs of one model size share it)
     * @param capacityBits     the most stored bits over the model's runs
     * @param bitsPerParameter capacityBits / parameters
     * @param bestRun          the run that stored them (directory name)
     * @param bestN            its N
     * @param converged        whether that run converged
     * @param plateau          whether the plateau was reached, as defined above
     * @param bestHeldFraction the share of its own dataset's bits the best run stored: near 1, that run was
     *                         limited by its data, and whether a larger N would store more depends on whether
     *                         its runs were trained long enough (with a decaying learning rate the convergence
     *                         test passes by construction), so capacityBits is then best read as a lower bound
     * @param runs             the model's runs, N ascending: N, dataset bits, stored bits, converged
     */
    public record Plateau(long parameters, double capacityBits, double bitsPerParameter, String bestRun, int bestN,
                          boolean converged, boolean plateau, double bestHeldFraction, List<Map<String, Object>> runs) {

        /** The best run held at least this share of its dataset: it shows the data's limit, not the model's. */
        public static final double DATA_LIMITED = 0.95;

        public boolean dataLimited() {
            return bestHeldFraction >= DATA_LIMITED;
        }
    }

    public static final double PLATEAU_DATA_FACTOR = 1.5;
    public static final double PLATEAU_FRACTION = 0.9;

    /** Groups random-tokens runs by parameter count (model size), in ascending size, and finds each one's plateau. */
    static List<Plateau> plateaus(List<Map<String, Object>> runs) {
        Map<Long, List<Map<String, Object>>> bySize = new java.util.TreeMap<>();
        for (Map<String, Object> r : runs) {
            bySize.computeIfAbsent((long) r.get("parameters"), k -> new ArrayList<>()).add(r);
        }
        List<Plateau> out = new ArrayList<>();
        for (Map.Entry<Long, List<Map<String, Object>>> e : bySize.entrySet()) {
            List<Map<String, Object>> rs = new ArrayList<>(e.getValue());
            rs.sort(java.util.Comparator.comparingInt(r -> (int) r.get("n")));
            Map<String, Object> best = rs.get(0);
            for (Map<String, Object> r : rs) {
                if ((double) r.get("capacityBits") > (double) best.get("capacityBits")) {
                    best = r;
                }
            }
            double cap = (double) best.get("capacityBits");
            boolean plateau = false;
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Map<String, Object> r : rs) {
                double stored = (double) r.get("capacityBits");
                boolean conv = (boolean) r.get("converged");
                plateau |= conv && cap > 0 && (double) r.get("datasetBits") >= PLATEAU_DATA_FACTOR * cap
                        && stored >= PLATEAU_FRACTION * cap;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("n", r.get("n"));
                row.put("datasetBits", r.get("datasetBits"));
                row.put("storedBits", stored);
                row.put("converged", conv);
                rows.add(row);
            }
            out.add(new Plateau(e.getKey(), cap, cap / e.getKey(), Path.of((String) best.get("run")).getFileName()
                    .toString(), (int) best.get("n"), (boolean) best.get("converged"), plateau,
                    cap / (double) best.get("datasetBits"), rows));
        }
        return out;
    }
}
