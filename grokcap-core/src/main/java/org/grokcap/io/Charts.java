package org.grokcap.io;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/** Training curves as PNG (for a quick look) and SVG (for papers and the HTML report), via XChart. */
public final class Charts {
    static {
        // Charts are drawn on servers and in forked build JVMs without a display.
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {}

    public static final int WIDTH = 900;
    public static final int HEIGHT = 500;
    /** Losses at or below zero are drawn here: a log axis cannot show them, and a float loss of 0 is real. */
    static final double LOG_FLOOR = 1e-12;

    /** {@link #trainingCurves(Path, String, List, List, boolean)} with a linear step axis. */
    public static void trainingCurves(Path dir, String title, List<Map<String, Double>> rows, List<String> splits)
            throws IOException {
        trainingCurves(dir, title, rows, splits, false);
    }

    /**
     * Writes loss.png/.svg (loss on a log axis, as in Neel Nanda's grokking plots) and
     * accuracy.png/.svg (0..1) into dir, one line per split, from metrics rows with the keys "step",
     * "&lt;split&gt;_loss" and "&lt;split&gt;_accuracy". Rows missing a value, and non-finite values,
     * are left out of that line. With logX the step axis is logarithmic and step 0 is left out.
     */
    public static void trainingCurves(Path dir, String title, List<Map<String, Double>> rows, List<String> splits,
                                      boolean logX) throws IOException {
        Files.createDirectories(dir);
        List<MetricsRow> typed = MetricsRow.of(rows);
        writeChart(dir, "loss", metricCurves(title, "loss", typed, splits, MetricsRow::loss, logX, true));
        writeChart(dir, "accuracy", metricCurves(title, "accuracy", typed, splits, MetricsRow::accuracy, logX, false));
    }

    static final int MAX_POINTS = 2000;

    /**
     * A chart of one quantity over steps: a line per series name s from the rows' values under the key
     * s + suffix, thinned to {@link #MAX_POINTS}; logY draws values ≤ 0 at {@link #LOG_FLOOR}, a linear
     * axis runs from 0 to 1.
     */
    public static XYChart curves(String title, String quantity, List<Map<String, Double>> rows, List<String> splits,
                                 String suffix, boolean logX, boolean logY) {
        return curves(title, quantity, rows, splits, row -> row.get(MetricsRow.STEP),
                (row, s) -> row.get(s + suffix), logX, logY);
    }

    /**
     * {@link #curves(String, String, List, List, String, boolean, boolean)} over metrics rows: a line per
     * split from the split's value (e.g. {@code MetricsRow::loss}); a row without a step is left out.
     */
    public static XYChart metricCurves(String title, String quantity, List<MetricsRow> rows, List<String> splits,
                                       BiFunction<MetricsRow, String, Double> value, boolean logX, boolean logY) {
        return curves(title, quantity, rows, splits, row -> row.step() < 0 ? null : (double) row.step(), value,
                logX, logY);
    }

    private static <R> XYChart curves(String title, String quantity, List<R> rows, List<String> splits,
                                      Function<R, Double> stepOf, BiFunction<R, String, Double> value, boolean logX,
                                      boolean logY) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(title).xAxisTitle("step").yAxisTitle(quantity).build();
        chart.getStyler().setXAxisLogarithmic(logX);
        chart.getStyler().setYAxisLogarithmic(logY);
        if (!logY) {
            chart.getStyler().setYAxisMin(0.0);
            chart.getStyler().setYAxisMax(1.0);
        }
        for (String split : splits) {
            List<double[]> points = new ArrayList<>();
            for (R row : rows) {
                Double step = stepOf.apply(row);
                Double v = value.apply(row, split);
                if (step == null || v == null || !Double.isFinite(step) || !Double.isFinite(v)
                        || (logX && step <= 0)) {
                    continue;
                }
                points.add(new double[] {step, logY ? Math.max(v, LOG_FLOOR) : v});
            }
            if (points.isEmpty()) {
                continue; // XChart refuses an empty series; a split without values has no line
            }
            // By step, so that a resumed run that repeats some evaluations still draws one line forward.
            points.sort(Comparator.comparingDouble(p -> p[0]));
            int[] kept = thinned(points.size());
            double[] x = new double[kept.length];
            double[] y = new double[kept.length];
            for (int i = 0; i < kept.length; i++) {
                double[] pt = points.get(kept[i]);
                x[i] = pt[0];
                y[i] = pt[1];
            }
            XYSeries series = chart.addSeries(split, x, y);
            series.setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    /**
     * The indices of n points (n ≥ 1) a line keeps: a 900-pixel plot shows no more than ~2,000 points;
     * more only bloat the SVG (20,000 epochs drew a 10 MB file). Every k-th point and always the last one.
     */
    public static int[] thinned(int n) {
        int stride = (n + MAX_POINTS - 1) / MAX_POINTS;
        int kept = (n - 1) / stride + 1 + ((n - 1) % stride == 0 ? 0 : 1);
        int[] indices = new int[kept];
        for (int i = 0; i < kept; i++) {
            indices[i] = Math.min(i * stride, n - 1);
        }
        return indices;
    }

    /** Writes any XChart chart as dir/name.png and dir/name.svg, atomically. */
    public static void writeChart(Path dir, String name, Chart<?, ?> chart) throws IOException {
        Files.createDirectories(dir);
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(dir.resolve(name + ".png"), png);
        AtomicFiles.write(dir.resolve(name + ".svg"),
                out -> VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG));
    }
}
