package org.grokcap.capacity;

import org.grokcap.io.MetricsRow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whether a run's loss has stopped falling (docs/science.md §3: capacity is only meaningful at convergence):
 * the least-squares slope of the loss against the step over the last {@code window} evaluations, per
 * 1,000 steps, must be at most {@code threshold} in absolute value.
 *
 * @param converged      the verdict
 * @param slopePer1000   fitted change of the loss per 1,000 steps over the window (NaN when too few rows)
 * @param window         evaluations used
 * @param threshold      the bound on |slopePer1000|
 * @param key            the metrics column tested, e.g. {@code train_loss}
 * @param reason         one line saying why
 */
public record Convergence(boolean converged, double slopePer1000, int window, double threshold, String key,
                          String reason) {

    public static final int DEFAULT_WINDOW = 5;
    /** Loss units (nats) per 1,000 steps. */
    public static final double DEFAULT_THRESHOLD = 0.01;

    /** Tests the rows (in step order; rows without the key are skipped). */
    public static Convergence of(List<Map<String, Double>> rows, String key, int window, double threshold) {
        if (window < 2) {
            throw new IllegalArgumentException("convergence window must be at least 2 evaluations, got " + window);
        }
        if (!(threshold > 0)) {
            throw new IllegalArgumentException("convergence threshold must be > 0, got " + threshold);
        }
        List<double[]> points = new ArrayList<>();
        for (Map<String, Double> row : rows) {
            Double step = row.get(MetricsRow.STEP);
            Double loss = row.get(key);
            if (step != null && loss != null && Double.isFinite(step) && Double.isFinite(loss)) {
                points.add(new double[] {step, loss});
            }
        }
        if (points.size() < window) {
            return new Convergence(false, Double.NaN, window, threshold, key, "only " + points.size()
                    + " evaluations of " + key + "; the test needs the last " + window);
        }
        List<double[]> last = points.subList(points.size() - window, points.size());
        double slope = 1000.0 * slope(last);
        boolean ok = Math.abs(slope) <= threshold;
        String reason = String.format("%s changes by %.4g per 1000 steps over the last %d evaluations (steps %.0f..%.0f); "
                        + "%s %.4g", key, slope, window, last.get(0)[0], last.get(window - 1)[0],
                ok ? "within" : "beyond", threshold);
        return new Convergence(ok, slope, window, threshold, key, reason);
    }

    /** Least-squares slope of y on x. */
    static double slope(List<double[]> points) {
        double mx = 0;
        double my = 0;
        for (double[] p : points) {
            mx += p[0];
            my += p[1];
        }
        mx /= points.size();
        my /= points.size();
        double sxy = 0;
        double sxx = 0;
        for (double[] p : points) {
            sxy += (p[0] - mx) * (p[1] - my);
            sxx += (p[0] - mx) * (p[0] - mx);
        }
        return sxx == 0 ? 0.0 : sxy / sxx;
    }
}
