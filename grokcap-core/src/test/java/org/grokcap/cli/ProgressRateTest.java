package org.grokcap.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The progress line's rate counts the steps of this session only, so a resumed run shows its real rate. */
class ProgressRateTest {

    private static String lastLine(boolean resumed) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong(0);
        Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, now::get);
        int first = resumed ? 5000 : 0;
        p.onMetrics(Map.of("step", (double) first, "train_loss", 1.0), 10_000);
        now.set(10_000_000_000L); // 10 s later, 1,000 more steps
        p.onMetrics(Map.of("step", (double) first + 1000, "train_loss", 1.0), 10_000);
        String[] lines = bytes.toString(StandardCharsets.UTF_8).strip().split("\n");
        return lines[lines.length - 1];
    }

    @Test
    void theRateIsThatOfThisSession() {
        String fresh = lastLine(false);
        assertTrue(fresh.contains("100.1 steps/s"), fresh); // steps 0..1000 done in 10 s
        String resumed = lastLine(true);
        assertTrue(resumed.contains("100.1 steps/s"), resumed); // as the new run: not 6,001 steps in 10 s (600.1)
        assertTrue(resumed.contains("step 6001/10000"), resumed);
    }
}
