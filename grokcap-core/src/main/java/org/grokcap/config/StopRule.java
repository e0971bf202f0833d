package org.grokcap.config;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * Ends a run before its last step once a metric has reached a level and held it, e.g.
 * {@code {metric: "test_accuracy", atLeast: 0.99, holdFactor: 5}}: stop at the first evaluation where
 * test accuracy has stayed ≥ 0.99 since step s₀ and the step is at least 5·s₀. The run then finishes
 * like any other (final weights, run.json with its result), with fewer steps than configured.
 *
 * @param metric     a column of metrics.jsonl, "SPLIT_accuracy" or "SPLIT_loss" (required)
 * @param atLeast    the level to reach from below (give this or atMost)
 * @param atMost     the level to reach from above, for losses (give this or atLeast)
 * @param holdSteps  stop only once the level has held for this many steps since it was reached; default 0
 * @param holdFactor stop only at a step ≥ holdFactor × the step where the level was reached (and held
 *                   since); default 0 (no condition). With both, both must hold.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StopRule(String metric, Double atLeast, Double atMost, Integer holdSteps, Double holdFactor) {
    public StopRule {
        metric = Check.present("stopWhen.metric", metric);
        if (!metric.endsWith("_accuracy") && !metric.endsWith("_loss")) {
            throw new ConfigException("stopWhen.metric", metric, "must be a metrics column SPLIT_accuracy or SPLIT_loss");
        }
        if ((atLeast == null) == (atMost == null)) {
            throw new ConfigException("stopWhen", null, "needs exactly one of atLeast and atMost");
        }
        if (atLeast != null && !Double.isFinite(atLeast)) {
            throw new ConfigException("stopWhen.atLeast", atLeast, "must be finite");
        }
        if (atMost != null && !Double.isFinite(atMost)) {
            throw new ConfigException("stopWhen.atMost", atMost, "must be finite");
        }
        holdSteps = Check.between("stopWhen.holdSteps", holdSteps == null ? 0 : holdSteps, 0, 1_000_000_000);
        holdFactor = Check.finiteAtLeast("stopWhen.holdFactor", holdFactor == null ? 0.0 : holdFactor, 0.0);
    }

    /** Whether a metrics row's value is at the level. A missing or non-finite value never is. */
    public boolean atLevel(Map<String, Double> row) {
        Double v = row.get(metric);
        if (v == null || !Double.isFinite(v)) {
            return false;
        }
        return atLeast != null ? v >= atLeast : v <= atMost;
    }

    /**
     * Whether the run should stop after the last of these metrics rows (in step order): the metric is
     * at its level in the last row, has been since step s₀ (the first row of the unbroken run of rows
     * at the level that ends with the last), and the last row's step satisfies holdSteps and holdFactor.
     */
    public boolean stopsAfter(List<Map<String, Double>> rows, String stepKey) {
        if (rows.isEmpty() || !atLevel(rows.get(rows.size() - 1))) {
            return false;
        }
        int first = rows.size() - 1;
        while (first > 0 && atLevel(rows.get(first - 1))) {
            first--;
        }
        double since = rows.get(first).get(stepKey);
        double now = rows.get(rows.size() - 1).get(stepKey);
        return now - since >= holdSteps && now >= holdFactor * since;
    }
}
