package org.grokcap.tornado;

import org.grokcap.data.TokenizedDataset;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Task-graph executions per training step and per evaluation: a step (forward, backward, clipping,
 * AdamW) is one execution, with no host round trip in between; an evaluation step adds one execution
 * for every split's evaluation and the weight norms together. And two runs on one device give the
 * same bits: every kernel's sums run in a fixed order.
 */
class TornadoExecutionsTest {

    @BeforeAll
    static void needTornado() {
        TornadoBackend backend = new TornadoBackend();
        assumeTrue(backend.availability().available(), "TornadoVM is not present: " + backend.availability().reason());
    }

    private static ExperimentSpec small(String optimizer) {
        return ConfigLoader.parse("""
                {"name":"t","task":{"type":"modular","p":11,"trainFraction":0.6},
                 "model":{"dModel":16,"heads":2,"dMlp":32},
                 "train":{"seed":5,"steps":12,"batchSize":0,"evalEvery":5,"optimizer":%s}}""".formatted(optimizer),
                false, "test");
    }

    @Test
    void twoRunsOnOneDeviceGiveTheSameBits() {
        ExperimentSpec spec = small("{\"lr\":0.003,\"weightDecay\":0.0,\"gradClip\":0.5,\"orthogonalGradient\":true}");
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        try (TornadoDevice device = (TornadoDevice) new TornadoBackend().create(0)) {
            List<List<Map<String, Double>>> runs = new ArrayList<>();
            for (int run = 0; run < 2; run++) {
                List<Map<String, Double>> rows = new ArrayList<>();
                Trainer trainer = new Trainer(spec, data, device);
                trainer.run((row, total) -> rows.add(Map.copyOf(row)));
                device.toHost(trainer.model().params());
                float[] p = java.util.Arrays.copyOfRange(trainer.model().params().host(),
                        trainer.model().params().offset(), trainer.model().params().offset() + trainer.model().params().size());
                rows.add(Map.of("parameters' hash", (double) java.util.Arrays.hashCode(p))); // of every float's bits
                runs.add(rows);
            }
            assertEquals(runs.get(0), runs.get(1), "every metric and the parameters, bit for bit");
        }
    }

    @Test
    void aStepIsOneExecutionAndAnEvaluationOneMore() {
        ExperimentSpec spec = ConfigLoader.parse("""
                {"name":"t","task":{"type":"modular","p":11,"trainFraction":0.6},
                 "model":{"dModel":16,"heads":2,"dMlp":32},
                 "train":{"seed":5,"steps":12,"batchSize":0,"evalEvery":5,
                          "optimizer":{"lr":0.003,"weightDecay":0.1,"gradClip":0.5}}}""", false, "test");
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        List<Long> executionsAfter = new ArrayList<>();
        List<Integer> evaluated = new ArrayList<>();
        try (TornadoDevice device = (TornadoDevice) new TornadoBackend().create(0)) {
            Trainer trainer = new Trainer(spec, data, device);
            trainer.run(new Trainer.Listener() {
                @Override
                public void onMetrics(Map<String, Double> row, int totalSteps) {
                    evaluated.add(row.get("step").intValue());
                }

                @Override
                public void afterUpdate(int updates, int totalSteps) {
                    executionsAfter.add(device.executions());
                }
            });
        }
        assertEquals(List.of(0, 5, 10, 11), evaluated);
        // From step 2 on (step 0 records the graphs; step 1 gives the loss its device-side skip flag,
        // deciding that once on the host), with an update recorded after its loss was read running
        // in the next step's execution.
        List<Long> want = new ArrayList<>();
        List<Long> got = new ArrayList<>();
        for (int step = 2; step < 12; step++) {
            want.add(evaluated.contains(step) ? 2L : 1L);
            got.add(executionsAfter.get(step) - executionsAfter.get(step - 1));
        }
        assertEquals(want, got, "executions per step, steps 2 to 11");
    }
}
