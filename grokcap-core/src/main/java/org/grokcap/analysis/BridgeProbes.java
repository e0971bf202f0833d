package org.grokcap.analysis;

import org.grokcap.run.FinishedRun;
import org.grokcap.util.BadInputException;
import org.grokcap.backend.Backends;
import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.analysis.AnswerLosses;
import org.grokcap.data.Split;
import org.grokcap.data.profiles.AnswerSpans;
import org.grokcap.data.profiles.ProfilesData;
import org.grokcap.io.Charts;
import org.grokcap.io.Json;
import org.grokcap.model.Transformer;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code grokcap probe RUN_DIR}: linear softmax probes ({@link LinearProbe}) on the residual stream of a
 * profiles model, at every depth (the embedding, then the output of each block), at three positions of
 * each 2-hop question "... F M L 's R 's S ? Answer: ..." (the last name token L, the relation token R,
 * the attribute token S), predicting the bridge person R(person)'s first name (the first token of the
 * bridge's name). Beside them: a unigram baseline (the first names' frequencies) and the model's own
 * loss on those questions' answers. Writes RUN_DIR/probes/probes.json and probes.png/.svg.
 *
 * <p>The last block computes only positions that have a target, so each question is run as its own
 * sequence with dummy targets at the three probed positions: the loss is not used, and the residual
 * stream there is exactly what the model computes.
 */
public final class BridgeProbes {
    public static final String DIR = "probes";
    /** Offsets before the "Answer:" position (the span's first target) of the last name, relation and attribute tokens. */
    static final int[] OFFSETS = {6, 4, 2};
    static final String[] POSITIONS = {"name", "relation", "attribute"};
    static final double[] LAMBDAS = {1e-4, 1e-3, 1e-2, 1e-1, 1.0};
    static final int FOLDS = 3;
    static final double TEST_FRACTION = 0.2;
    /** At most this many 2-hop questions are probed (the first ones, in split order). */
    static final int MAX_QUESTIONS = 2000;

    private BridgeProbes() {}

