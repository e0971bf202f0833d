package org.grokcap.config;

import org.grokcap.Grokcap;
import org.grokcap.io.JsonLines;
import org.grokcap.run.ConfigLoader;
import org.grokcap.run.RunOptions;
import org.grokcap.run.RunResult;
import org.grokcap.train.ExperimentSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train.stopWhen: the rule over metrics rows, its validation, and a run that ends early. */
class StopRuleTest {

    private static List<Map<String, Double>> rows(double... accuracyPerStep) {
        List<Map<String, Double>> rows = new ArrayList<>();
        for (int s = 0; s < accuracyPerStep.length; s++) {
            rows.add(Map.of("step", (double) s * 10, "test_accuracy", accuracyPerStep[s]));
        }
        return rows;
    }

    @Test
    void stopsOnceTheLevelHasHeldLongEnough() {
        StopRule held20 = new StopRule("test_accuracy", 0.99, null, 20, null);
        // steps 0..50 in tens; 0.99 first reached at step 20, broken at 30, reached again at 40
        assertFalse(held20.stopsAfter(rows(0.1, 0.5, 0.99, 0.98, 0.99, 1.0), "step"), "held since 40, only 10 steps");
        assertTrue(held20.stopsAfter(rows(0.1, 0.5, 0.99, 0.98, 0.99, 1.0, 0.995), "step"), "held since 40 for 20 steps");
        StopRule factor5 = new StopRule("test_accuracy", 0.99, null, null, 5.0);
        assertFalse(factor5.stopsAfter(rows(0.5, 0.99, 0.99, 0.99, 0.99), "step"), "reached at 10, now 40 < 50");
        assertTrue(factor5.stopsAfter(rows(0.5, 0.99, 0.99, 0.99, 0.99, 0.99), "step"), "reached at 10, now 50");
        assertFalse(factor5.stopsAfter(rows(0.5, 0.99, 0.99, 0.99, 0.99, 0.2), "step"), "not at the level now");
        StopRule loss = new StopRule("train_loss", null, 0.01, null, null);
        assertTrue(loss.stopsAfter(List.of(Map.of("step", 0.0, "train_loss", 0.005)), "step"));
        assertFalse(loss.stopsAfter(List.of(Map.of("step", 0.0, "train_loss", Double.NaN)), "step"));
        assertFalse(loss.stopsAfter(List.of(), "step"));
    }

    @Test
    void badRulesNameTheirField() {
        assertEquals("stopWhen.metric", assertThrows(ConfigException.class,
                () -> new StopRule("test_acc", 0.9, null, null, null)).field());
        assertEquals("stopWhen", assertThrows(ConfigException.class,
                () -> new StopRule("test_accuracy", 0.9, 0.1, null, null)).field());
        assertEquals("stopWhen", assertThrows(ConfigException.class,
                () -> new StopRule("test_accuracy", null, null, null, null)).field());
        assertEquals("stopWhen.holdFactor", assertThrows(ConfigException.class,
                () -> new StopRule("test_accuracy", 0.9, null, null, -1.0)).field());
        assertEquals("stopWhen.holdSteps", assertThrows(ConfigException.class,
                () -> new StopRule("test_accuracy", 0.9, null, -3, null)).field());
    }

    @Test
    void aRunEndsEarlyAndIsFinished(@TempDir Path dir) throws Exception {
        ExperimentSpec spec = ConfigLoader.parse("""
                {"task":{"type":"modular","p":7,"trainFraction":0.5},"model":{"dModel":16,"heads":2,"dMlp":32},
                 "train":{"steps":400,"evalEvery":5,"optimizer":{"lr":0.01,"weightDecay":0.1},
                          "stopWhen":{"metric":"train_accuracy","atLeast":1.0,"holdSteps":10}}}""", false, "text");
        RunResult r = Grokcap.train(spec, new RunOptions(dir.resolve("run"), null, 0, null));
        assertTrue(r.steps() < 400, "a 7×7 table is fitted well before 400 full-batch steps; ran " + r.steps());
        List<Map<String, Double>> rows = JsonLines.readMetrics(dir.resolve("run").resolve("metrics.jsonl"));
        Map<String, Double> lastRow = rows.get(rows.size() - 1);
        assertEquals(r.steps() - 1, lastRow.get("step").intValue(), "stops right after its last evaluation");
        assertEquals(1.0, lastRow.get("train_accuracy"));
    }

    @Test
    void aMetricOfNoSplitIsRefusedBeforeTraining(@TempDir Path dir) {
        ExperimentSpec spec = ConfigLoader.parse("""
                {"task":{"type":"modular","p":7},"model":{"dModel":16,"heads":2},
                 "train":{"steps":4,"stopWhen":{"metric":"ood_accuracy","atLeast":0.9}}}""", false, "text");
        ConfigException e = assertThrows(ConfigException.class,
                () -> Grokcap.train(spec, new RunOptions(dir.resolve("run"), null, 0, null)));
        assertTrue(e.getMessage().startsWith("train.stopWhen.metric = \"ood_accuracy\": names no split"), e.getMessage());
    }
}
