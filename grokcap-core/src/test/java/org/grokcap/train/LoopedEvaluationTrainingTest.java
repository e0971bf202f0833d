package org.grokcap.train;

import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.config.ConfigException;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.io.MetricsRow;
import org.grokcap.run.ConfigLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * train.evalLayerRepeats: training (its parameters and the weight-norm columns) is bit for bit what it
 * is without the field, and every split's evaluation columns are bit for bit those of the same weights
 * in a model built with layerRepeats = evalLayerRepeats. Setting it to the model's own layerRepeats
 * changes nothing at all.
 */
class LoopedEvaluationTrainingTest {
    private static final int STEPS = 4;

    /** A 1-layer stack run twice in training, on a small modular task; evalLayerRepeats and repeats as given. */
    private static ExperimentSpec spec(int batch, int repeats, String evalRepeats) {
        return ConfigLoader.parse("""
                {"name":"looped","task":{"type":"modular","p":11,"trainFraction":0.6},
                 "model":{"layers":1,"layerRepeats":%d,"dModel":16,"heads":2,"dMlp":32,"layerNorm":true,"init":"gpt2"},
                 "train":{"seed":5,"steps":%d,"batchSize":%d,"evalBatchSize":16%s,
                          "optimizer":{"lr":0.01,"weightDecay":0.1}}}"""
                .formatted(repeats, STEPS, batch, evalRepeats == null ? "" : ",\"evalLayerRepeats\":" + evalRepeats),
                false, "test");
    }

    /** The metrics rows of a run, and the parameters each row describes (those after that many updates). */
    private record Run(List<Map<String, Double>> rows, List<float[]> params) {}

    private static Run train(ExperimentSpec spec, TokenizedDataset data) {
        try (CpuDevice dev = new CpuDevice(2)) {
            Trainer trainer = new Trainer(spec, data, dev);
            List<Map<String, Double>> rows = new ArrayList<>();
            List<float[]> params = new ArrayList<>();
            params.add(trainer.model().params().host().clone());
            trainer.run(new Trainer.Listener() {
                @Override
                public void onMetrics(Map<String, Double> row, int totalSteps) {
                    rows.add(row);
                }

                @Override
                public void afterUpdate(int updates, int totalSteps) {
                    dev.toHost(trainer.model().params());
                    params.add(trainer.model().params().host().clone());
                }
            });
            return new Run(rows, params);
        }
    }

    @ParameterizedTest(name = "batch {0} (0: full batch)")
    @ValueSource(ints = {0, 8})
    void trainingIsUnchangedAndEveryEvaluationLoops(int batch) {
        ExperimentSpec plain = spec(batch, 2, null);
        TokenizedDataset data = plain.task().generate(plain.train().seed());
        Run base = train(plain, data);
        assertEquals(base.rows(), train(spec(batch, 2, "2"), data).rows(), "evalLayerRepeats = layerRepeats changes nothing");
        for (int evalRepeats : new int[]{1, 4}) {
            Run looped = train(spec(batch, 2, String.valueOf(evalRepeats)), data);
            assertEquals(STEPS, looped.rows().size());
            for (int s = 0; s <= STEPS; s++) {
                assertArrayEquals(base.params().get(s), looped.params().get(s), "parameters after " + s + " updates");
            }
            // the same weights in a model built with layerRepeats = evalRepeats, evaluated split by split
            ExperimentSpec unrolled = spec(batch, evalRepeats, null);
            try (CpuDevice dev = new CpuDevice(2)) {
                Trainer reference = new Trainer(unrolled, data, dev);
                for (int s = 0; s < STEPS; s++) {
                    Map<String, Double> row = looped.rows().get(s);
                    Map<String, Double> baseRow = base.rows().get(s);
                    assertEquals(baseRow.keySet(), row.keySet(), "the same columns");
                    float[] p = looped.params().get(s);
                    System.arraycopy(p, 0, reference.model().params().host(), reference.model().params().offset(), p.length);
                    dev.toDevice(reference.model().params());
                    for (Split split : data.splits().values()) {
                        double[] want = reference.evaluate(split);
                        String name = split.name();
                        String at = "step " + s + ", evaluated ×" + evalRepeats + ", " + name;
                        assertEquals(want[0], row.get(MetricsRow.lossKey(name)), at + ": loss");
                        assertEquals(want[1], row.get(MetricsRow.accuracyKey(name)), at + ": accuracy");
                        if (name.equals(data.trainSplit())) {
                            assertEquals(want[2], row.get(MetricsRow.collapseKey(name)), at + ": collapse");
                        }
                    }
                    for (String key : row.keySet()) {
                        if (key.startsWith("weight_norm.")) {
                            assertEquals(baseRow.get(key), row.get(key), "step " + s + ": " + key);
                        }
                    }
                }
            }
            Map<String, Double> last = looped.rows().get(STEPS - 1);
            assertNotEquals(base.rows().get(STEPS - 1).get("test_loss"), last.get("test_loss"),
                    "evaluated ×" + evalRepeats + ", not ×2");
        }
    }

    @Test
    void buffersAreSizedForTheLargerRepeatCountAndTheRangeIsChecked() {
        ExperimentSpec spec = spec(8, 2, "5");
        assertEquals(5, Trainer.allocatedModel(spec.train(), spec.model()).layerRepeats());
        assertEquals(2, Trainer.allocatedModel(spec(8, 2, "1").train(), spec.model()).layerRepeats());
        for (String bad : new String[]{"0", "65"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> spec(8, 2, bad));
            assertTrue(e.getMessage().contains("evalLayerRepeats"), e.getMessage());
        }
    }
}