    public static Map<String, Object> probe(Path runDir, String backend) throws IOException {
        FinishedRun run = FinishedRun.open(runDir);
        ProfilesData data = run.profilesData("probes need");
        int T = data.dataset().contextLength();

        // Every 2-hop question of every split, each as its own row: tokens, and its bridge's first name.
        List<int[]> seqs = new ArrayList<>();
        List<Integer> firsts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<Integer> lastNames = new ArrayList<>();
        List<String> splitOf = new ArrayList<>();
        Map<String, int[]> twoHopIndex = new LinkedHashMap<>();
        for (Map.Entry<String, AnswerSpans> e : data.spans().entrySet()) {
            Split split = data.dataset().split(e.getKey());
            AnswerSpans s = e.getValue();
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < s.size() && seqs.size() < MAX_QUESTIONS; i++) {
                if (s.hops()[i] != 2) {
                    continue;
                }
                int f = s.firstTarget()[i];
                if (f < OFFSETS[0]) {
                    throw new IllegalStateException("2-hop answer at position " + f + " leaves no room for its question");
                }
                int[] tokens = new int[T];
                System.arraycopy(split.tokens(), s.sequence()[i] * T, tokens, 0, T);
                seqs.add(tokens);
                firsts.add(f);
                labels.add(data.profiles().first()[s.bridge()[i]]);
                lastNames.add(data.profiles().last()[s.person()[i]]);
                splitOf.add(e.getKey());
                idx.add(i);
            }
            twoHopIndex.put(e.getKey(), idx.stream().mapToInt(Integer::intValue).toArray());
        }
        int n = seqs.size();
        if (n < FOLDS + 2) {
            throw new BadInputException(runDir + ": only " + n + " 2-hop questions; probes need a profiles run with "
                    + "twoHopFraction > 0 or 2-hop held-out splits");
        }
        int classes = data.profiles().first().length == 0 ? 1 : java.util.Arrays.stream(data.profiles().first()).max().getAsInt() + 1;

        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> table = new ArrayList<>();
        int L;
        double modelAnswerBits;
        try (Device device = Backends.choose(backend).create(0)) {
            int B = Math.min(256, n);
            FinishedRun.TrainedModel t = run.loadModel(data.dataset(), device, B);
            Transformer model = t.model();
            L = model.config().layers();
            int C = model.config().dModel();
            double[][][][] feats = new double[L + 1][POSITIONS.length][n][];
            int[] tokens = new int[B * T];
            int[] targets = new int[B * T];
            for (int from = 0; from < n; from += B) {
                int b = Math.min(B, n - from);
                java.util.Arrays.fill(targets, -1);
                for (int q = 0; q < b; q++) {
                    System.arraycopy(seqs.get(from + q), 0, tokens, q * T, T);
                    for (int p = 0; p < POSITIONS.length; p++) {
                        targets[q * T + firsts.get(from + q) - OFFSETS[p]] = 0; // dummy: makes the last block compute here
                    }
                }
                model.setBatch(tokens, targets, 0, b);
                model.forward();
                for (int d = 0; d <= L; d++) {
                    Buf r = model.residual(d);
                    for (int q = 0; q < b; q++) {
                        for (int p = 0; p < POSITIONS.length; p++) {
                            // depth L has rows only at the targets, 3 per question in position order
                            int row = d < L ? q * T + firsts.get(from + q) - OFFSETS[p] : q * POSITIONS.length + p;
                            double[] v = new double[C];
                            for (int c = 0; c < C; c++) {
                                v[c] = r.host()[r.offset() + row * C + c];
                            }
                            feats[d][p][from + q] = v;
                        }
                    }
                }
            }
            int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
            for (int d = 0; d <= L; d++) {
                for (int p = 0; p < POSITIONS.length; p++) {
                    LinearProbe.Result res = LinearProbe.crossValidated(feats[d][p], y, classes, LAMBDAS, FOLDS,
                            TEST_FRACTION, 1234);
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("depth", d);
                    row.put("position", POSITIONS[p]);
                    row.put("testBits", res.testBits());
                    row.put("testAccuracy", res.testAccuracy());
                    row.put("lambda", res.lambda());
                    row.put("unigramBits", res.unigramBits());
                    row.put("cvBits", res.cvBits());
                    row.put("train", res.trainCount());
                    row.put("test", res.testCount());
                    table.add(row);
                }
            }
            // Control: the asked person's last name is the token at the name position, so at depth 0 (its
            // embedding) a probe must find it. A failure here would mean wrong positions, not a finding.
            int[] last = lastNames.stream().mapToInt(Integer::intValue).toArray();
            int lastClasses = java.util.Arrays.stream(data.profiles().last()).max().getAsInt() + 1;
            LinearProbe.Result control = LinearProbe.crossValidated(feats[0][0], last, lastClasses, LAMBDAS, FOLDS,
                    TEST_FRACTION, 1234);
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("what", "depth 0, name position, predicting the asked person's last name (the token there)");
            c.put("testBits", control.testBits());
            c.put("testAccuracy", control.testAccuracy());
            c.put("unigramBits", control.unigramBits());
            out.put("control", c);
            // The model's own loss on the answers of the same questions (bits per answer, mean).
            double sum = 0;
            int count = 0;
            Transformer evalModel = model;
            for (Map.Entry<String, int[]> e : twoHopIndex.entrySet()) {
                int[] idx = e.getValue();
                if (idx.length == 0) {
                    continue;
                }
                AnswerSpans s = data.spans().get(e.getKey());
                double[] bits = AnswerLosses.of(evalModel, data.dataset().split(e.getKey()), pick(s.sequence(), idx),
                        pick(s.firstTarget(), idx), pick(s.length(), idx));
                for (double v : bits) {
                    sum += v;
                }
                count += bits.length;
            }
            modelAnswerBits = sum / count;
        }
        double unigram = (double) table.get(0).get("unigramBits");
        out.put("run", runDir.toString());
        out.put("questions", n);
        out.put("classes", classes);
        out.put("label", "first name of the bridge person (first token of its name)");
        out.put("unigramBits", unigram);
        out.put("modelAnswerBits", modelAnswerBits);
        out.put("modelAnswerNote", "the model's own mean loss (bits, answer tokens summed) on these 2-hop questions' answers");
        out.put("lambdas", LAMBDAS);
        out.put("folds", FOLDS);
        out.put("table", table);
        Path dir = runDir.resolve(DIR);
        Files.createDirectories(dir);
        Json.writePretty(dir.resolve("probes.json"), out);
        Charts.writeChart(dir, "probes", chart(run.spec().name(), table, L, unigram, modelAnswerBits));
        return out;
    }

    private static int[] pick(int[] a, int[] idx) {
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = a[idx[i]];
        }
        return out;
    }

    private static XYChart chart(String title, List<Map<String, Object>> table, int L, double unigram, double model) {
        XYChart c = new XYChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT)
                .title(title + ": probing the bridge entity").xAxisTitle("depth (0 = embedding, d = after block d)")
                .yAxisTitle("probe test loss (bits)").build();
        c.getStyler().setYAxisMin(0.0);
        for (String pos : POSITIONS) {
            double[] x = new double[L + 1];
            double[] y = new double[L + 1];
            for (Map<String, Object> row : table) {
                if (row.get("position").equals(pos)) {
                    int d = (int) row.get("depth");
                    x[d] = d;
                    y[d] = (double) row.get("testBits");
                }
            }
            c.addSeries("probe at " + pos, x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        double[] ends = {0, L};
        XYSeries u = c.addSeries("unigram baseline", ends, new double[] {unigram, unigram});
        u.setMarker(SeriesMarkers.NONE);
        u.setLineStyle(SeriesLines.DASH_DASH);
        XYSeries m = c.addSeries("model's own answer loss", ends, new double[] {model, model});
        m.setMarker(SeriesMarkers.NONE);
        m.setLineStyle(SeriesLines.DOT_DOT);
        return c;
    }
}
