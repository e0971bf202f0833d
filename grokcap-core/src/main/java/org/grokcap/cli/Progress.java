package org.grokcap.cli;

import org.grokcap.train.Trainer;

import java.io.PrintStream;
import java.util.Map;

/**
 * The live progress display: on a terminal one line redrawn in place (bar, step, losses, accuracies,
 * rate, time left); otherwise a plain line every 10 seconds, which suits logs.
 */
final class Progress implements Trainer.Listener {
    private static final long PLAIN_EVERY_NANOS = 10_000_000_000L;
    private final PrintStream err;
    private final boolean quiet;
    private final boolean terminal = System.console() != null;
    private final long start = System.nanoTime();
    private long lastDraw;
    private String lastLine = "";

    Progress(PrintStream err, boolean quiet) {
        this.err = err;
        this.quiet = quiet;
    }

    @Override
    public void onMetrics(Map<String, Double> row, int totalSteps) {
        if (quiet) {
            return;
        }
        long now = System.nanoTime();
        int step = row.get("step").intValue();
        boolean last = step == totalSteps - 1;
        long every = terminal ? 100_000_000L : PLAIN_EVERY_NANOS;
        if (now - lastDraw < every && !last && step != 0) {
            return;
        }
        lastDraw = now;
        double elapsed = (now - start) / 1e9;
        double rate = (step + 1) / Math.max(elapsed, 1e-9);
        double left = (totalSteps - step - 1) / Math.max(rate, 1e-9);
        StringBuilder sb = new StringBuilder();
        if (terminal) {
            int width = 24;
            int filled = (int) Math.round(width * (step + 1.0) / totalSteps);
            sb.append('[').append("#".repeat(filled)).append(" ".repeat(width - filled)).append("] ");
        }
        sb.append(String.format("step %d/%d", step + 1, totalSteps));
        for (Map.Entry<String, Double> e : row.entrySet()) {
            String k = e.getKey();
            if (k.endsWith("_loss")) {
                sb.append(String.format("  %s %.3g", k, e.getValue()));
            } else if (k.endsWith("_accuracy")) {
                sb.append(String.format("  %s %.1f%%", k.replace("_accuracy", "_acc"), 100 * e.getValue()));
            }
        }
        sb.append(String.format("  %.1f steps/s  %s left", rate, clock(left)));
        String line = sb.toString();
        if (terminal) {
            String pad = line.length() < lastLine.length() ? " ".repeat(lastLine.length() - line.length()) : "";
            err.print("\r" + line + pad);
        } else {
            err.println(line);
        }
        err.flush();
        lastLine = line;
    }

    void finish() {
        if (terminal && !quiet && !lastLine.isEmpty()) {
            err.println();
        }
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60)
                : String.format("%dm%02ds", s / 60, s % 60);
    }
}
