package org.grokcap.report;

import org.grokcap.run.RunOptions;
import org.grokcap.sweep.Shard;
import org.grokcap.sweep.Sweep;
import org.grokcap.sweep.SweepRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 16, item 8: the report's interactive charts render with data in a real browser, offline.
 * Headless Chromium (Debian's chromium, which .ci/run installs) loads index.html from the disk and
 * prints the DOM after the page's scripts ran; without a Chromium the test is skipped.
 */
class ReportInBrowserTest {
    private static final List<String> BROWSERS = List.of("chromium", "chromium-browser", "google-chrome");

    @Test
    void theChartsDrawEveryRunsTrainAndTestCurves(@TempDir Path dir) throws Exception {
        String dom = reportInBrowser(dir, "grid:\n  model.dModel: [8, 16]\n");

        assertEquals("2", attribute(dom, "body", "data-charts-drawn"), "both charts drawn");
        assertTrue(!dom.contains("id=\"chart-comparison\""), "no group of runs has two seeds: no comparison");
        for (String quantity : List.of("loss", "accuracy")) {
            String chart = element(dom, "chart-" + quantity);
            assertEquals("4", attribute(chart, "div", "data-series"), quantity + ": train and test of two runs");
            assertEquals("3", attribute(chart, "div", "data-points"), quantity + ": evaluations at steps 0, 1, 2");
            assertTrue(chart.contains("<canvas"), quantity + " drawn on a canvas: " + chart);
            assertTrue(chart.contains("u-legend"), quantity + " has the legend that shows values and toggles series");
        }
        assertEquals("3", attribute(element(dom, "chart-loss"), "div", "data-y-distr"), "loss on a log axis");
        assertEquals("1", attribute(element(dom, "chart-accuracy"), "div", "data-y-distr"), "accuracy on a linear axis");
    }

    @Test
    void theComparisonDrawsAMedianAndABandPerMethodOnALogAxis(@TempDir Path dir) throws Exception {
        String chart = element(reportInBrowser(dir, "variants: {a: {}, b: {model.dModel: 8}}\ngrid:\n  train.seed: [0, 1]\n"),
                "chart-comparison");
        assertEquals("6", attribute(chart, "div", "data-series"), "max, min and median of two methods");
        assertEquals("2", attribute(chart, "div", "data-bands"), "a band per method");
        assertEquals("3", attribute(chart, "div", "data-x-distr"), "the epoch on a log axis");
        assertTrue(chart.contains("<canvas"), "drawn on a canvas: " + chart);
    }

    /**
     * Runs a sweep of a tiny base with these fields (YAML) into dir/runs, writes its report into dir/site
     * and returns the page's DOM after its scripts ran in headless Chromium; skips the test without one.
     */
    private static String reportInBrowser(Path dir, String sweepFields) throws Exception {
        String browser = BROWSERS.stream().filter(ReportInBrowserTest::onPath).findFirst().orElse(null);
        assumeTrue(browser != null, "no Chromium on the PATH (tried " + BROWSERS + ")");
        Files.writeString(dir.resolve("base.json"), """
                {"name":"tiny","task":{"type":"modular","p":7,"trainFraction":0.5},
                 "model":{"dModel":16,"heads":2,"dMlp":32},"train":{"steps":3}}""");
        Files.writeString(dir.resolve("s.yaml"), "base: base.json\n" + sweepFields);
        SweepRunner.run(Sweep.load(dir.resolve("s.yaml")), Shard.ALL, dir.resolve("runs"),
                new RunOptions(null, null, 1, null), null, new PrintStream(OutputStream.nullOutputStream()));
        Path site = dir.resolve("site");
        Report.write(List.of(dir.resolve("runs")), site);
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        Process p = new ProcessBuilder(browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--dump-dom",
                site.resolve("index.html").toUri().toString())
                .redirectError(dir.resolve("chromium.log").toFile()).start();
        String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "chromium ends");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("chromium.log")));
        return dom;
    }

    /** The value of an attribute on the first tag of this name in html. */
    private static String attribute(String html, String tag, String name) {
        Matcher m = Pattern.compile("<" + tag + "\\b[^>]*\\b" + name + "=\"([^\"]*)\"").matcher(html);
        assertTrue(m.find(), "<" + tag + " " + name + "=...> in " + html.substring(0, Math.min(html.length(), 2000)));
        return m.group(1);
    }

    /** The element with this id, up to the next chart (the charts are siblings). */
    private static String element(String dom, String id) {
        int start = dom.indexOf("<div class=\"chart\" id=\"" + id + "\"");
        assertTrue(start >= 0, id + " in the page");
        int next = dom.indexOf("<div class=\"chart\"", start + 1);
        return dom.substring(start, next < 0 ? dom.length() : next);
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
