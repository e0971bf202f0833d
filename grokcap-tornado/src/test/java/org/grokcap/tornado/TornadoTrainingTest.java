package org.grokcap.tornado;

import org.grokcap.backend.Device;
import org.grokcap.backend.cpu.CpuBackend;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Whole training runs on the tornado backend against the CPU backend: the same config, seed and
 * data give the same losses at every evaluation, within float tolerance (the two sum in different
 * orders, and OpenCL's exp and fused multiply-adds round differently from Java's).
 */
class TornadoTrainingTest {
    private static final int STEPS = 50;
    /** Relative tolerance on a loss after up to 50 AdamW steps. */
    private static final double LOSS_TOL = 2e-3;

    @BeforeAll
    static void needTornado() {
        TornadoBackend backend = new TornadoBackend();
        assumeTrue(backend.availability().available(), "TornadoVM is not present: " + backend.availability().reason());
        assertEquals("False", System.getProperty("tornado.recover.bailout"),
                "the tests must run with -Dtornado.recover.bailout=False so a Java fallback fails loudly");
    }

    /** Every metrics row of a run of spec's steps on device. */
    private static List<Map<String, Double>> run(ExperimentSpec spec, Device device) {
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        ExperimentSpec resolved = spec.withModel(spec.model().withData(data.vocabSize(), data.outputVocabSize(),
                data.contextLength()));
        List<Map<String, Double>> rows = new ArrayList<>();
        try (device) {
            new Trainer(resolved, data, device).run((row, total) -> rows.add(Map.copyOf(row)));
        }
        return rows;
    }

    static void sameLosses(ExperimentSpec spec) {
        List<Map<String, Double>> cpu = run(spec, new CpuBackend().create(2));
        TornadoDevice tornado = (TornadoDevice) new TornadoBackend().create(0);
        List<Map<String, Double>> got = run(spec, tornado);
        assertEquals(cpu.size(), got.size(), "metrics rows");
        int compared = 0;
        for (int i = 0; i < cpu.size(); i++) {
            for (Map.Entry<String, Double> e : cpu.get(i).entrySet()) {
                double want = e.getValue();
                Double have = got.get(i).get(e.getKey());
                String where = "row " + i + " (step " + cpu.get(i).get("step") + "), " + e.getKey() + ": cpu " + want
                        + ", tornado " + have;
                if (e.getKey().endsWith("_loss") && Double.isFinite(want)) {
                    assertTrue(Math.abs(want - have) <= LOSS_TOL * Math.max(1.0, Math.abs(want)), where);
                    compared++;
                } else if (e.getKey().endsWith("_accuracy")) {
                    assertEquals(want, have, 0.02, where); // a few borderline predictions may flip
                }
            }
        }
        assertTrue(compared >= cpu.size(), "compared " + compared + " losses");
        // The step was recorded once and replayed: far fewer graphs than executions (TornadoExecutionsTest
        // counts the executions per step).
        assertTrue(tornado.graphs() < 20, tornado.graphs() + " task graphs recorded");
        assertTrue(tornado.executions() >= STEPS, tornado.executions() + " graph executions");
    }

    @Test
    void modularAdditionFiftyFullBatchSteps() {
        ExperimentSpec spec = ConfigLoader.load(Path.of("..", "conf", "modular-addition.json"));
        sameLosses(spec.withTrain(spec.train().withSteps(STEPS).withEvalEvery(10)));
    }
}
