package org.grokcap.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The statistics of the comparison on hand-made runs whose medians and ranges are worked out below. */
class ComparisonTest {
    /** Writes a run directory as a sweep leaves it: run.json, sweep-run.json and metrics.jsonl (test accuracy only). */
    static void run(Path sweep, String id, String variant, String values, int batchSize, boolean finished,
                    long[] steps, double[] accuracy) throws Exception {
        Path dir = Files.createDirectories(sweep.resolve(id));
        Files.writeString(dir.resolve("run.json"), "{\"config\":{\"name\":\"cfg\",\"train\":{\"batchSize\":" + batchSize
                + "}}" + (finished ? ",\"result\":{\"steps\":1}" : "") + "}");
        if (variant != null || values != null) {
            Files.writeString(dir.resolve("sweep-run.json"), "{" + (variant == null ? "" : "\"variant\":\"" + variant + "\",")
                    + "\"values\":" + (values == null ? "{}" : values) + "}");
        }
        StringBuilder metrics = new StringBuilder();
        for (int i = 0; i < steps.length; i++) {
            metrics.append("{\"step\":").append(steps[i]).append(",\"train_accuracy\":1.0,\"test_accuracy\":")
                    .append(accuracy[i]).append("}\n");
        }
        Files.writeString(dir.resolve("metrics.jsonl"), metrics.toString());
    }

    static final long[] FAST_STEPS = {0, 10, 20, 30, 40, 50, 100, 200, 250};

    /**
     * fast (3 seeds): to 50 % at 20, 10, 30; to 90 % at 30, 20, 40; to 99 % at 40, 30, 50 (median 40, so
     * the late look is at 200: 0.5, 1.0, 0.98); final 0.4, 1.0, 0.97 (seed 0 groks, then collapses).
     * slow (2 seeds, one unfinished): to 50 % at 100, 200; to 90 % at 200, 400; to 99 % at 300 and never,
     * so the median is "not reached"; final 0.99, 0.95.
     * short (2 seeds): to 99 % at 10, 20 (median 15), runs end at 20 < 75: beyond the run.
     * mixed (2 seeds): to 99 % at 10, 20 (median 15); only seed 0 logs past 75, and its value there is
     * the one at 20 (1.0), not the later 0.7.
     */
    static void sweep(Path dir) throws Exception {
        run(dir, "fast_seed-0", "fast", "{\"train.seed\":0}", 0, true, FAST_STEPS,
                new double[]{0, .3, .6, .95, 1, 1, 1, .5, .4});
        run(dir, "fast_seed-1", "fast", "{\"train.seed\":1}", 0, true, FAST_STEPS,
                new double[]{0, .55, .92, .995, 1, 1, 1, 1, 1});
        run(dir, "fast_seed-2", "fast", "{\"train.seed\":2}", 0, true, FAST_STEPS,
                new double[]{0, .2, .4, .7, .91, .99, 1, .98, .97});
        run(dir, "slow_seed-0", "slow", "{\"train.seed\":0}", 0, true, new long[]{0, 100, 200, 300, 400},
                new double[]{0, .5, .9, .99, .99});
        // a resumed run logs step 300 twice: the later row counts
        run(dir, "slow_seed-1", "slow", "{\"train.seed\":1}", 0, false, new long[]{0, 100, 200, 300, 300, 400},
                new double[]{0, .1, .6, .995, .8, .95});
        run(dir, "short_seed-0", "short", "{\"train.seed\":0}", 0, true, new long[]{0, 10, 20}, new double[]{0, .995, 1});
        run(dir, "short_seed-1", "short", "{\"train.seed\":1}", 0, true, new long[]{0, 10, 20}, new double[]{0, .5, .999});
        run(dir, "mixed_seed-0", "mixed", "{\"train.seed\":0}", 0, true, new long[]{0, 10, 20, 100},
                new double[]{0, .99, 1, .7});
        run(dir, "mixed_seed-1", "mixed", "{\"train.seed\":1}", 0, true, new long[]{0, 10, 20}, new double[]{0, .2, .99});
        Files.createDirectories(dir.resolve("empty"));
        Files.writeString(dir.resolve("empty/run.json"), "{\"config\":{\"name\":\"cfg\"}}"); // started, nothing logged
    }

