package org.grokcap.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One evaluation's metrics, typed: the step and each split's loss and accuracy (and the training
 * split's collapse fraction), splits in the data's order. metrics.jsonl keeps its flat rows
 * ({@code {"step":…, "<split>_loss":…, "<split>_accuracy":…, "<split>_collapse":…}});
 * this record is the one place that spells those keys, so readers ask for a split's accuracy instead of
 * parsing key suffixes, and {@link #toMap} gives back the file's row key for key, in the file's order.
 */
public record MetricsRow(int step, Map<String, SplitMetrics> splits) {
    public static final String STEP = "step";
    public static final String LOSS = "_loss";
    public static final String ACCURACY = "_accuracy";
    public static final String COLLAPSE = "_collapse";

    /**
     * A split's loss, accuracy and softmax-collapse fraction (see {@link #collapseKey}); each is null
     * when the row has no such key.
     */
    public record SplitMetrics(Double loss, Double accuracy, Double collapse) {
        /** Loss and accuracy, no collapse fraction. */
        public SplitMetrics(Double loss, Double accuracy) {
            this(loss, accuracy, null);
        }
    }

    public MetricsRow {
        splits = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(splits));
    }

    /** The key of a split's loss in a flat row, {@code <split>_loss}. */
    public static String lossKey(String split) {
        return split + LOSS;
    }

    /** The key of a split's accuracy in a flat row, {@code <split>_accuracy}. */
    public static String accuracyKey(String split) {
        return split + ACCURACY;
    }

    /**
     * The key of a split's softmax-collapse fraction in a flat row, {@code <split>_collapse}: the
     * fraction of its target positions whose single-precision loss term is exactly 0. Trainer logs
     * it for the training split only.
     */
    public static String collapseKey(String split) {
        return split + COLLAPSE;
    }

    /** The typed form of a flat row (as Trainer makes it and metrics.jsonl holds it); other keys are left out. */
    public static MetricsRow of(Map<String, Double> row) {
        Double step = row.get(STEP);
        Map<String, Double[]> found = new LinkedHashMap<>();
        String[] suffixes = {LOSS, ACCURACY, COLLAPSE};
        for (Map.Entry<String, Double> e : row.entrySet()) {
            String key = e.getKey();
            for (int i = 0; i < suffixes.length; i++) {
                if (key.endsWith(suffixes[i])) {
                    String split = key.substring(0, key.length() - suffixes[i].length());
                    found.computeIfAbsent(split, k -> new Double[suffixes.length])[i] = e.getValue();
                }
            }
        }
        Map<String, SplitMetrics> splits = new LinkedHashMap<>();
        found.forEach((split, lac) -> splits.put(split, new SplitMetrics(lac[0], lac[1], lac[2])));
        return new MetricsRow(step == null ? -1 : step.intValue(), splits);
    }

    /** The typed rows of flat rows. */
    public static List<MetricsRow> of(List<Map<String, Double>> rows) {
        List<MetricsRow> out = new ArrayList<>(rows.size());
        rows.forEach(r -> out.add(of(r)));
        return out;
    }

    /** The flat row, as metrics.jsonl holds it: step, then each split's loss, accuracy and collapse fraction. */
    public Map<String, Double> toMap() {
        Map<String, Double> row = new LinkedHashMap<>();
        row.put(STEP, (double) step);
        splits.forEach((split, m) -> {
            if (m.loss() != null) {
                row.put(lossKey(split), m.loss());
            }
            if (m.accuracy() != null) {
                row.put(accuracyKey(split), m.accuracy());
            }
            if (m.collapse() != null) {
                row.put(collapseKey(split), m.collapse());
            }
        });
        return row;
    }

    /** The splits' names, in the data's order. */
    public List<String> splitNames() {
        return new ArrayList<>(splits.keySet());
    }

    /** A split's accuracy, or null when the row has none. */
    public Double accuracy(String split) {
        SplitMetrics m = splits.get(split);
        return m == null ? null : m.accuracy();
    }

    /** A split's softmax-collapse fraction, or null when the row has none (every split but the training split). */
    public Double collapse(String split) {
        SplitMetrics m = splits.get(split);
        return m == null ? null : m.collapse();
    }

    /** A split's loss, or null when the row has none. */
    public Double loss(String split) {
        SplitMetrics m = splits.get(split);
        return m == null ? null : m.loss();
    }
}
