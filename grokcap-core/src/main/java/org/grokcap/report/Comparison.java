package org.grokcap.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.io.AtomicFiles;
import org.grokcap.io.Charts;
import org.grokcap.io.Json;
import org.grokcap.io.MetricsRow;
import org.grokcap.sweep.SweepRunner;
import org.grokcap.util.BadInputException;
import org.grokcap.util.Stats;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Methods compared over seeds: the runs of a sweep grouped by variant (or, in a sweep without
 * variants, by the varied fields other than the seed; runs from no sweep by their config's name),
 * and per group the test accuracy curve (median over the seeds, min-max shaded, log epoch axis) and
 * a table: the epoch at which test accuracy first reached 50, 90 and 99 %, the final test accuracy,
 * and the test accuracy at 5× the group's own median epoch to 99 % (a method that groks and then
 * collapses shows there). Another split's accuracy can be compared instead of test's (a reasoning task has
 * test_inferred_id and train_atomic, not test). The seed-to-seed spread of grokking is about 2× in the epoch to 99 %, so a
 * single seed says little; every number here is a median and a range over seeds.
 * <p>
 * A seed that never reached an accuracy counts as later than any seed that did, so the median is
 * "not reached" when half the seeds or more did not, and the count of seeds that did is given. Runs
 * that are still training count with what they logged so far.
 */
public final class Comparison {
    /** The split compared unless another is asked for. */
    public static final String DEFAULT_SPLIT = "test";
    /** The varied field left out of a group's name: the runs of a group differ in it alone. */
    static final String SEED = "train.seed";
    static final double[] THRESHOLDS = {0.5, 0.9, 0.99};
    /** The late look: this many times the group's median epoch to 99 %. */
    static final int LATE_FACTOR = 5;

    /** Median and range over the seeds that have a value; null fields (in JSON) where none has. */
    public record Spread(Double median, Double min, Double max, int count) {
    }

    /**
     * When the runs first reached an accuracy: {@code reached} of {@code runs} did; median and max are
     * null ("not reached") when the median or the latest seed never reached it.
     */
    public record Reach(double accuracy, int reached, int runs, Double median, Double min, Double max) {
    }

    /**
     * Test accuracy at {@code epoch}, 5× the median epoch to 99 % (null when that median was not
     * reached), over the {@code covered} runs that logged that far; the others stopped before it
     * ("beyond the run").
     */
    public record Late(Double epoch, int covered, int runs, Spread accuracy) {
    }

    /**
     * One method: its runs (ids), how many finished, when they reached each accuracy, the final test
     * accuracy (over the last logged epochs, their spread given too), and the late look.
     */
    public record Method(String name, List<String> runIds, int finished, List<Reach> reach, Spread lastEpoch,
                         Spread finalAccuracy, Late late) {
    }

    /** A group's test-accuracy curve over the epochs every one of its runs logged: median, min and max. */
    record Band(String name, double[] epoch, double[] median, double[] min, double[] max) {
    }

    /** One run's test accuracy by epoch (the step of full-batch training), the last value where a step repeats. */
    private record Curve(Report.Run run, TreeMap<Long, Double> accuracy) {
        long lastEpoch() {
            return accuracy.lastKey();
        }

        /** The first epoch at which the accuracy reached threshold; +∞ when it never did. */
        double firstAt(double threshold) {
            for (Map.Entry<Long, Double> e : accuracy.entrySet()) {
                if (e.getValue() >= threshold) {
                    return e.getKey();
                }
            }
            return Double.POSITIVE_INFINITY;
        }
    }

    private final String split;
    private final String unit;
    private final List<Method> methods;
    private final List<Band> bands;

    private Comparison(String split, String unit, List<Method> methods, List<Band> bands) {
        this.split = split;
        this.unit = unit;
        this.methods = List.copyOf(methods);
        this.bands = List.copyOf(bands);
    }

    /** "epoch" when every run trains full batch (a step is an epoch), else "step". */
    public String unit() {
        return unit;
    }

    /** The split whose accuracy is compared. */
    public String split() {
        return split;
    }

    /** The chart's file name without extension (PNG and SVG): comparison-SPLIT-accuracy. */
    public String chartName() {
        return "comparison-" + split + "-accuracy";
    }

    /** comparison.md for the test split (the name it always had), else comparison-SPLIT.md; likewise .json. */
    static String fileName(String split, String extension) {
        return "comparison" + (split.equals(DEFAULT_SPLIT) ? "" : "-" + split) + extension;
    }

    public List<Method> methods() {
        return methods;
    }

    List<Band> bands() {
        return bands;
    }

