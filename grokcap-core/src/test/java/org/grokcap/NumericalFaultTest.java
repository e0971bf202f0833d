package org.grokcap;

import org.grokcap.backend.ReferenceDevice;
import org.grokcap.cli.CommandRun;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.run.RunDirectory;
import org.grokcap.model.ParamLayout;
import org.grokcap.run.Checkpoint;
import org.grokcap.train.Trainer;
import org.grokcap.train.TrainingDivergedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A run whose numbers stop being finite stops, names the step and the tensor, and keeps its last good checkpoint. */
class NumericalFaultTest {

    @Test
    void aNaNParameterIsNamedWithTheStep() {
        ExperimentSpec spec = ConfigLoader.parse("""
                {"name":"nan","task":{"type":"modular","p":7,"trainFraction":0.5},
                 "model":{"dModel":16,"heads":2,"dMlp":32},"train":{"steps":200}}""", false, "test");
        TokenizedDataset data = spec.task().generate(0);
        ExperimentSpec resolved = spec.withModel(spec.model().withData(data.vocabSize(), data.outputVocabSize(),
                data.contextLength()));
        Trainer trainer = new Trainer(resolved, data, new ReferenceDevice());
        ParamLayout layout = trainer.model().layout();
        int poisoned = layout.get("unembed.weight").offset() + 5;
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> trainer.run(new Trainer.Listener() {
            @Override
            public void onMetrics(Map<String, Double> row, int total) {}

            @Override
            public void afterUpdate(int updates, int total) {
                assertNull(trainer.firstNonFiniteParameter(), "finite until poisoned");
                if (updates == 45) {
                    trainer.model().params().host()[poisoned] = Float.NaN;
                    assertEquals("'unembed.weight' (element 5 = NaN)", trainer.firstNonFiniteParameter());
                }
            }
        }));
        assertEquals("training diverged at step 45: the training loss is NaN; first non-finite tensor: parameter "
                + "'unembed.weight' (element 5 = NaN); the last update's gradient was finite: the update itself made it "
                + "(see train.optimizer: lr, eps, weightDecay)", e.getMessage());
    }

    @Test
    void aDivergingRunExitsNonZeroAndKeepsItsLastGoodCheckpoint(@TempDir Path dir) throws Exception {
        // Learning rate 2 with four layers and no LayerNorm: the activations overflow within a few steps.
        Path config = dir.resolve("diverge.json");
        Files.writeString(config, """
                {"name":"diverge","task":{"type":"modular","p":11},
                 "model":{"layers":4,"dModel":32,"heads":2,"dMlp":64},
                 "train":{"steps":400,"lossFloat64":false,"optimizer":{"lr":2.0,"weightDecay":0}}}""");
        Path out = dir.resolve("run");
        CommandRun cli = new CommandRun();
        int exit = cli.run("train", config.toString(), "--out", out.toString(), "--quiet",
                "--checkpoint-every", "1", "--backend", "reference");
        Path cdir = out.resolve(RunDirectory.CHECKPOINTS);
        assertEquals(1, exit);
        assertEquals("error: training diverged at step 2: the training loss is NaN; first non-finite value: output of "
                + "'layers.3.attn.probabilities' (element 0 = NaN); the last good checkpoint is " + cdir.resolve("step-000000002.safetensors"),
                cli.err().strip());
        assertEquals(List.of("step-000000001.safetensors", "step-000000002.safetensors"), list(cdir));
        assertEquals("2", Checkpoint.readMetadata(cdir.resolve("step-000000002.safetensors")).get(Checkpoint.STEP));
        assertFalse(Files.exists(out.resolve(RunDirectory.WEIGHTS)), "no weights from a diverged run");
    }

    private static List<String> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
