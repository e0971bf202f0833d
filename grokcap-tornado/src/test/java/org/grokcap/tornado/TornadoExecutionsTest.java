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
 * for every split's evaluation and the weight norms together.
 */
class TornadoExecutionsTest {

    @BeforeAll
    static void needTornado() {
        TornadoBackend backend = new TornadoBackend();
        assumeTrue(backend.availability().available(), "TornadoVM is not present: " + backend.availability().reason());
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
