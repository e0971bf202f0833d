package org.grokcap.analysis;

import org.grokcap.io.MetricsRow;
import org.grokcap.util.BadInputException;
import org.grokcap.backend.Backends;
import org.grokcap.backend.Device;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.io.Charts;
import org.grokcap.io.Json;
import org.grokcap.run.FinishedRun;
import org.grokcap.model.Transformer;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code grokcap analyze RUN_DIR}: everything org.grokcap.analysis can say about a finished run,
 * written into RUN_DIR/analysis/ as JSON and PNG/SVG.
 * <ul>
 *   <li>modular tasks on the full (a, b) grid: measures.json ({@link ProgressMeasures} of the final
 *       weights), embedding-fourier-norms and neuron-key-frequencies charts;</li>
 *   <li>with metrics.jsonl: phases.json and the phases chart; with analysis/progress.jsonl (from
 *       {@code train --analysis-every}): the progress charts;</li>
 *   <li>implicit-reasoning tasks: the logit lens and causal tracing ({@link ReasoningAnalysis}) instead;</li>
 *   <li>any model: attention.json and a heatmap per layer and head, attributions.json and its chart,
 *       for one input (default: the first test sequence).</li>
 * </ul>
 */
public final class Analyzer {
    /** Trapezoid intervals of the integrated gradients. */
    public static final int IG_STEPS = 64;
    /** Completeness tolerance of the integrated gradients, relative to |F(x) − F(baseline)|. */
    public static final double IG_TOLERANCE = 0.01;

    private Analyzer() {}

    /** A run read back: its resolved spec, its data and the model with the final weights. */
    private record LoadedRun(ExperimentSpec spec, TokenizedDataset data, Transformer model, int step, FinishedRun run) {}

    /**
     * Analyzes a run directory; returns the summary (also written as analysis/summary.json).
     *
     * @param input   the input's tokens separated by spaces, or null for the first test sequence
     * @param backend a backend name, or null to choose
     */
    public static Map<String, Object> analyze(Path runDir, String input, String backend) throws IOException {
        Path dir = runDir.resolve(ProgressRecorder.DIR);
        try (Device device = Backends.choose(backend).create(0)) {
            LoadedRun run = load(runDir, device);
            Files.createDirectories(dir);
            String title = run.spec().name();
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("analysisDir", dir.toString());
            summary.put("step", run.step());
            if (ReasoningAnalysis.supports(run.spec().task())) {
                summary.putAll(ReasoningAnalysis.analyze(run.spec().task(), run.data(), run.model(), dir, title,
                        run.spec().train().seed(), run.run().metrics()));
                Json.writePretty(dir.resolve("summary.json"), summary);
                return summary;
            }

            String unsupported = ModularAnalysis.unsupportedReason(run.spec().task());
            if (unsupported == null) {
                ProgressMeasures m = ModularAnalysis.of(run.spec().task(), run.data()).measure(run.model(), run.step());
                Json.writePretty(dir.resolve("measures.json"), m);
                writeFourierCharts(dir, title, m);
                Map<String, Object> ms = new LinkedHashMap<>();
                ms.put("keyFrequencies", m.keyFrequencies());
                ms.put("keyFrequencyVariance", m.keyFrequencyVariance());
                ms.put("restrictedLoss", m.restrictedLoss());
                ms.put("excludedLoss", m.excludedLoss());
                ms.put("trainLoss", m.trainLoss());
                ms.put("testLoss", m.testLoss());
                ms.put("giniEmbedding", m.giniEmbedding());
                ms.put("giniNeuronLogit", m.giniNeuronLogit());
                ms.put("sumSquaredWeights", m.sumSquaredWeights());
                summary.put("measures", ms);
            } else {
                summary.put("measures", unsupported);
            }

            List<Map<String, Double>> metrics = run.run().metrics();
            if (metrics != null) {
                if (!metrics.isEmpty() && MetricsRow.of(metrics.get(0)).loss("test") != null) {
                    Phases phases = ProgressRecorder.writePhases(runDir, title, metrics,
                            new ArrayList<>(run.data().splits().keySet()));
                    summary.put("phases", phases);
                    summary.put("progressPlotted", ProgressRecorder.plot(runDir, title, phases));
                }
            }

            int[] tokens = input == null ? firstTestSequence(run.data()) : parseInput(input, run.data());
            AttentionMaps att = AttentionMaps.of(run.model(), tokens, run.data().vocabulary());
            Json.writePretty(dir.resolve("attention.json"), att);
            summary.put("attentionCharts", att.writeHeatmaps(dir));
            int answer = answerFor(tokens, run);
            IntegratedGradients ig = IntegratedGradients.of(run.model(), tokens, answer, IG_STEPS,
                    run.data().vocabulary());
            String answerName = answerName(answer, run.data());
            Json.writePretty(dir.resolve("attributions.json"), ig);
            writeAttributionChart(dir, title, ig, answerName);
            Map<String, Object> igs = new LinkedHashMap<>();
            igs.put("tokens", ig.tokens());
            igs.put("answer", answerName);
            igs.put("attributions", ig.attributions());
            igs.put("logitMinusBaseline", ig.logit() - ig.baselineLogit());
            igs.put("completenessError", ig.completenessError());
            igs.put("complete", ig.complete(IG_TOLERANCE, 1e-4));
            summary.put("attributions", igs);
            Json.writePretty(dir.resolve("summary.json"), summary);
            return summary;
        }
    }

