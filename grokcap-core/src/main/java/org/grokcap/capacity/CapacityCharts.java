package org.grokcap.capacity;

import org.grokcap.io.Charts;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The capacity sweep's two plots: capacity against parameters (log–log) and capacity per parameter against parameters. */
public final class CapacityCharts {
    private CapacityCharts() {}

    /** One trained model: its real parameter count, its capacity in bits, and whether it converged. */
    public record Point(String run, long parameters, double capacityBits, boolean converged) {}

    /** The ceiling line drawn for facts: bits per parameter (Allen-Zhu & Li's ~2). */
    public static final double BITS_PER_PARAMETER_LINE = 2.0;
    /** The line drawn for random tokens: Morris et al.'s 3.83 bits per parameter (GPT-2-style models, fp32). */
    public static final double RANDOM_TOKENS_LINE = 3.83;

    /** The base names of the two charts {@link #write} draws. */
    public static final String CAPACITY = "capacity";
    public static final String BITS_PER_PARAMETER = "bits-per-parameter";

    /**
     * Writes capacity&lt;suffix&gt;.png/.svg (log–log, with the referenceLine-bits-per-parameter line and,
     * unless datasetBits is NaN, the dataset-entropy line) and bits-per-parameter&lt;suffix&gt;.png/.svg into
     * dir. Converged and unconverged models are separate series. The suffix tells apart the charts of
     * one sweep measured several ways (a profiles sweep's "-scheme-selection"; "" for none).
     */
    public static void write(Path dir, String suffix, String title, List<Point> points, double datasetBits,
                             double referenceLine) throws IOException {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no models to plot");
        }
        List<Point> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparingLong(Point::parameters));
        double pMin = sorted.get(0).parameters() / 1.5;
        double pMax = sorted.get(sorted.size() - 1).parameters() * 1.5;

        XYChart cap = new XYChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT).title(title)
                .xAxisTitle("parameters").yAxisTitle("capacity (bits)").build();
        cap.getStyler().setXAxisLogarithmic(true);
        cap.getStyler().setYAxisLogarithmic(true);
        line(cap, referenceLine + " bits / parameter", new double[] {pMin, pMax},
                new double[] {referenceLine * pMin, referenceLine * pMax});
        if (!Double.isNaN(datasetBits)) {
            line(cap, String.format("dataset entropy (%.0f bits)", datasetBits), new double[] {pMin, pMax},
                    new double[] {datasetBits, datasetBits});
        }
        models(cap, sorted, p -> Math.max(p.capacityBits(), 1.0));
        Charts.writeChart(dir, CAPACITY + suffix, cap);

        XYChart per = new XYChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT).title(title + " (per parameter)")
                .xAxisTitle("parameters").yAxisTitle("capacity / parameter (bits)").build();
        per.getStyler().setXAxisLogarithmic(true);
        per.getStyler().setYAxisMin(0.0);
        line(per, referenceLine + " bits / parameter", new double[] {pMin, pMax},
                new double[] {referenceLine, referenceLine});
        if (!Double.isNaN(datasetBits)) {
            double[] ex = logSpace(pMin, pMax, 40);
            double[] ey = new double[ex.length];
            for (int i = 0; i < ex.length; i++) {
                ey[i] = datasetBits / ex[i];
            }
            line(per, "dataset entropy / parameters", ex, ey);
        }
        per.getStyler().setYAxisMax(Math.max(referenceLine * 1.5,
                sorted.stream().mapToDouble(p -> p.capacityBits() / p.parameters()).max().orElse(0) * 1.2));
        models(per, sorted, p -> p.capacityBits() / p.parameters());
        Charts.writeChart(dir, BITS_PER_PARAMETER + suffix, per);
    }

    /**
     * Writes stored-vs-entropy.png/.svg into dir (log–log): per model size of a random-tokens sweep, the
     * bits each run stored against its dataset's entropy as N grows, and the line stored = entropy that
     * no run can cross. A model's curve follows the line while it holds all of its data and flattens at
     * its capacity.
     */
    public static void writeStoredVsEntropy(Path dir, String title, List<RunCapacity.Plateau> models)
            throws IOException {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("no models to plot");
        }
        XYChart chart = new XYChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT).title(title)
                .xAxisTitle("dataset entropy (bits)").yAxisTitle("stored bits").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (RunCapacity.Plateau m : models) {
            double[] xs = m.runs().stream().mapToDouble(r -> (double) r.get("datasetBits")).toArray();
            double[] ys = m.runs().stream().mapToDouble(r -> Math.max((double) r.get("storedBits"), 1.0)).toArray();
            for (double x : xs) {
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
            XYSeries s = chart.addSeries(String.format("%,d parameters", m.parameters()), xs, ys);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        line(chart, "stored = entropy", new double[] {lo, hi}, new double[] {lo, hi});
        Charts.writeChart(dir, "stored-vs-entropy", chart);
    }

    private static void line(XYChart chart, String name, double[] x, double[] y) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineStyle(SeriesLines.DASH_DASH);
    }

    private static void models(XYChart chart, List<Point> sorted, java.util.function.ToDoubleFunction<Point> y) {
        for (boolean converged : new boolean[] {true, false}) {
            List<Point> ps = sorted.stream().filter(p -> p.converged() == converged).toList();
            if (ps.isEmpty()) {
                continue;
            }
            double[] xs = ps.stream().mapToDouble(Point::parameters).toArray();
            double[] ys = ps.stream().mapToDouble(y).toArray();
            XYSeries s = chart.addSeries(converged ? "models (converged)" : "models (not converged)", xs, ys);
            s.setMarker(converged ? SeriesMarkers.CIRCLE : SeriesMarkers.DIAMOND);
            s.setLineStyle(SeriesLines.NONE); // points only: a line would join converged models of any size
        }
    }

    private static double[] logSpace(double lo, double hi, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * i / (n - 1));
        }
        return x;
    }
}
