package org.grokcap.io;


import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Deterministic crashes for tests: with {@code -Dgrokcap.crashAt=POINT} (or {@code POINT:N}) the
 * process halts as if killed with SIGKILL (exit status 137, no shutdown hooks, no finally blocks) the
 * first (or N-th) time it reaches POINT, so a test can kill a run at every write boundary. Without the
 * property every call does nothing. The points:
 * <ul>
 *   <li>{@code KIND}: an atomic write's temporary file is complete, the rename not done: the target
 *       still holds its old content (or is absent) and the temporary file is left behind;</li>
 *   <li>{@code KIND.done}: right after the rename;</li>
 *   <li>{@code metrics}: half of a metrics row is appended and flushed (a torn last line).</li>
 * </ul>
 * KIND is {@code checkpoint}, {@code weights}, {@code plots}, {@code record} (run.json), {@code sweep}
 * (a sweep's list of runs and each run's sweep-run.json), or else the file's name.
 */
public final class CrashPoints {
    public static final String PROPERTY = "grokcap.crashAt";
    /** 128 + SIGKILL: what a shell reports for a process killed with kill -9. */
    public static final int STATUS = 137;

    private static final String POINT;
    private static final int NTH;
    private static final AtomicInteger REACHED = new AtomicInteger();

    static {
        String spec = System.getProperty(PROPERTY);
        int colon = spec == null ? -1 : spec.lastIndexOf(':');
        POINT = colon < 0 ? spec : spec.substring(0, colon);
        NTH = colon < 0 ? 1 : Integer.parseInt(spec.substring(colon + 1));
    }

    private CrashPoints() {}

    /** Halts the process if point is the one named by the property and this is its N-th time. */
    public static void reach(String point) {
        if (POINT != null && POINT.equals(point) && REACHED.incrementAndGet() == NTH) {
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(STATUS);
        }
    }

    /** Whether a crash point is set at all: callers skip work that only prepares one. */
    static boolean armed() {
        return POINT != null;
    }

    /** The KIND of an atomic write's target (see the class comment). */
    // The names are RunDirectory's (org.grokcap.run), spelled here because io sits below the run layer;
    // CrashPointsNamesTest keeps the two in step.
    static String kind(Path target) {
        String name = target.getFileName().toString();
        Path parent = target.getParent();
        String folder = parent == null || parent.getFileName() == null ? "" : parent.getFileName().toString();
        if (folder.equals("checkpoints")) {
            return "checkpoint";
        }
        if (folder.equals("plots")) {
            return "plots";
        }
        if (name.equals("weights.safetensors")) {
            return "weights";
        }
        if (name.equals("run.json")) {
            return "record";
        }
        if (name.equals("sweep-run.json") || name.endsWith(".sweep.json")) {
            return "sweep";
        }
        return name;
    }
}
