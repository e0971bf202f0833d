package org.grokcap.run;

import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.io.Json;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.train.Trainer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run with a Grokfast filter (and ⊥Grad) resumed from a checkpoint is bit-identical to the same
 * run uninterrupted: the filter's state (μ, or the ring buffer with its position and fill) travels in
 * the checkpoint. The checkpoint is taken mid-window for the moving average (step 17, window 4), and
 * a resume that drops the filter's state must differ, so the comparison can fail.
 */
class FilteredResumeTest {
    private static final int STEPS = 30;
    private static final int AT = 17;

    private static ExperimentSpec spec(String filter) {
        return ConfigLoader.parse("""
                {"name":"f","task":{"type":"modular","p":11,"trainFraction":0.5},
                 "model":{"dModel":16,"heads":2,"dMlp":32},
                 "train":{"seed":5,"steps":%d,"batchSize":8,"evalEvery":5,"gradFilter":%s,
                          "optimizer":{"lr":0.003,"weightDecay":0,"orthogonalGradient":true}}}"""
                .formatted(STEPS, filter), false, "test");
    }

    private record Run(List<Map<String, Double>> rows, float[] params) {}

    private static Run finish(Trainer t, List<Map<String, Double>> rows) {
        t.run((row, total) -> rows.add(row));
        t.model().device().toHost(t.model().params());
        float[] p = t.model().params().host();
        int off = t.model().params().offset();
        return new Run(rows, Arrays.copyOfRange(p, off, off + t.model().params().size()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":\"ema\",\"alpha\":0.9,\"lambda\":2}", "{\"type\":\"ma\",\"window\":4,\"lambda\":3}"})
    void aFilteredRunResumedFromACheckpointMatchesTheUninterruptedRunBitForBit(String filter, @TempDir Path dir)
            throws Exception {
        ExperimentSpec spec = spec(filter);
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        ExperimentSpec resolved = spec.withModel(spec.model().withData(data.vocabSize(), data.outputVocabSize(),
                data.contextLength()));
        try (CpuDevice dev = new CpuDevice(2)) {
            Run whole = finish(new Trainer(spec, data, dev), new ArrayList<>());

            Trainer first = new Trainer(spec.withTrain(spec.train().withSteps(AT)), data, dev);
            first.run((row, total) -> {});
            Path file = dir.resolve("checkpoint.safetensors");
            Checkpoint.write(file, first, Map.of(Checkpoint.CONFIG, Json.mapper().writeValueAsString(resolved)));

            Trainer resumed = new Trainer(spec, data, dev);
            Checkpoint.restore(file, resumed);
            assertEquals(first.optimizer().filter().seen(), resumed.optimizer().filter().seen());
            assertEquals(first.optimizer().filter().position(), resumed.optimizer().filter().position());
            Run after = finish(resumed, new ArrayList<>());
            List<Map<String, Double>> wholeAfter = whole.rows().stream().filter(r -> r.get("step") >= AT).toList();
            assertEquals(wholeAfter, after.rows(), "every metrics row after the checkpoint");
            assertArrayEquals(whole.params(), after.params(), "the parameters after " + STEPS + " steps");

            // The same resume, but with the filter started afresh: a different run.
            Trainer forgetful = new Trainer(spec, data, dev);
            Checkpoint.restore(file, forgetful);
            forgetful.optimizer().filter().restoreCounters(0, 0);
            assertFalse(Arrays.equals(whole.params(), finish(forgetful, new ArrayList<>()).params()),
                    "the filter's state matters, so the test above can fail");
            assertTrue(whole.rows().get(0).containsKey("grad_cos.layer0"), "⊥Grad logs the gradient cosines");
        }
    }
}
