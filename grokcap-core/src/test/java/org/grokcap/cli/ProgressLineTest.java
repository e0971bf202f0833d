package org.grokcap.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 16, item 6: the progress line through ./grokcap on a terminal is live and fits the terminal.
 * The terminal is a pseudo-terminal made by util-linux's {@code script}; without it the test is skipped.
 */
class ProgressLineTest {
    private static final int COLUMNS = 50;
    private static final int STEPS = 4000;
    private static final Pattern STEP = Pattern.compile("step (\\d+)/" + STEPS);

    @Test
    void theProgressLineIsRedrawnLiveThroughTheLauncherAndFitsTheTerminal(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("script"), "no 'script' (util-linux) on the PATH to make a pseudo-terminal");
        Path launcher = Path.of("").toAbsolutePath().getParent().resolve("grokcap");
        assumeTrue(Files.isExecutable(launcher), "the launcher " + launcher + " is not there");
        Path config = dir.resolve("tiny.json");
        Files.writeString(config, NoSilentWrongResultsTest.TINY.replace("\"steps\":30", "\"steps\":" + STEPS));
        Path run = dir.resolve("run");
        String command = "stty cols " + COLUMNS + " && exec " + launcher + " train " + config + " --out " + run;
        ProcessBuilder pb = new ProcessBuilder("script", "-qfec", command, "/dev/null").redirectErrorStream(true);
        pb.environment().put("GROKCAP_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().put("GROKCAP_JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();

        // When each redraw arrives: a filter that holds the line until the run ends delivers them all at once.
        List<long[]> arrivals = new ArrayList<>(); // {step, nanoTime}
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try (InputStream in = p.getInputStream()) {
            for (int n; (n = in.read(buf)) > 0; ) {
                long now = System.nanoTime();
                String chunk = new String(buf, 0, n, StandardCharsets.UTF_8);
                all.write(buf, 0, n);
                Matcher m = STEP.matcher(chunk);
                while (m.find()) {
                    arrivals.add(new long[] {Long.parseLong(m.group(1)), now});
                }
            }
        }
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the run ends");
        String output = all.toString(StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);

        assertTrue(arrivals.size() >= 2, "redrawn more than once: " + output);
        long[] first = arrivals.get(0);
        long[] last = arrivals.get(arrivals.size() - 1);
        assertEquals(1, first[0], output);
        assertEquals(STEPS, last[0], output);
        double spread = (last[1] - first[1]) / 1e9;
        assertTrue(spread > 0.2, "the first and last redraw arrived " + spread + " s apart, as the run went: " + output);

        assertFalse(output.contains("WARNING: Using incubator modules"), output);
        for (String line : output.split("[\r\n]")) {
            if (STEP.matcher(line).find()) {
                assertTrue(line.length() < COLUMNS, "'" + line + "' fits " + COLUMNS + " columns");
            }
        }
        assertTrue(output.contains("plots in " + run.resolve("plots") + "; next: grokcap report " + run), output);
        String[] lines = output.strip().split("\r?\n");
        assertTrue(lines[lines.length - 1].startsWith("{\"runDir\":"), "the result is the last line: " + output);
    }

    private static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }
}
