package org.grokcap.analysis;

import org.grokcap.io.MetricsRow;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * The three phases of grokking (Nanda et al. 2023) read off a run's metrics by one fixed rule, so that
 * every run is cut the same way:
 * <ul>
 *   <li>memorization: from step 0 to the step where the test loss peaks (the training set is fitted
 *       while the test loss climbs);</li>
 *   <li>circuit formation: from there to the first step where the test accuracy reaches 50% (the
 *       generalizing circuit grows while test performance still looks poor);</li>
 *   <li>cleanup: from there to the first step where the test loss is within a factor 2 of its last
 *       value (the memorizing components are removed and the test loss falls to its floor).</li>
 * </ul>
 * A boundary a run never reached is null.
 *
 * @param memorizationEnd step where the test loss peaks
 * @param cleanupStart    first later step with test accuracy ≥ 0.5
 * @param cleanupEnd      first step from cleanupStart on with test loss ≤ 2 × the last test loss
 * @param rule            the rule above, in words, for the JSON reader
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Phases(Integer memorizationEnd, Integer cleanupStart, Integer cleanupEnd, String rule) {
    public static final String RULE = "memorization: step 0 to the peak of the test loss; circuit formation: to the"
            + " first step with test accuracy >= 0.5; cleanup: to the first step with test loss <= 2 x its last value";

    private static final String TEST = "test";

    /** The phases of metrics rows with the step and the test split's loss and accuracy (in step order). */
    public static Phases of(List<Map<String, Double>> flatRows) {
        List<MetricsRow> rows = MetricsRow.of(flatRows);
        Integer peak = null;
        double peakLoss = Double.NEGATIVE_INFINITY;
        for (MetricsRow r : rows) {
            Double loss = r.loss(TEST);
            if (loss != null && Double.isFinite(loss) && loss > peakLoss) {
                peakLoss = loss;
                peak = r.step();
            }
        }
        Integer cleanup = null;
        if (peak != null) {
            for (MetricsRow r : rows) {
                Double acc = r.accuracy(TEST);
                if (r.step() > peak && acc != null && acc >= 0.5) {
                    cleanup = r.step();
                    break;
                }
            }
        }
        Integer end = null;
        if (cleanup != null) {
            double last = rows.get(rows.size() - 1).loss(TEST);
            for (MetricsRow r : rows) {
                Double loss = r.loss(TEST);
                if (r.step() >= cleanup && loss != null && loss <= 2 * last) {
                    end = r.step();
                    break;
                }
            }
        }
        return new Phases(peak, cleanup, end, RULE);
    }

    /** The boundaries that exist, with a label each, in step order. */
    public Map<String, Integer> boundaries() {
        Map<String, Integer> m = new java.util.LinkedHashMap<>();
        if (memorizationEnd != null) {
            m.put("memorization → circuit formation", memorizationEnd);
        }
        if (cleanupStart != null) {
            m.put("circuit formation → cleanup", cleanupStart);
        }
        if (cleanupEnd != null) {
            m.put("cleanup ends", cleanupEnd);
        }
        return m;
    }
}
