package org.grokcap.report;

import org.grokcap.io.MetricsRow;
import org.grokcap.run.FinishedRun;
import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.util.BadInputException;
import org.grokcap.io.AtomicFiles;
import org.grokcap.io.Charts;
import org.grokcap.io.Json;
import org.grokcap.run.RunDirectory;
import org.grokcap.sweep.SweepRunner;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One HTML report over many runs: every run directory (a folder with a run.json) found in the given
 * folders, however they were made (train, a sweep's shards on many machines, copied together), is
 * merged into OUT/index.html with a table of the runs (the sweep's varied values, parameters, steps,
 * final metrics, first steps at 99 % accuracy), curves of every split across runs, final accuracy
 * against parameters, each run's own plots copied under OUT/runs/ID/, and, for a sweep's variants or
 * runs that differ only in their seed, the methods compared over seeds ({@link Comparison}). Charts
 * are PNG and SVG.
 * Hidden folders (such as a sweep's .interrupted/) are left out.
 */
public final class Report {
    private static final int SEARCH_DEPTH = 4;
    /** A sweep's own report: SWEEP_DIR/report/ (see grokcap sweep report). */
    public static final String SWEEP_REPORT = "report";

    private Report() {}

    /** One run as the report shows it; variant and values are the sweep's (null and empty for a run from no sweep). */
    record Run(String id, Path dir, JsonNode record, String variant, Map<String, JsonNode> values,
               List<Map<String, Double>> rows, List<String> splits) {
        boolean finished() {
            return FinishedRun.finished(record);
        }

        String name() {
            return record.at("/config/name").asText(id);
        }

        long parameters() {
            return record.at("/provenance/parameters").asLong(0);
        }

        Map<String, Double> last() {
            return rows.isEmpty() ? Map.of() : rows.get(rows.size() - 1);
        }
    }

    /** Writes the report of the runs under roots into out; returns what the report command prints. */
    public static Map<String, Object> write(List<Path> roots, Path out) {
        List<Run> runs = find(roots, out);
        try {
            Files.createDirectories(out);
            Set<String> splits = new LinkedHashSet<>();
            runs.forEach(r -> splits.addAll(r.splits()));
            List<String> charts = new ArrayList<>();
            for (String split : splits) {
                charts.add(curves(out, runs, split, "accuracy"));
                charts.add(curves(out, runs, split, "loss"));
            }
            if (runs.stream().anyMatch(r -> r.parameters() > 0 && !r.rows().isEmpty())) {
                charts.add(finalAccuracy(out, runs, splits));
            }
            // Methods compared over seeds: a sweep's variants, or groups of runs that differ only in the seed.
            Comparison comparison = Comparison.of(runs, Comparison.variantOrder(roots), Comparison.DEFAULT_SPLIT);
            if (runs.stream().allMatch(r -> r.variant() == null)
                    && comparison.methods().stream().noneMatch(m -> m.runIds().size() > 1)) {
                comparison = null;
            } else {
                comparison.writeChart(out);
            }
            for (Run r : runs) {
                copyPlots(r, out.resolve("runs").resolve(r.id()));
            }
            AtomicFiles.write(out.resolve("index.html"), Html.page(runs, splits, charts, comparison).getBytes(StandardCharsets.UTF_8));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("report", out.resolve("index.html").toString());
            json.put("runs", runs.size());
            json.put("finished", runs.stream().filter(Run::finished).count());
            json.put("charts", charts);
            if (comparison != null) {
                json.put("methods", comparison.methods().stream().map(Comparison.Method::name).toList());
            }
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException("writing the report into " + out + " failed: " + e.getMessage(), e);
        }
    }

    /** The run directories under roots (a root may itself be one), ordered by path. */
    static List<Run> find(List<Path> roots, Path out) {
        if (roots.isEmpty()) {
            throw new BadInputException("no folders to report on; name at least one");
        }
        Map<String, Run> runs = new LinkedHashMap<>();
        Path outAbs = out.toAbsolutePath().normalize();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                throw new BadInputException("not a folder: " + root);
            }
            List<Path> dirs;
            try (Stream<Path> walk = Files.walk(root, SEARCH_DEPTH)) {
                dirs = walk.filter(d -> Files.isRegularFile(d.resolve(RunDirectory.RUN_JSON)))
                        .filter(d -> !hidden(root.relativize(d)) && !d.toAbsolutePath().normalize().startsWith(outAbs))
                        .sorted().toList();
            } catch (IOException e) {
                throw new BadInputException("cannot search " + root + ": " + e.getMessage(), e);
            }
            for (Path d : dirs) {
                String rel = root.relativize(d).toString();
                String id = (rel.isEmpty() ? d.toAbsolutePath().normalize().getFileName().toString() : rel)
                        .replaceAll("[^A-Za-z0-9._+-]", "_");
                while (runs.containsKey(id)) {
                    id = id + "_";
                }
                runs.put(id, read(id, d));
            }
        }
        if (runs.isEmpty()) {
            throw new BadInputException("no run directories (folders with a " + RunDirectory.RUN_JSON + ") under "
                    + roots.stream().map(Path::toString).toList());
        }
        return new ArrayList<>(runs.values());
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static Run read(String id, Path dir) {
        try {
            JsonNode record = RunDirectory.readRecord(dir);
            Map<String, JsonNode> values = new LinkedHashMap<>();
            String variant = null;
            Path marker = dir.resolve(SweepRunner.SWEEP_RUN);
            if (Files.isRegularFile(marker)) {
                JsonNode sweepRun = Json.mapper().readTree(marker.toFile());
                variant = sweepRun.hasNonNull("variant") ? sweepRun.get("variant").asText() : null;
                JsonNode v = sweepRun.get("values");
                if (v != null) {
                    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        values.put(e.getKey(), e.getValue());
                    }
                }
            }
            List<Map<String, Double>> rows = FinishedRun.readMetrics(dir);
            Set<String> splits = new LinkedHashSet<>();
            for (MetricsRow row : MetricsRow.of(rows)) {
                row.splits().forEach((split, m) -> {
                    if (m.accuracy() != null) {
                        splits.add(split);
                    }
                });
            }
            return new Run(id, dir, record, variant, values, rows, new ArrayList<>(splits));
        } catch (IOException e) {
            throw new BadInputException("cannot read the run in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** One split's accuracy or loss over steps, a line per run; returns the chart's file name without extension. */
    private static String curves(Path out, List<Run> runs, String split, String quantity) throws IOException {
        String name = quantity + "-" + split;
        Charts.writeChart(out, name, acrossRuns(runs, split, quantity));
        return name;
    }

    /** The chart of one split's accuracy or loss: a series per run that has the values, named by the run's id. */
    static XYChart acrossRuns(List<Run> runs, String split, String quantity) {
        List<Map<String, Double>> rows = new ArrayList<>();
        List<String> series = new ArrayList<>();
        for (Run r : runs) {
            boolean any = false;
            for (Map<String, Double> row : r.rows()) {
                MetricsRow typed = MetricsRow.of(row);
                Double v = quantity.equals("loss") ? typed.loss(split) : typed.accuracy(split);
                if (v != null) {
                    any = true;
                    Map<String, Double> one = new LinkedHashMap<>();
                    one.put(MetricsRow.STEP, row.get(MetricsRow.STEP));
                    one.put(r.id() + "|", v); // Charts.curves reads series s from the key s + suffix
                    rows.add(one);
                }
            }
            if (any) {
                series.add(r.id());
            }
        }
        return Charts.curves(split + " " + quantity + " of " + runs.size() + " runs", split + " " + quantity,
                rows, series, "|", false, quantity.equals("loss"));
    }

    /** Each split's final accuracy against the model's parameters (log axis), a point per run. */
    private static String finalAccuracy(Path out, List<Run> runs, Set<String> splits) throws IOException {
        XYChart chart = new XYChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT)
                .title("final accuracy against parameters").xAxisTitle("parameters").yAxisTitle("final accuracy").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        for (String split : splits) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (Run r : runs) {
                Double v = MetricsRow.of(r.last()).accuracy(split);
                if (v != null && Double.isFinite(v) && r.parameters() > 0) {
                    x.add((double) r.parameters());
                    y.add(v);
                }
            }
            if (!x.isEmpty()) {
                chart.addSeries(split, x, y).setMarker(SeriesMarkers.CIRCLE);
            }
        }
        Charts.writeChart(out, "final-accuracy", chart);
        return "final-accuracy";
    }

    private static void copyPlots(Run r, Path target) throws IOException {
        Path plots = r.dir().resolve(RunDirectory.PLOTS);
        if (!Files.isDirectory(plots)) {
            return;
        }
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(plots)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".svg") || p.toString().endsWith(".png")).sorted().toList()) {
                AtomicFiles.write(target.resolve(f.getFileName().toString()), Files.readAllBytes(f));
            }
        }
    }
}