    /** {@link #of(List, List, String)} of test accuracy, with the groups in the order the runs come. */
    static Comparison of(List<Report.Run> runs) {
        return of(runs, List.of(), DEFAULT_SPLIT);
    }

    /**
     * The comparison of these runs' accuracy on split, the groups named in order first (a sweep's
     * variants, as its file lists them), then the others as the runs come; runs that logged no accuracy
     * on split yet are left out.
     */
    static Comparison of(List<Report.Run> runs, List<String> order, String split) {
        Map<String, List<Curve>> groups = new LinkedHashMap<>();
        order.forEach(name -> groups.put(name, new ArrayList<>()));
        boolean fullBatch = true;
        for (Report.Run r : runs) {
            TreeMap<Long, Double> accuracy = new TreeMap<>();
            for (MetricsRow row : MetricsRow.of(r.rows())) {
                Double a = row.accuracy(split);
                if (row.step() >= 0 && a != null && Double.isFinite(a)) {
                    accuracy.put((long) row.step(), a);
                }
            }
            if (accuracy.isEmpty()) {
                continue;
            }
            fullBatch &= r.record().at("/config/train/batchSize").asInt(0) == 0;
            groups.computeIfAbsent(group(r), k -> new ArrayList<>()).add(new Curve(r, accuracy));
        }
        List<Method> methods = new ArrayList<>();
        List<Band> bands = new ArrayList<>();
        groups.values().removeIf(List::isEmpty);
        groups.forEach((name, curves) -> {
            methods.add(method(name, curves));
            bands.add(band(name, curves));
        });
        return new Comparison(split, fullBatch ? "epoch" : "step", methods, bands);
    }

    /** A run's group: its variant, else its varied values but the seed, else its config's name. */
    static String group(Report.Run r) {
        if (r.variant() != null) {
            return r.variant();
        }
        List<String> parts = new ArrayList<>();
        r.values().forEach((field, value) -> {
            if (!field.equals(SEED)) {
                parts.add(field.substring(field.lastIndexOf('.') + 1) + "=" + text(value));
            }
        });
        return parts.isEmpty() ? r.name() : String.join(", ", parts);
    }

    private static Method method(String name, List<Curve> curves) {
        List<Reach> reach = new ArrayList<>();
        for (double t : THRESHOLDS) {
            double[] at = curves.stream().mapToDouble(c -> c.firstAt(t)).toArray();
            int reached = (int) Arrays.stream(at).filter(Double::isFinite).count();
            double min = Arrays.stream(at).min().orElseThrow();
            double max = Arrays.stream(at).max().orElseThrow();
            reach.add(new Reach(t, reached, at.length, finite(Stats.median(at)), finite(min), finite(max)));
        }
        Spread last = spread(curves.stream().mapToDouble(Curve::lastEpoch).toArray());
        Spread finalAccuracy = spread(curves.stream().mapToDouble(c -> c.accuracy().lastEntry().getValue()).toArray());
        Double median99 = reach.get(reach.size() - 1).median();
        Late late;
        if (median99 == null) {
            late = new Late(null, 0, curves.size(), spread(new double[0]));
        } else {
            double epoch = LATE_FACTOR * median99;
            double[] values = curves.stream().filter(c -> c.lastEpoch() >= epoch)
                    .mapToDouble(c -> c.accuracy().floorEntry((long) Math.floor(epoch)).getValue()).toArray();
            late = new Late(epoch, values.length, curves.size(), spread(values));
        }
        int finished = (int) curves.stream().filter(c -> c.run().finished()).count();
        return new Method(name, curves.stream().map(c -> c.run().id()).toList(), finished, reach, last, finalAccuracy, late);
    }

    /** The group's curve over the epochs all its runs logged (a run still training ends it early). */
    private static Band band(String name, List<Curve> curves) {
        List<Long> epochs = new ArrayList<>(curves.get(0).accuracy().keySet());
        for (Curve c : curves) {
            epochs.retainAll(c.accuracy().keySet());
        }
        int n = epochs.size();
        double[] x = new double[n];
        double[] median = new double[n];
        double[] min = new double[n];
        double[] max = new double[n];
        for (int i = 0; i < n; i++) {
            long e = epochs.get(i);
            double[] v = curves.stream().mapToDouble(c -> c.accuracy().get(e)).toArray();
            x[i] = e;
            median[i] = Stats.median(v);
            min[i] = Arrays.stream(v).min().orElseThrow();
            max[i] = Arrays.stream(v).max().orElseThrow();
        }
        return new Band(name, x, median, min, max);
    }

