package org.grokcap.report;

import java.nio.file.Files;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The report's index.html: a table of the runs, the charts across runs, and links to each run's own plots. */
final class Html {
    private Html() {}

    static String page(List<Report.Run> runs, Set<String> splits, List<String> charts) {
        Set<String> fields = new LinkedHashSet<>();
        runs.forEach(r -> fields.addAll(r.values().keySet()));
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>grokcap report</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td.l,th.l{text-align:left}")
                .append("img{max-width:100%}</style></head><body>\n");
        long finished = runs.stream().filter(Report.Run::finished).count();
        h.append("<h1>grokcap report</h1>\n<p>").append(runs.size()).append(" runs, ").append(finished)
                .append(" finished.</p>\n<table>\n<tr><th class=\"l\">run</th><th class=\"l\">name</th><th class=\"l\">state</th>");
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
            for (String f : fields) {
                h.append("<td>").append(r.values().containsKey(f) ? esc(r.values().get(f).asText()) : "").append("</td>");
            }
            h.append("<td>").append(r.parameters() > 0 ? String.format("%,d", r.parameters()) : "").append("</td><td>")
                    .append(r.last().containsKey("step") ? String.valueOf(r.last().get("step").intValue() + 1) : "")
                    .append("</td><td>").append(r.finished() ? String.format("%.1f", r.record().at("/result/wallSeconds").asDouble()) : "")
                    .append("</td>");
            Map<String, Double> last = r.last();
            for (String s : splits) {
                h.append("<td>").append(number(last.get(s + "_loss"))).append("</td><td>")
                        .append(number(last.get(s + "_accuracy"))).append("</td><td>");
                int at = r.record().at("/result/milestones/" + s + "_accuracy_99").asInt(-1);
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
        for (String c : charts) {
            h.append("<h2>").append(esc(c.replace('-', ' '))).append("</h2>\n<p><img src=\"").append(esc(c))
                    .append(".svg\" alt=\"").append(esc(c)).append("\"> <a href=\"").append(esc(c)).append(".png\">PNG</a></p>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static String number(Double v) {
        return v == null ? "" : String.format("%.4g", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
