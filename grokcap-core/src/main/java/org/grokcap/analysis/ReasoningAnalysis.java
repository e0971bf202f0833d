package org.grokcap.analysis;

import org.grokcap.data.TaskSpec;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.data.reasoning.ComparisonTaskSpec;
import org.grokcap.data.reasoning.ComplexReasoningTaskSpec;
import org.grokcap.data.reasoning.CompositionTaskSpec;
import org.grokcap.io.Charts;
import org.grokcap.io.Json;
import org.grokcap.model.ParamNames;
import org.grokcap.model.Transformer;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code grokcap analyze} for the implicit-reasoning tasks (composition, comparison, complex reasoning):
 * the logit lens and causal tracing of Wang et al. 2024 on up to {@link #EXAMPLES} facts of one split,
 * written as logit-lens.json, causal-tracing.json and heatmaps (PNG and SVG) into the analysis directory,
 * with accuracy.{png,svg} and loss.{png,svg}: every split's curve over a logarithmic step axis.
 */
public final class ReasoningAnalysis {
    /** Facts analysed (the first ones of the split, which is shuffled). */
    public static final int EXAMPLES = 200;
    /** Random same-type replacements tried per fact before causal tracing gives up on it. */
    public static final int PERTURB_TRIES = 20;

    private ReasoningAnalysis() {}

    public static boolean supports(TaskSpec task) {
        return task instanceof CompositionTaskSpec || task instanceof ComparisonTaskSpec
                || task instanceof ComplexReasoningTaskSpec;
    }

    /** The split analysed: facts the model was trained on, where the circuit is expected to be at work. */
    static String defaultSplit(TokenizedDataset data) {
        return data.splits().containsKey("train_inferred") ? "train_inferred" : data.trainSplit();
    }

    /** Runs both tools and writes their files into dir; returns the summary's part. */
    public static Map<String, Object> analyze(TaskSpec task, TokenizedDataset data, Transformer model, Path dir,
                                              String title, long seed, List<Map<String, Double>> metrics)
            throws IOException {
        String split = defaultSplit(data);
        Batch batch = Batch.of(data, data.split(split), Math.min(EXAMPLES, model.maxBatch()));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("split", split);
        summary.put("examples", batch.n);
        model.setVocabularyTable(false);

        LogitLens lens = LogitLens.of(model, batch, task instanceof CompositionTaskSpec ? bridges(data, batch) : null);
        Json.writePretty(dir.resolve("logit-lens.json"), lens);
        List<String> positions = batch.positionNames(data);
        int stack = model.config().layers(); // blocks per pass: a looped model is read after every pass's blocks
        heatmap(dir, "logit-lens-answer-mrr", title + ": logit lens, MRR of the answer", positions, lens.mrr, stack, 0, 1);
        if (lens.bridgeMrr != null) {
            heatmap(dir, "logit-lens-bridge-mrr", title + ": logit lens, MRR of the bridge entity", positions,
                    lens.bridgeMrr, stack, 0, 1);
        }
        List<String> layerNames = new ArrayList<>();
        for (int l = 0; l <= model.depth(); l++) {
            layerNames.add(layerName(l, stack, model.depth()));
        }
        summary.put("residualLayers", layerNames);
        summary.put("logitLens", Map.of("answerPosition", batch.answerPos, "answerMrrByLayer", column(lens.mrr, batch.answerPos)));

        CausalTracing tracing = CausalTracing.of(model, batch, data, seed);
        Json.writePretty(dir.resolve("causal-tracing.json"), tracing);
        for (Map.Entry<String, double[][]> e : tracing.changed.entrySet()) {
            heatmap(dir, "causal-tracing-pos" + e.getKey().replaceAll("[^A-Za-z0-9]+", "-").replaceAll("-$", ""), title + ": causal tracing, perturbed " + e.getKey()
                    + " (fraction of answers changed)", positions, e.getValue(), stack, 0, 1);
        }
        summary.put("causalTracing", Map.of("tracedFacts", tracing.traced));

        if (task instanceof CompositionTaskSpec) {
            List<CosineLens> cos = cosineLens(data, model, batch.answerPos);
            Json.writePretty(dir.resolve("cosine-lens.json"), cos);
            Map<String, Object> cs = new LinkedHashMap<>();
            for (CosineLens c : cos) {
                cs.put(c.split(), c.summary());
            }
            for (String pos : COSINE_POSITIONS) {
                cosineChart(dir, title, pos, cos);
            }
            summary.put("cosineLens", cs);
        }
        if (metrics != null && !metrics.isEmpty()) {
            // accuracy and loss per split over a log step axis, where memorisation and the later
            // generalisation are both visible; the union split "train" is left out (its parts are shown)
            List<String> splits = new ArrayList<>(data.splits().keySet());
            splits.remove(data.trainSplit());
            Charts.trainingCurves(dir, title, metrics, splits, true);
            summary.put("curves", List.of("accuracy", "loss"));
        }
        return summary;
    }

    /** Queries per split for the cosine lens: many, so that many pairs share a bridge. */
    public static final int COSINE_QUERIES = 2000;
    /** The cosine lens's splits, those of a composition run that exist: trained, then held-out ID and OOD. */
    static final List<String> COSINE_SPLITS = List.of("train_inferred", "test_inferred_id", CompositionTaskSpec.OOD_FIRST,
            CompositionTaskSpec.OOD_SECOND, "test_inferred_ood");
    /** The cosine lens's positions: the r1 token (where the first hop is resolved) and the last question token. */
    static final List<String> COSINE_POSITIONS = List.of("r1", "last");

    /** The cosine lens on up to {@link #COSINE_QUERIES} facts of each of {@link #COSINE_SPLITS} that the data has. */
    static List<CosineLens> cosineLens(TokenizedDataset data, Transformer model, int answerPos) {
        List<CosineLens> out = new ArrayList<>();
        for (String split : COSINE_SPLITS) {
            if (!data.splits().containsKey(split) || data.split(split).size() == 0) {
                continue;
            }
            Batch b = Batch.of(data, data.split(split), Math.min(COSINE_QUERIES, model.maxBatch()));
            Map<String, Integer> positions = new LinkedHashMap<>();
            positions.put(COSINE_POSITIONS.get(0), 1);
            positions.put(COSINE_POSITIONS.get(1), answerPos);
            out.add(CosineLens.of(model, b, bridges(data, b), split, positions));
        }
        return out;
    }

    /** cosine-lens-POS.{png,svg}: same-bridge minus different-bridge mean cosine per effective layer, a line per split. */
    private static void cosineChart(Path dir, String title, String pos, List<CosineLens> lenses) throws IOException {
        XYChart chart = new XYChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT)
                .title(title + ": cosine lens at " + pos + " (same bridge − different bridge)")
                .xAxisTitle("effective layer (0 = embedding, l = after block application l)")
                .yAxisTitle("mean cosine, same − different").build();
        for (CosineLens c : lenses) {
            if (c.samePairs() == 0) {
                continue; // no two queries share a bridge: no gap to draw
            }
            double[] gap = c.positions().get(pos).gap();
            double[] x = new double[gap.length];
            for (int l = 0; l < x.length; l++) {
                x[l] = l;
            }
            chart.addSeries(c.split() + " (" + c.queries() + " queries)", x, gap).setMarker(SeriesMarkers.CIRCLE);
        }
        Charts.writeChart(dir, "cosine-lens-" + pos, chart);
    }

    private static double[] column(double[][] m, int c) {
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i][c];
        }
        return out;
    }

    /** Composition: the bridge entity b of each fact (h, r1, r2): the tail of the atomic fact (h, r1). */
    static int[] bridges(TokenizedDataset data, Batch batch) {
        Map<Long, Integer> tail = new HashMap<>();
        int T = data.contextLength();
        Split atomic = data.split("train_atomic");
        for (int i = 0; i < atomic.size(); i++) {
            tail.put(((long) atomic.tokens()[i * T] << 32) | atomic.tokens()[i * T + 1], atomic.targets()[i * T + 1]);
        }
        int[] b = new int[batch.n];
        for (int i = 0; i < batch.n; i++) {
            Integer t = tail.get(((long) batch.tokens[i * T] << 32) | batch.tokens[i * T + 1]);
            b[i] = t == null ? -1 : t;
        }
        return b;
    }

    /**
     * The first n facts of a split: their tokens, a target at every position (the fact's own where it
     * has one, else 0, so every layer keeps every position), and the position that predicts the answer.
     */
    record Batch(int n, int T, int[] tokens, int[] targets, int[] answers, int answerPos) {
        static Batch of(TokenizedDataset data, Split s, int max) {
            int T = data.contextLength();
            int n = Math.min(max, s.size());
            if (n == 0) {
                throw new org.grokcap.util.BadInputException("split " + s.name() + " is empty: nothing to analyse");
            }
            int[] tokens = Arrays.copyOf(s.tokens(), n * T);
            int[] targets = new int[n * T];
            int[] answers = new int[n];
            int answerPos = -1;
            for (int t = 0; t < T && answerPos < 0; t++) {
                if (s.targets()[t] >= 0) {
                    answerPos = t;
                }
            }
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < T; t++) {
                    int target = s.targets()[i * T + t];
                    targets[i * T + t] = Math.max(target, 0);
                }
                answers[i] = s.targets()[i * T + answerPos];
                if (answers[i] < 0) {
                    throw new IllegalArgumentException("facts of " + s.name() + " do not all answer at position " + answerPos);
                }
            }
            return new Batch(n, T, tokens, targets, answers, answerPos);
        }

        /** "position:token type" of the first fact ("1:&lt;r&gt;"), the positions' names on the heatmaps. */
        List<String> positionNames(TokenizedDataset data) {
            List<String> names = new ArrayList<>();
            for (int t = 0; t < T; t++) {
                String tok = data.vocabulary().get(tokens[t]);
                names.add(t + ":" + typeOf(tok));
            }
            return names;
        }
    }

    /** A token's type: its name without digits ("&lt;e12&gt;" → "&lt;e&gt;"); replacements keep the type. */
    static String typeOf(String token) {
        return token.replaceAll("\\d+", "");
    }

    /**
     * The logit lens: the final norm and the unembedding applied to the residual stream after every
     * layer (0 = embedding) at every position; rank (1 = top) and reciprocal rank of the answer token,
     * averaged over the facts. For composition also of the bridge entity.
     *
     * @param meanRank  [layer][position]
     * @param mrr       [layer][position]
     * @param bridgeMeanRank [layer][position] or null
     * @param bridgeMrr [layer][position] or null
     */
    public record LogitLens(double[][] meanRank, double[][] mrr, double[][] bridgeMeanRank, double[][] bridgeMrr) {
        static LogitLens of(Transformer model, Batch b, int[] bridge) {
            model.setBatch(b.tokens, b.targets, 0, b.n);
            model.forward();
            int layers = model.depth() + 1;
            double[][] rank = new double[layers][b.T];
            double[][] mrr = new double[layers][b.T];
            double[][] bRank = bridge == null ? null : new double[layers][b.T];
            double[][] bMrr = bridge == null ? null : new double[layers][b.T];
            int[] bridgeCount = new int[1];
            Unembedding u = Unembedding.of(model);
            for (int l = 0; l < layers; l++) {
                float[] x = model.residual(l).host();
                int off = model.residual(l).offset();
                for (int i = 0; i < b.n; i++) {
                    for (int t = 0; t < b.T; t++) {
                        double[] logits = u.logits(x, off + (i * b.T + t) * u.C);
                        int r = rankOf(logits, b.answers[i]);
                        rank[l][t] += r;
                        mrr[l][t] += 1.0 / r;
                        if (bridge != null && bridge[i] >= 0) {
                            int rb = rankOf(logits, bridge[i]);
                            bRank[l][t] += rb;
                            bMrr[l][t] += 1.0 / rb;
                        }
                    }
                }
            }
            if (bridge != null) {
                for (int v : bridge) {
                    bridgeCount[0] += v >= 0 ? 1 : 0;
                }
            }
            scale(rank, b.n);
            scale(mrr, b.n);
            scale(bRank, bridgeCount[0]);
            scale(bMrr, bridgeCount[0]);
            return new LogitLens(rank, mrr, bRank, bMrr);
        }

        private static void scale(double[][] m, int n) {
            if (m == null || n == 0) {
                return;
            }
            for (double[] row : m) {
                for (int i = 0; i < row.length; i++) {
                    row[i] /= n;
                }
            }
        }
    }

    /** 1 + the number of classes with a larger logit than the target's. */
    static int rankOf(double[] logits, int target) {
        int r = 1;
        for (int k = 0; k < logits.length; k++) {
            if (logits[k] > logits[target]) {
                r++;
            }
        }
        return r;
    }

    /** The model's final norm and unembedding on the host, in double precision. */
    record Unembedding(int C, int V, boolean norm, float[] p, int lnw, int lnb, int w, int bias) {
        static Unembedding of(Transformer model) {
            var layout = model.layout();
            model.device().toHost(model.params());
            float[] p = model.params().host();
            int base = model.params().offset();
            boolean norm = model.config().layerNorm();
            return new Unembedding(model.config().dModel(), model.config().resolvedOutputVocab(), norm, p,
                    norm ? base + layout.get(ParamNames.LNF_WEIGHT).offset() : -1,
                    norm ? base + layout.get(ParamNames.LNF_BIAS).offset() : -1,
                    base + layout.get(ParamNames.UNEMBED_WEIGHT).offset(),
                    layout.has(ParamNames.UNEMBED_BIAS) ? base + layout.get(ParamNames.UNEMBED_BIAS).offset() : -1);
        }

        double[] logits(float[] x, int off) {
            double[] h = new double[C];
            for (int c = 0; c < C; c++) {
                h[c] = x[off + c];
            }
            if (norm) {
                double mean = 0;
                for (double v : h) {
                    mean += v;
                }
                mean /= C;
                double var = 0;
                for (double v : h) {
                    var += (v - mean) * (v - mean);
                }
                double rstd = 1.0 / Math.sqrt(var / C + 1e-5);
                for (int c = 0; c < C; c++) {
                    h[c] = (h[c] - mean) * rstd * p[lnw + c] + p[lnb + c];
                }
            }
            double[] out = new double[V];
            for (int v = 0; v < V; v++) {
                double s = bias >= 0 ? p[bias + v] : 0;
                for (int c = 0; c < C; c++) {
                    s += p[w + v * C + c] * h[c];
                }
                out[v] = s;
            }
            return out;
        }
    }

    /**
     * Causal tracing: for each input position before the answer, each fact's token there is replaced by
     * a random token of the same type that changes the model's top-1 answer; the perturbed run's
     * residual stream at (layer, position) is patched into the clean run, and changed[perturbed position]
     * [layer][position] is the fraction of facts whose top-1 answer then differs from the clean one.
     *
     * @param traced  facts traced per perturbed position (those for which a replacement changed the answer)
     * @param changed by perturbed position name ("0:&lt;e&gt;", ...): [layer][position]
     */
    public record CausalTracing(Map<String, Integer> traced, Map<String, double[][]> changed) {
        static CausalTracing of(Transformer model, Batch b, TokenizedDataset data, long seed) {
            List<String> vocab = data.vocabulary();
            int T = b.T;
            int C = model.config().dModel();
            int layers = model.depth() + 1;
            int[] clean = predictions(model, b.tokens, b);
            var rng = org.grokcap.util.Rngs.stream(seed, "analysis.causal-tracing");
            Map<String, Integer> traced = new LinkedHashMap<>();
            Map<String, double[][]> changed = new LinkedHashMap<>();
            List<String> posNames = b.positionNames(data);
            for (int p = 0; p <= b.answerPos; p++) {
                // replacements: a same-type token per fact that changes the top-1 answer
                int[] perturbed = b.tokens.clone();
                boolean[] ok = new boolean[b.n];
                List<Integer> candidates = sameType(vocab, typeOf(vocab.get(b.tokens[p])));
                if (candidates.size() < 2) {
                    continue; // a fixed token (a separator): nothing to perturb
                }
                for (int tryNo = 0; tryNo < PERTURB_TRIES; tryNo++) {
                    int[] trial = perturbed.clone();
                    for (int i = 0; i < b.n; i++) {
                        if (!ok[i]) {
                            int orig = b.tokens[i * T + p];
                            int pick;
                            do {
                                pick = candidates.get(rng.nextInt(candidates.size()));
                            } while (pick == orig);
                            trial[i * T + p] = pick;
                        }
                    }
                    int[] pred = predictions(model, trial, b);
                    for (int i = 0; i < b.n; i++) {
                        if (!ok[i] && pred[i] != clean[i]) {
                            ok[i] = true;
                            perturbed[i * T + p] = trial[i * T + p];
                        }
                    }
                }
                int count = 0;
                for (boolean v : ok) {
                    count += v ? 1 : 0;
                }
                String name = posNames.get(p);
                traced.put(name, count);
                double[][] frac = new double[layers][T];
                if (count > 0) {
                    // the perturbed run's residual stream at every layer
                    model.setBatch(perturbed, b.targets, 0, b.n);
                    model.forward();
                    float[][] states = new float[layers][];
                    for (int l = 0; l < layers; l++) {
                        var r = model.residual(l);
                        states[l] = Arrays.copyOfRange(r.host(), r.offset(), r.offset() + b.n * T * C);
                    }
                    for (int l = 0; l < layers; l++) {
                        for (int t = 0; t < T; t++) {
                            model.clearResidualPatches();
                            for (int i = 0; i < b.n; i++) {
                                if (ok[i]) {
                                    int row = i * T + t;
                                    model.patchResidual(l, row, Arrays.copyOfRange(states[l], row * C, row * C + C));
                                }
                            }
                            int[] pred = predictions(model, b.tokens, b);
                            int diff = 0;
                            for (int i = 0; i < b.n; i++) {
                                if (ok[i] && pred[i] != clean[i]) {
                                    diff++;
                                }
                            }
                            frac[l][t] = (double) diff / count;
                        }
                    }
                    model.clearResidualPatches();
                }
                changed.put(name, frac);
            }
            return new CausalTracing(traced, changed);
        }

        private static List<Integer> sameType(List<String> vocab, String type) {
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < vocab.size(); i++) {
                if (typeOf(vocab.get(i)).equals(type)) {
                    out.add(i);
                }
            }
            return out;
        }

        /** Top-1 answer token of each fact at the answer position (any patches applied). */
        private static int[] predictions(Transformer model, int[] tokens, Batch b) {
            model.setBatch(tokens, b.targets, 0, b.n);
            model.forward();
            var lg = model.logits();
            int V = model.config().resolvedOutputVocab();
            int[] out = new int[b.n];
            for (int i = 0; i < b.n; i++) {
                int row = i * b.T + b.answerPos; // every position has a target, so rows are positions
                int best = 0;
                for (int v = 1; v < V; v++) {
                    if (lg.host()[lg.offset() + row * V + v] > lg.host()[lg.offset() + row * V + best]) {
                        best = v;
                    }
                }
                out[i] = best;
            }
            return out;
        }
    }

    /**
     * The name of residual layer l (0 = embedding) of a model of depth blocks applied, stack per pass:
     * "layer l" when the stack runs once, else the pass and the block in it ("pass 2" for a
     * one-block stack, "pass 2 block 1").
     */
    static String layerName(int l, int stack, int depth) {
        if (l == 0) {
            return "embed";
        }
        if (stack == depth) {
            return "layer " + l;
        }
        int pass = (l - 1) / stack + 1;
        return stack == 1 ? "pass " + pass : "pass " + pass + " block " + ((l - 1) % stack + 1);
    }

    /** A heatmap of values[layer][position]: layers upwards, positions left to right, dir/name.{png,svg}. */
    static void heatmap(Path dir, String name, String title, List<String> positions, double[][] values,
                        int stack, double min, double max) throws IOException {
        int layers = values.length;
        List<String> layerNames = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            layerNames.add(layerName(l, stack, layers - 1));
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(Charts.WIDTH, 300 + 120 * positions.size()))
                .height(Math.max(Charts.HEIGHT, 200 + 60 * layers)).title(title)
                .xAxisTitle("position:token").yAxisTitle("residual stream after").build();
        chart.getStyler().setMin(min).setMax(max).setShowValue(true).setHeatMapValueDecimalPattern("0.00")
                .setRangeColors(new Color[] {Color.WHITE, new Color(0x1f77b4), new Color(0x08306b)});
        chart.getStyler().setPlotContentSize(1.0);
        List<Number[]> cells = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int t = 0; t < positions.size(); t++) {
                cells.add(new Number[] {t, l, values[l][t]});
            }
        }
        chart.addSeries("v", positions, layerNames, cells);
        Charts.writeChart(dir, name, chart);
    }
}