    private static Comparison.Method method(Comparison c, String name) {
        return c.methods().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void mediansRangesNotReachedSeedsAndTheLateLook(@TempDir Path dir) throws Exception {
        sweep(dir);
        Comparison c = Comparison.of(Report.find(List.of(dir), dir.resolve("report")));
        assertEquals("epoch", c.unit());
        assertEquals(List.of("fast", "mixed", "short", "slow"), c.methods().stream().map(Comparison.Method::name).sorted().toList(),
                "the run without metrics is left out");

        Comparison.Method fast = method(c, "fast");
        assertEquals(new Comparison.Reach(0.5, 3, 3, 20.0, 10.0, 30.0), fast.reach().get(0));
        assertEquals(new Comparison.Reach(0.9, 3, 3, 30.0, 20.0, 40.0), fast.reach().get(1));
        assertEquals(new Comparison.Reach(0.99, 3, 3, 40.0, 30.0, 50.0), fast.reach().get(2));
        assertEquals(new Comparison.Spread(0.97, 0.4, 1.0, 3), fast.finalAccuracy());
        assertEquals(new Comparison.Late(200.0, 3, 3, new Comparison.Spread(0.98, 0.5, 1.0, 3)), fast.late());
        assertEquals(3, fast.finished());

        Comparison.Method slow = method(c, "slow");
        assertEquals(new Comparison.Reach(0.5, 2, 2, 150.0, 100.0, 200.0), slow.reach().get(0));
        assertEquals(new Comparison.Reach(0.9, 2, 2, 300.0, 200.0, 400.0), slow.reach().get(1));
        assertEquals(new Comparison.Reach(0.99, 1, 2, null, 300.0, null), slow.reach().get(2),
                "one seed of two never reached 99 %: the median is not reached");
        assertEquals(0.97, slow.finalAccuracy().median(), 1e-12);
        assertEquals(new Comparison.Late(null, 0, 2, new Comparison.Spread(null, null, null, 0)), slow.late());
        assertEquals(1, slow.finished());

        Comparison.Method shortRuns = method(c, "short");
        assertEquals(15.0, shortRuns.reach().get(2).median());
        assertEquals(new Comparison.Late(75.0, 0, 2, new Comparison.Spread(null, null, null, 0)), shortRuns.late());
        Comparison.Method mixed = method(c, "mixed");
        assertEquals(new Comparison.Late(75.0, 1, 2, new Comparison.Spread(1.0, 1.0, 1.0, 1)), mixed.late());
        assertEquals(new Comparison.Spread(60.0, 20.0, 100.0, 2), mixed.lastEpoch());

        Comparison.Band band = c.bands().get(c.methods().indexOf(fast));
        assertArrayEquals(new double[]{0, 10, 20, 30, 40, 50, 100, 200, 250}, band.epoch());
        assertEquals(0.95, band.median()[3]);
        assertEquals(0.7, band.min()[3]);
        assertEquals(0.995, band.max()[3]);
        Comparison.Band mixedBand = c.bands().get(c.methods().indexOf(mixed));
        assertArrayEquals(new double[]{0, 10, 20}, mixedBand.epoch(), "the epochs every run logged");
    }

    @Test
    void theTableAndTheChart(@TempDir Path dir) throws Exception {
        sweep(dir);
        Map<String, Object> out = Comparison.write(dir);
        assertEquals(dir.resolve("comparison.md").toString(), out.get("comparison"));
        String md = Files.readString(dir.resolve("comparison.md"));
        assertTrue(md.startsWith("# " + dir.getFileName() + ": test accuracy by method\n"), "no NAME.sweep.json: the folder's name");
        assertTrue(md.contains("| fast | 3 (3) | 20 (10–30), 3/3 | 30 (20–40), 3/3 | 40 (30–50), 3/3 | 250 (250–250) "
                + "| 0.9700 (0.4000–1.0000) | at 200: 0.9800 (0.5000–1.0000) |\n"), md);
        assertTrue(md.contains("| slow | 2 (1) | 150 (100–200), 2/2 | 300 (200–400), 2/2 | not reached (300–not reached), "
                + "1/2 | 400 (400–400) | 0.9700 (0.9500–0.9900) | no median epoch to 99 % |\n"), md);
        assertTrue(md.contains("| short | 2 (2) | 10 (10–10), 2/2 | 15 (10–20), 2/2 | 15 (10–20), 2/2 | 20 (20–20) "
                + "| 0.9995 (0.9990–1.0000) | at 75: beyond the run |\n"), md);
        assertTrue(md.contains("| mixed | 2 (2) | 15 (10–20), 2/2 | 15 (10–20), 2/2 | 15 (10–20), 2/2 | 60 (20–100) "
                + "| 0.8450 (0.7000–0.9900) | at 75: 1.0000 (1.0000–1.0000), 1/2 seeds ran that long |\n"), md);
        JsonNode json = Json.mapper().readTree(dir.resolve("comparison.json").toFile());
        assertEquals("epoch", json.get("unit").asText());
        JsonNode slow = json.at("/methods/3");
        assertEquals("slow", slow.get("name").asText());
        assertTrue(slow.at("/reach/2/median").isNull());
        assertEquals(1, slow.at("/reach/2/reached").asInt());
        assertEquals(List.of("slow_seed-0", "slow_seed-1"), List.of(slow.at("/runIds/0").asText(), slow.at("/runIds/1").asText()));
        assertTrue(Files.size(dir.resolve("comparison-test-accuracy.png")) > 0);
        assertTrue(Files.size(dir.resolve("comparison-test-accuracy.svg")) > 0);

        XYChart chart = Comparison.of(Report.find(List.of(dir), dir.resolve("report"))).chart();
        assertTrue(chart.getStyler().isXAxisLogarithmic());
        assertEquals(8, chart.getSeriesCollection().size(), "a band and a median line per method");
        // fast: 8 epochs above 0, the band's polygon goes along the max and back along the min
        assertEquals(16, series(chart, "fast min-max").getXData().length);
        assertEquals(8, series(chart, "fast").getXData().length);
        assertEquals(0.995, series(chart, "fast min-max").getYData()[2], "max at epoch 30");
        assertEquals(0.7, series(chart, "fast min-max").getYData()[16 - 1 - 2], "min at epoch 30, on the way back");
    }

    private static org.knowm.xchart.XYSeries series(XYChart chart, String name) {
        return chart.getSeriesCollection().stream().filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void withoutVariantsRunsGroupByTheirValuesButTheSeed(@TempDir Path dir) throws Exception {
        long[] steps = {0, 1, 2};
        run(dir, "a0", null, "{\"train.optimizer.lr\":0.01,\"train.seed\":0}", 32, true, steps, new double[]{0, .5, 1});
        run(dir, "a1", null, "{\"train.optimizer.lr\":0.01,\"train.seed\":1}", 32, true, steps, new double[]{0, .6, 1});
        run(dir, "b0", null, "{\"train.optimizer.lr\":0.1,\"train.seed\":0}", 32, true, steps, new double[]{0, .1, .2});
        run(dir, "lone", null, null, 32, true, steps, new double[]{0, .1, .2});
        Comparison c = Comparison.of(Report.find(List.of(dir), dir.resolve("report")));
        assertEquals(List.of("lr=0.01", "lr=0.1", "cfg"), c.methods().stream().map(Comparison.Method::name).toList(),
                "a run from no sweep goes by its config's name");
        assertEquals(List.of("a0", "a1"), c.methods().get(0).runIds());
        assertEquals("step", c.unit(), "mini-batch runs count steps, not epochs");
        assertNull(c.methods().get(1).reach().get(0).median());
        Files.writeString(dir.resolve("lr.sweep.json"), "{}");
        Comparison.write(dir);
        String md = Files.readString(dir.resolve("comparison.md"));
        assertTrue(md.startsWith("# lr: test accuracy by method\n"), md);
        assertTrue(md.contains("| lr=0.1 | 1 (1) | not reached, 0/1 | not reached, 0/1 | not reached, 0/1 | 2 (2–2) | "
                + "0.2000 (0.2000–0.2000) | no median step to 99 % |"), md);
    }

    /**
     * A split other than test: its own column is read (test_accuracy, here at 1.0 from step 1 on, would
     * give other steps), and its files are named after it, beside the test split's.
     */
    @Test
    void anotherSplitIsComparedByItsOwnColumn(@TempDir Path dir) throws Exception {
        double[][] inferred = {{0, .5, .95, .995, 1}, {0, .1, .2, .3, .4}};
        for (int r = 0; r < 2; r++) {
            Path run = Files.createDirectories(dir.resolve("phi" + r));
            Files.writeString(run.resolve("run.json"), "{\"config\":{\"name\":\"cfg\",\"train\":{\"batchSize\":512}},"
                    + "\"result\":{\"steps\":5}}");
            Files.writeString(run.resolve("sweep-run.json"), "{\"values\":{\"task.phi\":" + (r == 0 ? "18.0" : "5.4") + "}}");
            StringBuilder metrics = new StringBuilder();
            for (int step = 0; step < 5; step++) {
                metrics.append("{\"step\":").append(step * 100).append(",\"test_accuracy\":").append(step == 0 ? 0 : 1.0)
                        .append(",\"test_inferred_id_accuracy\":").append(inferred[r][step]).append("}\n");
            }
            Files.writeString(run.resolve("metrics.jsonl"), metrics.toString());
        }
        Map<String, Object> out = Comparison.write(dir, "test_inferred_id");
        assertEquals(dir.resolve("comparison-test_inferred_id.md").toString(), out.get("comparison"));
        assertEquals(dir.resolve("comparison-test_inferred_id-accuracy.png").toString(), out.get("chart"));
        assertTrue(Files.size(dir.resolve("comparison-test_inferred_id-accuracy.png")) > 0);
        JsonNode json = Json.mapper().readTree(dir.resolve("comparison-test_inferred_id.json").toFile());
        assertEquals("test_inferred_id", json.get("split").asText());
        assertEquals("phi=18.0", json.at("/methods/0/name").asText());
        assertEquals(200.0, json.at("/methods/0/reach/1/median").asDouble(), "to 90 % at step 200");
        assertEquals(300.0, json.at("/methods/0/reach/2/median").asDouble(), "to 99 % at step 300");
        assertTrue(json.at("/methods/1/reach/0/median").isNull(), "phi 5.4 never reached 50 %");
        assertEquals(0.4, json.at("/methods/1/finalAccuracy/median").asDouble());
        String md = Files.readString(dir.resolve("comparison-test_inferred_id.md"));
        assertTrue(md.startsWith("# " + dir.getFileName() + ": test_inferred_id accuracy by method\n"), md);
        assertTrue(md.contains("| final test_inferred_id accuracy |"), md);
        assertTrue(md.contains("(comparison-test_inferred_id-accuracy.png)"), md);
        assertTrue(!Files.exists(dir.resolve("comparison.md")), "the test split's files are not written");

        Comparison.write(dir);
        JsonNode test = Json.mapper().readTree(dir.resolve("comparison.json").toFile());
        assertEquals("test", test.get("split").asText());
        assertEquals(100.0, test.at("/methods/0/reach/2/median").asDouble(), "the test column: 99 % at step 100");
        assertTrue(Files.exists(dir.resolve("comparison-test_inferred_id.md")), "beside the other split's files");
    }
}
