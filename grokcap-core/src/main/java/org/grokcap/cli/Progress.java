package org.grokcap.cli;

import org.grokcap.io.MetricsRow;
import org.grokcap.train.Trainer;

import java.io.Console;
import java.io.PrintStream;
import java.util.Map;

/**
 * The live progress display: on a terminal one line redrawn in place (bar, step, losses, accuracies,
 * rate, time left), never wider than the terminal (a wider line would wrap, and {@code \r} would then
 * redraw only its last part); otherwise a plain line every 10 seconds, which suits logs.
 *
 * <p>Whether stderr is a terminal, and how wide, the JVM cannot see: {@link System#console()} looks at
 * stdin and stdout, and ./grokcap passes stderr through a filter. The launcher, which can, says so in
 * {@value #TERMINAL} and {@value #COLUMNS}.
 */
final class Progress implements Trainer.Listener {
    /** System property: true when stderr is a terminal (set by ./grokcap). */
    static final String TERMINAL = "grokcap.terminal";
    /** System property: the terminal's width in characters (set by ./grokcap); else $COLUMNS, else 80. */
    static final String COLUMNS = "grokcap.columns";
    private static final long PLAIN_EVERY_NANOS = 10_000_000_000L;
    private static final int BAR = 24;
    private final PrintStream err;
    private final boolean quiet;
    private final boolean terminal = isTerminal();
    private final int columns = columns();
    private final java.util.function.LongSupplier clock;
    private final long start;
    /** The step of the first row this display saw: 0 for a new run, later for a resumed one. */
    private int firstStep = -1;
    private long lastDraw;
    private String lastLine = "";

    Progress(PrintStream err, boolean quiet) {
        this(err, quiet, System::nanoTime);
    }

    /** With a clock in nanoseconds (tests). */
    Progress(PrintStream err, boolean quiet, java.util.function.LongSupplier clock) {
        this.err = err;
        this.quiet = quiet;
        this.clock = clock;
        this.start = clock.getAsLong();
    }

    @Override
    public void onMetrics(Map<String, Double> row, int totalSteps) {
        if (quiet) {
            return;
        }
        long now = clock.getAsLong();
        MetricsRow typed = MetricsRow.of(row);
        int step = typed.step();
        if (firstStep < 0) {
            firstStep = step;
        }
        boolean last = step == totalSteps - 1;
        long every = terminal ? 100_000_000L : PLAIN_EVERY_NANOS;
        if (now - lastDraw < every && !last && step != 0) {
            return;
        }
        lastDraw = now;
        double elapsed = (now - start) / 1e9;
        // steps done in this session: a resumed run did its first firstStep steps before this display started
        double rate = (step + 1 - firstStep) / Math.max(elapsed, 1e-9);
        double left = (totalSteps - step - 1) / Math.max(rate, 1e-9);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("step %d/%d", step + 1, totalSteps));
        typed.splits().forEach((split, m) -> {
            if (m.loss() != null) {
                sb.append(String.format("  %s %.3g", MetricsRow.lossKey(split), m.loss()));
            }
            if (m.accuracy() != null) {
                sb.append(String.format("  %s_acc %.1f%%", split, 100 * m.accuracy()));
            }
        });
        sb.append(String.format("  %.1f steps/s  %s left", rate, clock(left)));
        String line = sb.toString();
        if (terminal) {
            line = fit(line, (step + 1.0) / totalSteps, columns);
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

    /**
     * The terminal's line: the bar in front when it fits, the text cut to one character less than the
     * width (a line that fills the last column makes some terminals wrap at once).
     */
    static String fit(String text, double done, int columns) {
        int room = Math.max(columns - 1, 1);
        if (text.length() + BAR + 3 <= room) {
            int filled = (int) Math.round(BAR * done);
            return "[" + "#".repeat(filled) + " ".repeat(BAR - filled) + "] " + text;
        }
        return text.length() <= room ? text : text.substring(0, room);
    }

    private static boolean isTerminal() {
        if (System.getProperty(TERMINAL) != null) {
            return Boolean.getBoolean(TERMINAL);
        }
        Console console = System.console();
        return console != null && console.isTerminal();
    }

    private static int columns() {
        for (String value : new String[] {System.getProperty(COLUMNS), System.getenv("COLUMNS")}) {
            try {
                if (value != null && Integer.parseInt(value.strip()) > 0) {
                    return Integer.parseInt(value.strip());
                }
            } catch (NumberFormatException e) {
                // not a width: try the next source
            }
        }
        return 80;
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60)
                : String.format("%dm%02ds", s / 60, s % 60);
    }
}
