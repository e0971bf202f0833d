package org.grokcap.train;

import org.grokcap.config.OptimizerConfig;

import org.grokcap.backend.ReferenceDevice;
import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.TokenizedDataset;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {

    /** A small modular problem the CPU learns in a few hundred full-batch steps. */
    private static ExperimentSpec small(int steps, int batch) {
        return small(steps, batch, "");
    }

    /** {@link #small(int, int)} with more train fields (a leading comma and JSON members). */
    private static ExperimentSpec small(int steps, int batch, String moreTrain) {
        return ConfigLoader.parse("""
                {"name":"t","task":{"type":"modular","p":11,"trainFraction":0.6},
                 "model":{"dModel":32,"heads":2,"dMlp":64},
                 "train":{"seed":3,"steps":%d,"batchSize":%d,"optimizer":{"lr":0.003,"weightDecay":0.1}%s}}"""
                .formatted(steps, batch, moreTrain), false, "test");
    }

    private static List<Map<String, Double>> run(ExperimentSpec spec, org.grokcap.backend.Device dev) {
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        List<Map<String, Double>> rows = new ArrayList<>();
        new Trainer(spec, data, dev).run((row, total) -> rows.add(row));
        return rows;
    }

    @Test
    void fullBatchTrainingMemorisesAndLogsEverySplit() {
        List<Map<String, Double>> rows;
        try (CpuDevice dev = new CpuDevice(2)) {
            rows = run(small(300, 0), dev);
        }
        assertEquals(300, rows.size());
        assertEquals(0.0, rows.get(0).get("step"));
        assertEquals(List.of("step", "train_loss", "train_accuracy", "train_collapse", "test_loss", "test_accuracy",
                        "weight_norm.embed", "weight_norm.layer0", "weight_norm.unembed"),
                List.copyOf(rows.get(0).keySet()), "no gradient cosines without ⊥Grad or logGradCosine");
        Map<String, Double> last = rows.get(rows.size() - 1);
        assertTrue(last.get("train_loss") < 0.1 * rows.get(0).get("train_loss"), "loss fell: " + last);
        assertEquals(1.0, last.get("train_accuracy"), "memorised: " + last);
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        List<Map<String, Double>> one;
        List<Map<String, Double>> two;
        try (CpuDevice d1 = new CpuDevice(1); CpuDevice d2 = new CpuDevice(2)) {
            one = run(small(40, 16), d1);
            two = run(small(40, 16), d2);
        }
        assertEquals(one, two, "identical metrics for 1 and 2 threads");
    }

    @Test
    void cpuBackendTracksTheReference() {
        List<Map<String, Double>> ref = run(small(20, 0), new ReferenceDevice());
        List<Map<String, Double>> cpu;
        try (CpuDevice dev = new CpuDevice(2)) {
            cpu = run(small(20, 0), dev);
        }
        for (int i = 0; i < ref.size(); i++) {
            double a = ref.get(i).get("train_loss");
            double b = cpu.get(i).get("train_loss");
            assertEquals(a, b, 1e-4 * (1 + a), "step " + i);
        }
    }

    @Test
    void minibatchesAreSeededAndEvaluateTheTrainingSplit() {
        List<Map<String, Double>> a = run(small(10, 8), new ReferenceDevice());
        List<Map<String, Double>> b = run(small(10, 8), new ReferenceDevice());
        assertEquals(a, b);
        assertTrue(a.get(0).containsKey("train_loss"));
    }

    @Test
    void warmupScalesTheLearningRateLinearly() {
        OptimizerConfig c = new OptimizerConfig(0.01, null, null, null, 0.0, null, 4, null, null, null, null, null, null);
        assertEquals(0.0025, c.lrAt(0), 1e-12);
        assertEquals(0.0075, c.lrAt(2), 1e-12);
        assertEquals(0.01, c.lrAt(3), 1e-12);
        assertEquals(0.01, c.lrAt(1000), 1e-12);
    }

    /**
     * Label smoothing changes the training split's loss (the objective, logged in full-batch and in
     * minibatch mode alike) but not the held-out loss, which stays −log p(target): at step 0 the
     * parameters are the same with and without smoothing, so the test loss is bit for bit the same.
     */
    @Test
    void smoothingShowsInTheTrainingLossOnly() {
        for (int batch : new int[]{0, 8}) {
            for (String loss : new String[]{"softmax", "stablemax"}) {
                String kind = ",\"loss\":\"" + loss + "\"";
                Map<String, Double> plain = run(small(1, batch, kind), new ReferenceDevice()).get(0);
                Map<String, Double> smoothed =
                        run(small(1, batch, kind + ",\"labelSmoothing\":0.3"), new ReferenceDevice()).get(0);
                String what = loss + ", batch " + batch + ": ";
                assertEquals(plain.get("test_loss"), smoothed.get("test_loss"), what + "test loss unsmoothed");
                assertEquals(plain.get("train_accuracy"), smoothed.get("train_accuracy"), what + "same argmax");
                // near uniform predictions at initialisation: smoothing moves the objective, by less than ε·log V
                double moved = smoothed.get("train_loss") - plain.get("train_loss");
                assertTrue(moved != 0 && Math.abs(moved) < 0.3 * Math.log(11), what + "train loss moved by " + moved);
            }
        }
    }

    /**
     * train_collapse is logged in full-batch and minibatch mode, in [0, 1]; at initialisation the
     * logits are small and no training position has a float32 loss of exactly 0.
     */
    @Test
    void collapseIsLoggedForTheTrainingSplit() {
        for (int batch : new int[]{0, 8}) {
            for (String loss : new String[]{"softmax", "stablemax"}) {
                List<Map<String, Double>> rows =
                        run(small(3, batch, ",\"loss\":\"" + loss + "\""), new ReferenceDevice());
                for (Map<String, Double> row : rows) {
                    Double c = row.get("train_collapse");
                    assertTrue(c != null && c >= 0 && c <= 1, loss + ", batch " + batch + ": " + row);
                    assertTrue(!row.containsKey("test_collapse"), "only the training split: " + row);
                }
                assertEquals(0.0, rows.get(0).get("train_collapse"), loss + ", batch " + batch + " at step 0");
            }
        }
    }
}
