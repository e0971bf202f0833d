package org.grokcap.report;

import org.grokcap.io.MetricsRow;
import com.fasterxml.jackson.core.JsonProcessingException;
import org.grokcap.io.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The report's index.html: a table of the runs, interactive charts of every run's train and test curves
 * (loss on a log axis), the static charts across runs, and links to each run's own plots.
 */
final class Html {
    private Html() {}

    /** The page; comparison is null where no group of runs has more than one seed. */
    static String page(List<Report.Run> runs, Set<String> splits, List<String> charts, Comparison comparison) {
        boolean variants = runs.stream().anyMatch(r -> r.variant() != null);
        Set<String> fields = new LinkedHashSet<>();
        runs.forEach(r -> fields.addAll(r.values().keySet()));
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>grokcap report</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td.l,th.l{text-align:left}")
                .append("img{max-width:100%}</style></head><body>\n");
        long finished = runs.stream().filter(Report.Run::finished).count();
        h.append("<h1>grokcap report</h1>\n<p>").append(runs.size()).append(" runs, ").append(finished)
                .append(" finished.</p>\n");
        if (comparison != null) {
            comparison(h, comparison);
        }
        h.append("<h2>runs</h2>\n<table>\n<tr><th class=\"l\">run</th><th class=\"l\">name</th><th class=\"l\">state</th>");
        if (variants) {
            h.append("<th class=\"l\">variant</th>");
        }
        for (String f : fields) {
            h.append("<th>").append(esc(f)).append("</th>");
        }
        h.append("<th>parameters</th><th>steps</th><th>wall s</th>");
        for (String s : splits) {
            h.append("<th>").append(esc(s)).append(" loss</th><th>").append(esc(s)).append(" accuracy</th><th>")
                    .append(esc(s)).append(" ≥ 99 % at step</th>");
        }
        h.append("<th class=\"l\">plots</th></tr>\n");
        for (Report.Run r : runs) {
            h.append("<tr><td class=\"l\">").append(esc(r.id())).append("</td><td class=\"l\">").append(esc(r.name()))
                    .append("</td><td class=\"l\">").append(r.finished() ? "finished" : "unfinished").append("</td>");
            if (variants) {
                h.append("<td class=\"l\">").append(r.variant() == null ? "" : esc(r.variant())).append("</td>");
            }
            for (String f : fields) {
                h.append("<td>").append(r.values().containsKey(f) ? esc(r.values().get(f).asText()) : "").append("</td>");
            }
            h.append("<td>").append(r.parameters() > 0 ? String.format("%,d", r.parameters()) : "").append("</td><td>")
                    .append(r.last().containsKey(MetricsRow.STEP) ? String.valueOf(r.last().get(MetricsRow.STEP).intValue() + 1) : "")
                    .append("</td><td>").append(r.finished() ? String.format("%.1f", r.record().at("/result/wallSeconds").asDouble()) : "")
                    .append("</td>");
            Map<String, Double> last = r.last();
            for (String s : splits) {
                h.append("<td>").append(number(MetricsRow.of(last).loss(s))).append("</td><td>")
                        .append(number(MetricsRow.of(last).accuracy(s))).append("</td><td>");
                int at = r.record().at("/result/milestones/" + MetricsRow.accuracyKey(s) + "_99").asInt(-1);
                h.append(at >= 0 ? String.valueOf(at) : "").append("</td>");
            }
            h.append("<td class=\"l\">");
            for (String p : List.of("loss", "accuracy")) {
                if (Files.exists(r.dir().resolve("plots").resolve(p + ".svg"))) {
                    h.append("<a href=\"runs/").append(esc(r.id())).append('/').append(p).append(".svg\">").append(p).append("</a> ");
                }
            }
            h.append("</td></tr>\n");
        }
        h.append("</table>\n");
        interactive(h, runs, splits, comparison);
        h.append("<h2>static charts</h2>\n");
        for (String c : charts) {
            h.append("<h2>").append(esc(c.replace('-', ' '))).append("</h2>\n<p><img src=\"").append(esc(c))
                    .append(".svg\" alt=\"").append(esc(c)).append("\"> <a href=\"").append(esc(c)).append(".png\">PNG</a></p>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    /** The methods compared over seeds: the table, then the chart (median, min-max shaded). */
    private static void comparison(StringBuilder h, Comparison comparison) {
        h.append("<h2>methods compared over seeds</h2>\n<p>").append(esc(comparison.explanation())).append("</p>\n<table>\n");
        List<List<String>> table = comparison.table();
        for (int r = 0; r < table.size(); r++) {
            h.append("<tr>");
            for (int c = 0; c < table.get(r).size(); c++) {
                String tag = r == 0 ? "th" : "td";
                h.append('<').append(tag).append(c == 0 ? " class=\"l\">" : ">").append(esc(table.get(r).get(c)))
                        .append("</").append(tag).append('>');
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n<p>").append(esc(comparison.split())).append(" accuracy by method: the median over the seeds, ")
                .append("the range from min to max shaded (drag across to zoom, double-click to zoom out).</p>\n")
                .append("<div class=\"chart\" id=\"chart-comparison\"></div>\n")
                .append("<p><img src=\"").append(comparison.chartName()).append(".svg\" alt=\"")
                .append(esc(comparison.split())).append(" accuracy by method\"> ")
                .append("<a href=\"").append(comparison.chartName()).append(".png\">PNG</a></p>\n");
    }

    /** The comparison's curves for the interactive chart: per method the epochs above 0 (a log axis) with median, min and max. */
    private static Map<String, Object> comparisonData(Comparison comparison) {
        List<Map<String, Object>> methods = new ArrayList<>();
        for (Comparison.Band b : comparison.bands()) {
            List<Double> epoch = new ArrayList<>();
            List<Double> median = new ArrayList<>();
            List<Double> min = new ArrayList<>();
            List<Double> max = new ArrayList<>();
            for (int i = 0; i < b.epoch().length; i++) {
                if (b.epoch()[i] > 0) {
                    epoch.add(b.epoch()[i]);
                    median.add(b.median()[i]);
                    min.add(b.min()[i]);
                    max.add(b.max()[i]);
                }
            }
            if (!epoch.isEmpty()) {
                methods.add(Map.of("name", b.name(), "epoch", epoch, "median", median, "min", min, "max", max));
            }
        }
        return Map.of("unit", comparison.unit(), "methods", methods);
    }

    /**
     * The interactive charts: uPlot and the page's script inlined, so the page works offline and as a
     * single file; the curves as JSON. The static SVG/PNG charts stay below for print and papers.
     */
    private static void interactive(StringBuilder h, List<Report.Run> runs, Set<String> splits, Comparison comparison) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("splits", List.copyOf(splits));
        if (comparison != null) {
            data.put("comparison", comparisonData(comparison));
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (Report.Run r : runs) {
            Map<String, Object> curves = new LinkedHashMap<>();
            for (String s : splits) {
                List<Double> step = new ArrayList<>();
                List<Double> loss = new ArrayList<>();
                List<Double> accuracy = new ArrayList<>();
                for (MetricsRow row : MetricsRow.of(r.rows())) {
                    MetricsRow.SplitMetrics m = row.splits().get(s);
                    if (m != null) {
                        step.add(row.step() < 0 ? null : (double) row.step());
                        loss.add(finite(m.loss()));
                        accuracy.add(finite(m.accuracy()));
                    }
                }
                if (!step.isEmpty()) {
                    curves.put(s, Map.of("step", step, "loss", loss, "accuracy", accuracy));
                }
            }
            list.add(Map.of("id", r.id(), "curves", curves));
        }
        data.put("runs", list);
        h.append("<h2>curves</h2>\n<p>Drag across a chart to zoom, double-click to zoom out; the legend shows the ")
                .append("values under the cursor, and a click on a legend entry hides it. Test solid, train dashed.</p>\n<p>");
        for (int i = 0; i < runs.size(); i++) {
            h.append("<label><input type=\"checkbox\" checked data-run=\"").append(i).append("\"> ")
                    .append(esc(runs.get(i).id())).append("</label> ");
        }
        h.append("</p>\n<div class=\"chart\" id=\"chart-loss\"></div>\n<div class=\"chart\" id=\"chart-accuracy\"></div>\n");
        h.append("<style>").append(resource(UPLOT + "/dist/uPlot.min.css")).append("</style>\n");
        h.append("<!-- uPlot ").append(uplotVersion()).append(", MIT licence:\n")
                .append(resource(UPLOT + "/LICENSE").replace("--", "- -")).append("-->\n");
        h.append("<script>").append(scriptSafe(resource(UPLOT + "/dist/uPlot.iife.min.js"))).append("</script>\n");
        try {
            h.append("<script>const GROKCAP_DATA = ").append(scriptSafe(Json.mapper().writeValueAsString(data)))
                    .append(";\n").append(scriptSafe(resource("/org/grokcap/report/charts.js"))).append("</script>\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the curves as JSON: " + e.getMessage(), e);
        }
    }

    private static final String UPLOT = "/META-INF/resources/webjars/uplot/" + uplotVersion();

    /** uPlot's version, from the build (grokcap.properties), so the pom names it once. */
    private static String uplotVersion() {
        try (InputStream in = Html.class.getResourceAsStream("/grokcap.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("uplot.version");
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("grokcap.properties is missing from the class path", e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = Html.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the class path (the uPlot WebJar)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Text inside a script element must not close it: a run id "</script>" would. */
    private static String scriptSafe(String js) {
        return js.replace("</", "<\\/");
    }

    /** JSON has no NaN or infinity: such a value is a gap in the curve. */
    private static Double finite(Double v) {
        return v == null || !Double.isFinite(v) ? null : v;
    }

    private static String number(Double v) {
        return v == null ? "" : String.format("%.4g", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
