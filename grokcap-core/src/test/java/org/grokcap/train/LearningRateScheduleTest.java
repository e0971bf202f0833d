package org.grokcap.train;

import org.grokcap.backend.ReferenceDevice;
import org.grokcap.config.ConfigException;
import org.grokcap.config.OptimizerConfig;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.run.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The learning rate's warm-up and decay (train.optimizer.decay), as numbers and in a training run. */
class LearningRateScheduleTest {

    private static OptimizerConfig schedule(String decay, Integer decaySteps, Double minLrFactor) {
        return new OptimizerConfig(0.01, null, null, null, 0.0, null, 4, null, null, null, decay, decaySteps,
                minLrFactor);
    }

    /** Values worked out by hand: lr 0.01, 4 warm-up steps, the floor 0.1·lr at step 14. */
    @Test
    void warmUpThenDecayToTheFloor() {
        OptimizerConfig cos = schedule("cosine", 14, 0.1);
        OptimizerConfig lin = schedule("linear", 14, 0.1);
        for (OptimizerConfig c : List.of(cos, lin)) {
            assertEquals(0.0025, c.lrAt(0), 1e-15, "warm-up 1/4");
            assertEquals(0.01, c.lrAt(3), 1e-15, "warm-up ends at the peak");
            assertEquals(0.01, c.lrAt(4), 1e-15, "the decay starts at the peak");
            assertEquals(0.01 * (0.1 + 0.9 * 0.5), c.lrAt(9), 1e-15, "half way, both shapes at the mean");
            assertEquals(0.001, c.lrAt(14), 1e-15, "the floor at decaySteps");
            assertEquals(0.001, c.lrAt(1_000_000), 1e-15, "and after it");
        }
        // 20 % of the way: cosine 0.5·(1 + cos 0.2π) of the span left, linear 0.8 of it
        assertEquals(0.01 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(0.2 * Math.PI))), cos.lrAt(6), 1e-15);
        assertEquals(0.01 * (0.1 + 0.9 * 0.8), lin.lrAt(6), 1e-15);
        assertEquals(0.0, schedule("cosine", 14, 0.0).lrAt(14), 1e-18, "a floor of 0");
        assertEquals(0.01, schedule("none", null, null).lrAt(1_000_000), 1e-15, "no decay: constant");
    }

    /** Without decaySteps the decay ends with the run, so the run's length is needed. */
    @Test
    void theDecayEndsWithTheRunByDefault() {
        OptimizerConfig runLong = schedule("cosine", null, 0.1);
        OptimizerConfig fixed = schedule("cosine", 30, 0.1);
        for (int s = 0; s < 40; s++) {
            assertEquals(fixed.lrAt(s), runLong.lrAt(s, 30), 0.0, "step " + s);
        }
        assertThrows(IllegalStateException.class, () -> runLong.lrAt(5));
        assertEquals(0.1, runLong.minLrFactor());
        assertEquals("none", OptimizerConfig.defaults().decay());
    }

    @Test
    void badScheduleFieldsAreNamed() {
        ConfigException bad = assertThrows(ConfigException.class, () -> schedule("exponential", null, null));
        assertEquals("decay", bad.field());
        assertTrue(bad.getMessage().contains("cosine"), bad.getMessage());
        assertEquals("decaySteps", assertThrows(ConfigException.class, () -> schedule("cosine", 4, null)).field());
        assertEquals("minLrFactor", assertThrows(ConfigException.class, () -> schedule("linear", null, 1.5)).field());
        assertEquals("minLrFactor", assertThrows(ConfigException.class,
                () -> schedule("linear", null, Double.NaN)).field());
        ConfigException inFile = assertThrows(ConfigException.class, () -> spec(10, "\"decay\":\"step\""));
        assertTrue(inFile.getMessage().startsWith("test: train.optimizer.decay = \"step\": must be one of"),
                inFile.getMessage());
    }

    private static ExperimentSpec spec(int steps, String decay) {
        return ConfigLoader.parse("""
                {"name":"t","task":{"type":"modular","p":11,"trainFraction":0.6},
                 "model":{"dModel":32,"heads":2,"dMlp":64},
                 "train":{"seed":3,"steps":%d,"batchSize":0,
                          "optimizer":{"lr":0.003,"weightDecay":0.1,"warmupSteps":3%s}}}"""
                .formatted(steps, decay.isEmpty() ? "" : "," + decay), false, "test");
    }

    private static List<Map<String, Double>> run(ExperimentSpec spec) {
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        List<Map<String, Double>> rows = new ArrayList<>();
        new Trainer(spec, data, new ReferenceDevice()).run((row, total) -> rows.add(row));
        return rows;
    }

    /**
     * The trainer uses the schedule over its own run length: each row's lr is the schedule's rate of
     * the update after it; a floor of 1 changes nothing, a floor of 0 changes the updates.
     */
    @Test
    void trainingFollowsTheSchedule() {
        int steps = 12;
        List<Map<String, Double>> constant = run(spec(steps, ""));
        List<Map<String, Double>> flat = run(spec(steps, "\"decay\":\"cosine\",\"minLrFactor\":1.0"));
        List<Map<String, Double>> decayed = run(spec(steps, "\"decay\":\"cosine\",\"minLrFactor\":0.0"));
        OptimizerConfig used = spec(steps, "\"decay\":\"cosine\",\"minLrFactor\":0.0").train().optimizer();
        assertEquals(steps, decayed.size());
        assertFalse(constant.get(0).containsKey("lr"), "no lr column without a decay");
        for (int s = 0; s < steps; s++) {
            assertEquals(used.lrAt(s, steps), decayed.get(s).get("lr"), 1e-12, "row " + s);
            assertEquals(constant.get(s).get("train_loss"), flat.get(s).get("train_loss"), "floor 1, row " + s);
        }
        assertEquals(0.003 * 0.5 * (1 + Math.cos(Math.PI * 8 / 9)), decayed.get(steps - 1).get("lr"), 1e-12,
                "the last update, 8 of the 9 decay steps done");
        for (int s = 0; s <= 4; s++) {
            assertEquals(constant.get(s).get("train_loss"), decayed.get(s).get("train_loss"),
                    "warm-up and the first decay step use the peak, row " + s);
        }
        assertNotEquals(constant.get(steps - 1).get("train_loss"), decayed.get(steps - 1).get("train_loss"));
    }
}