    private static LoadedRun load(Path runDir, Device device) {
        FinishedRun finished = FinishedRun.open(runDir);
        ExperimentSpec spec = finished.spec();
        TokenizedDataset data = finished.data();
        int largest = data.splits().values().stream().mapToInt(Split::size).max().orElse(1);
        FinishedRun.TrainedModel t = finished.loadModel(data, device, Math.max(1, Math.min(2048, largest)));
        return new LoadedRun(spec, data, t.model(), t.step(), finished);
    }

    private static int[] firstTestSequence(TokenizedDataset data) {
        for (Split s : data.splits().values()) {
            if (!s.name().equals(data.trainSplit()) && s.size() > 0) {
                return Arrays.copyOfRange(s.tokens(), 0, data.contextLength());
            }
        }
        return Arrays.copyOfRange(data.split(data.trainSplit()).tokens(), 0, data.contextLength());
    }

    /**
     * The input's tokens from words of the vocabulary. T−1 words are completed with the last token
     * when every sequence of the data ends with that same token (the '=' of "a b =").
     */
    static int[] parseInput(String input, TokenizedDataset data) {
        String[] words = input.trim().isEmpty() ? new String[0] : input.trim().split("\\s+");
        int T = data.contextLength();
        List<String> vocab = data.vocabulary();
        Integer commonLast = commonLastToken(data);
        if (words.length != T && !(words.length == T - 1 && commonLast != null)) {
            throw new BadInputException("--input \"" + input + "\" has " + words.length + " tokens; the model reads " + T
                    + (commonLast != null ? " (or " + (T - 1) + ", and '" + vocab.get(commonLast) + "' is added)" : ""));
        }
        int[] tokens = new int[T];
        for (int i = 0; i < words.length; i++) {
            tokens[i] = vocab.indexOf(words[i]);
            if (tokens[i] < 0) {
                throw new BadInputException("--input: '" + words[i] + "' is not in the vocabulary ("
                        + (vocab.size() <= 12 ? String.join(" ", vocab)
                        : String.join(" ", vocab.subList(0, 5)) + " ... " + vocab.get(vocab.size() - 1)) + ")");
            }
        }
        if (words.length == T - 1) {
            tokens[T - 1] = commonLast;
        }
        return tokens;
    }

    private static Integer commonLastToken(TokenizedDataset data) {
        Integer last = null;
        int T = data.contextLength();
        for (Split s : data.splits().values()) {
            for (int i = 0; i < s.size(); i++) {
                int t = s.tokens()[i * T + T - 1];
                if (last != null && last != t) {
                    return null;
                }
                last = t;
            }
        }
        return last;
    }

    /** The input's answer in the data when it is there, otherwise the model's own prediction. */
    private static int answerFor(int[] tokens, LoadedRun run) {
        int T = tokens.length;
        for (Split s : run.data().splits().values()) {
            for (int i = 0; i < s.size(); i++) {
                if (Arrays.equals(s.tokens(), i * T, i * T + T, tokens, 0, T) && s.targets()[i * T + T - 1] >= 0) {
                    return s.targets()[i * T + T - 1];
                }
            }
        }
        int[] targets = new int[T];
        Arrays.fill(targets, -1);
        targets[T - 1] = 0;
        run.model().setBatch(tokens, targets, 0, 1);
        run.model().forward();
        var lg = run.model().logits();
        return ModularAnalysis.argmax(ModularAnalysis.toDouble(lg.host(), lg.offset(),
                run.model().config().resolvedOutputVocab()));
    }

    private static String answerName(int answer, TokenizedDataset data) {
        return answer < data.vocabulary().size() ? data.vocabulary().get(answer) : Integer.toString(answer);
    }

    private static void writeFourierCharts(Path dir, String title, ProgressMeasures m) throws IOException {
        double[] norms = m.embeddingFourierNorms();
        List<String> freqs = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (int k = 0; k < norms.length; k++) {
            freqs.add(k == 0 ? "const" : Integer.toString(k));
            values.add(norms[k]);
        }
        CategoryChart emb = new CategoryChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT)
                .title(title + ": embedding norm per frequency").xAxisTitle("frequency k").yAxisTitle("norm").build();
        emb.getStyler().setLegendVisible(false);
        emb.getStyler().setXAxisLabelRotation(90);
        emb.addSeries("embedding", freqs, values);
        Charts.writeChart(dir, "embedding-fourier-norms", emb);

        List<String> keys = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (NeuronFrequencies.KeyFrequency k : m.keyFrequencies()) {
            keys.add(Integer.toString(k.k()));
            counts.add(k.neurons());
        }
        if (keys.isEmpty()) {
            keys.add("none");
            counts.add(0);
        }
        CategoryChart neurons = new CategoryChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT)
                .title(title + ": MLP neurons per key frequency (> " + (int) (100 * NeuronFrequencies.THRESHOLD)
                        + "% of variance)").xAxisTitle("frequency k").yAxisTitle("neurons").build();
        neurons.getStyler().setLegendVisible(false);
        neurons.addSeries("neurons", keys, counts);
        Charts.writeChart(dir, "neuron-key-frequencies", neurons);
    }

    private static void writeAttributionChart(Path dir, String title, IntegratedGradients ig, String answer)
            throws IOException {
        List<String> positions = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (int t = 0; t < ig.tokens().size(); t++) {
            positions.add(t + ":" + ig.tokens().get(t));
            values.add(ig.attributions()[t]);
        }
        CategoryChart chart = new CategoryChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT)
                .title(title + ": integrated gradients of the logit of '" + answer + "'")
                .xAxisTitle("input position:token").yAxisTitle("attribution").build();
        chart.getStyler().setLegendVisible(false);
        chart.addSeries("attribution", positions, values);
        Charts.writeChart(dir, "attributions", chart);
    }
}