    private static Spread spread(double[] v) {
        if (v.length == 0) {
            return new Spread(null, null, null, 0);
        }
        return new Spread(Stats.median(v), Arrays.stream(v).min().orElseThrow(),
                Arrays.stream(v).max().orElseThrow(), v.length);
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** {@link #write(Path, String)} of test accuracy. */
    public static Map<String, Object> write(Path dir) {
        return write(dir, DEFAULT_SPLIT);
    }

    /**
     * Writes the comparison of split's accuracy (comparison.md, comparison.json for test, else
     * comparison-SPLIT.md and .json) and its chart (PNG and SVG) of the runs under dir (a sweep's
     * directory; its report/ folder is left out) into dir; returns what the command prints. A split
     * other than test that no run logged is bad input (a sweep's end compares test whatever its task).
     */
    public static Map<String, Object> write(Path dir, String split) {
        Comparison c = of(Report.find(List.of(dir), dir.resolve(Report.SWEEP_REPORT)), variantOrder(List.of(dir)), split);
        if (c.methods().isEmpty() && !split.equals(DEFAULT_SPLIT)) {
            throw new BadInputException("--split = " + split + ": no run under " + dir + " logged " + split + "_accuracy");
        }
        Path markdown = dir.resolve(fileName(split, ".md"));
        Path json = dir.resolve(fileName(split, ".json"));
        try {
            c.writeChart(dir);
            AtomicFiles.write(markdown, c.markdown(title(dir)).getBytes(StandardCharsets.UTF_8));
            Json.writePretty(json, c.json());
        } catch (IOException e) {
            throw new UncheckedIOException("writing the comparison into " + dir + " failed: " + e.getMessage(), e);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("split", split);
        out.put("comparison", markdown.toString());
        out.put("json", json.toString());
        out.put("chart", dir.resolve(c.chartName() + ".png").toString());
        out.put("methods", c.methods().stream().map(Method::name).toList());
        return out;
    }

    /** The variants of the sweeps whose lists of runs (NAME.sweep.json) lie in these folders, in their files' order. */
    static List<String> variantOrder(List<Path> roots) {
        List<String> order = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> files = Files.list(root)) {
                for (Path f : files.filter(f -> f.getFileName().toString().endsWith(SweepRunner.SWEEP_JSON_SUFFIX))
                        .sorted().toList()) {
                    Json.mapper().readTree(f.toFile()).path("variants").fieldNames().forEachRemaining(v -> {
                        if (!order.contains(v)) {
                            order.add(v);
                        }
                    });
                }
            } catch (IOException e) {
                // only the order of the table's rows depends on it; the runs' own records say the rest
            }
        }
        return order;
    }

    /** The sweep's name from its list of runs (NAME.sweep.json) when dir holds one sweep, else the folder's name. */
    private static String title(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> sweeps = files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(SweepRunner.SWEEP_JSON_SUFFIX)).toList();
            if (sweeps.size() == 1) {
                return sweeps.get(0).substring(0, sweeps.get(0).length() - SweepRunner.SWEEP_JSON_SUFFIX.length());
            }
        }
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return name == null ? dir.toString() : name.toString();
    }

    /** The comparison as comparison.json holds it. */
    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("split", split);
        m.put("unit", unit);
        m.put("lateFactor", LATE_FACTOR);
        m.put("methods", methods);
        return m;
    }

    /** Writes the chart of every group's band into dir; nothing when no group has a point to draw. */
    void writeChart(Path dir) throws IOException {
        XYChart chart = chart();
        if (!chart.getSeriesCollection().isEmpty()) {
            Charts.writeChart(dir, chartName(), chart);
        }
    }

    /** The split's accuracy against the epoch (log axis, epoch 0 left out): per group the median, min-max shaded. */
    XYChart chart() {
        XYChart chart = new XYChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT)
                .title(split + " accuracy by method: median over seeds, min-max shaded")
                .xAxisTitle(unit + " (log)").yAxisTitle(split + " accuracy").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        Color[] colors = chart.getStyler().getSeriesColors();
        int g = 0;
        for (Band b : bands) {
            List<Integer> positive = new ArrayList<>();
            for (int i = 0; i < b.epoch().length; i++) {
                if (b.epoch()[i] > 0) {
                    positive.add(i);
                }
            }
            if (positive.isEmpty()) {
                continue; // only epoch 0, which a log axis cannot show
            }
            int[] kept = Charts.thinned(positive.size());
            int n = kept.length;
            double[] x = new double[n];
            double[] median = new double[n];
            double[] polygonX = new double[2 * n];
            double[] polygonY = new double[2 * n];
            for (int k = 0; k < n; k++) {
                int i = positive.get(kept[k]);
                x[k] = b.epoch()[i];
                median[k] = b.median()[i];
                polygonX[k] = b.epoch()[i]; // along the top, then back along the bottom
                polygonY[k] = b.max()[i];
                polygonX[2 * n - 1 - k] = b.epoch()[i];
                polygonY[2 * n - 1 - k] = b.min()[i];
            }
            Color color = colors[g++ % colors.length];
            XYSeries band = chart.addSeries(b.name() + " min-max", polygonX, polygonY);
            band.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
            band.setMarker(SeriesMarkers.NONE);
            band.setFillColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 50));
            band.setLineColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 0));
            band.setShowInLegend(false);
            XYSeries line = chart.addSeries(b.name(), x, median);
            line.setMarker(SeriesMarkers.NONE);
            line.setLineColor(color);
        }
        return chart;
    }

    /** The table as Markdown, titled with the sweep's name. */
    String markdown(String title) {
        StringBuilder b = new StringBuilder("# " + title + ": " + split + " accuracy by method\n\n");
        b.append(explanation()).append("\n\n");
        List<List<String>> table = table();
        for (int r = 0; r < table.size(); r++) {
            b.append("| ").append(String.join(" | ", table.get(r).stream().map(c -> c.replace("|", "\\|")).toList()))
                    .append(" |\n");
            if (r == 0) {
                b.append("|").append("---|".repeat(table.get(0).size())).append('\n');
            }
        }
        b.append("\n![").append(split).append(" accuracy by method](").append(chartName()).append(".png)\n");
        return b.toString();
    }

    /** What the table's numbers are, in a paragraph. */
    String explanation() {
        return "Median (min–max) over seeds. The " + unit + " to an accuracy is the first evaluated " + unit
                + " at or above it; a seed that never reached it counts as later than every seed that did (\"not "
                + "reached\"), and n/m says how many of the m seeds reached it. The last column is the " + split
                + " accuracy at " + LATE_FACTOR + "× the method's own median " + unit + " to 99 %, over the seeds "
                + "that ran that long: a method that groks and then collapses shows there."
                + (unit.equals("epoch") ? " Every run trains on the full batch, so an epoch is a step." : "");
    }

    /** The table's header and a row per method, as text (Markdown and the HTML report show the same cells). */
    List<List<String>> table() {
        List<List<String>> table = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("method", "seeds (finished)"));
        for (double t : THRESHOLDS) {
            header.add(unit + " to " + percent(t));
        }
        header.add("last " + unit);
        header.add("final " + split + " accuracy");
        header.add(split + " accuracy at " + LATE_FACTOR + "× " + unit + " to 99 %");
        table.add(header);
        for (Method m : methods) {
            List<String> row = new ArrayList<>(List.of(m.name(), m.runIds().size() + " (" + m.finished() + ")"));
            for (Reach r : m.reach()) {
                row.add((r.reached() == 0 ? "not reached" : reached(r.median()) + " (" + reached(r.min()) + "–"
                        + reached(r.max()) + ")") + ", " + r.reached() + "/" + r.runs());
            }
            row.add(epochs(m.lastEpoch()));
            row.add(accuracies(m.finalAccuracy()));
            Late late = m.late();
            if (late.epoch() == null) {
                row.add("no median " + unit + " to 99 %");
            } else if (late.covered() == 0) {
                row.add("at " + epoch(late.epoch()) + ": beyond the run");
            } else {
                row.add("at " + epoch(late.epoch()) + ": " + accuracies(late.accuracy())
                        + (late.covered() < late.runs() ? ", " + late.covered() + "/" + late.runs() + " seeds ran that long" : ""));
            }
            table.add(row);
        }
        return table;
    }

    private static String percent(double t) {
        return Math.round(t * 100) + " %";
    }

    private static String reached(Double epoch) {
        return epoch == null ? "not reached" : epoch(epoch);
    }

    /** An epoch; a median of an even count may fall halfway between two. */
    static String epoch(double e) {
        return e == Math.rint(e) ? String.format(Locale.ROOT, "%,d", (long) e) : String.format(Locale.ROOT, "%,.1f", e);
    }

    private static String epochs(Spread s) {
        return epoch(s.median()) + " (" + epoch(s.min()) + "–" + epoch(s.max()) + ")";
    }

    private static String accuracies(Spread s) {
        return String.format(Locale.ROOT, "%.4f (%.4f–%.4f)", s.median(), s.min(), s.max());
    }

    /** A varied value as a group's name shows it. */
    static String text(JsonNode node) {
        return node.isValueNode() ? node.asText() : node.toString();
    }
}
