package org.grokcap.analysis;

import org.grokcap.io.Charts;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The analysis's charts over training steps, drawn with {@link Charts}, with the grokking phases marked. */
final class AnalysisCharts {
    private AnalysisCharts() {}

    /** The same colour for the same boundary in every chart, apart from the data's colours. */
    private static final Color[] BOUNDARY_COLORS = {new Color(0x7f3c8d), new Color(0x11a579), new Color(0x555555)};

    /**
     * Writes dir/name.{png,svg}: one line per series s (values under s + suffix), and a dashed vertical
     * line at every phase boundary.
     */
    static void overSteps(Path dir, String name, String title, String quantity, List<Map<String, Double>> rows,
                          List<String> series, String suffix, boolean logY, Phases phases) throws IOException {
        withPhases(dir, name, Charts.curves(title, quantity, rows, series, suffix, false, logY), logY, phases);
    }

    /** Writes chart as dir/name.{png,svg} with a dashed vertical line at every phase boundary. */
    static void withPhases(Path dir, String name, XYChart chart, boolean logY, Phases phases) throws IOException {
        if (phases != null && !chart.getSeriesCollection().isEmpty()) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (XYSeries s : chart.getSeriesCollection()) {
                lo = Math.min(lo, s.getYMin());
                hi = Math.max(hi, s.getYMax());
            }
            if (!logY) {
                lo = 0;
                hi = 1;
            }
            int i = 0;
            for (Map.Entry<String, Integer> b : phases.boundaries().entrySet()) {
                XYSeries line = chart.addSeries(b.getKey() + " (" + b.getValue() + ")",
                        new double[] {b.getValue(), b.getValue()}, new double[] {lo, hi});
                line.setMarker(SeriesMarkers.NONE);
                line.setLineColor(BOUNDARY_COLORS[i++ % BOUNDARY_COLORS.length]);
                line.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                        new float[] {6f, 4f}, 0f));
            }
        }
        Charts.writeChart(dir, name, chart);
    }
}
