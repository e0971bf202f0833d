package org.grokcap;

import org.grokcap.run.RunResult;
import org.grokcap.run.TrainingSession;

import org.grokcap.run.RunOptions;

import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped configs run through the public Java API (a couple of steps each). */
class GrokcapApiTest {

    @ParameterizedTest
    @ValueSource(strings = {"modular-addition", "nanda-p113"})
    void shippedConfigsTrainThroughTheApi(String name, @TempDir Path dir) {
        ExperimentSpec spec = ConfigLoader.load(Path.of("..", "conf", name));
        spec = spec.withTrain(spec.train().withSteps(2));
        RunResult r = Grokcap.train(spec, new RunOptions(dir.resolve("run"), null, 0, null));
        assertEquals(2, r.steps());
        assertEquals(222_592 + (name.equals("nanda-p113") ? 2 * 16 * 128 : 0), r.parameters(),
                "W_E (p+1)·128 + W_pos 3·128 + attention 4·128² + MLP 2·128·512 + 640 biases + W_U 128·p");
        assertTrue(Files.exists(dir.resolve("run").resolve("weights.safetensors")));
        assertTrue(r.finalMetrics().containsKey("test_accuracy"));
    }

    @Test
    void aSpecWithoutANameTrainsUnderTheDefaultName(@TempDir Path dir) throws Exception {
        ExperimentSpec spec = ConfigLoader.parse("""
                {"task":{"type":"modular","p":5},"model":{"dModel":8,"heads":2},"train":{"steps":2}}""", false, "text");
        assertNull(spec.name(), "parsed text has no file name to borrow");
        RunResult r = Grokcap.train(spec, new RunOptions(dir.resolve("run"), null, 0, null));
        assertEquals(2, r.steps());
        assertEquals(Grokcap.UNNAMED, Json.mapper().readTree(dir.resolve("run").resolve("run.json").toFile())
                .at("/config/name").asText());
    }

    @Test
    void aMachineThatCannotDrawLosesThePlotsNotTheRun() throws Exception {
        assertNull(TrainingSession.drawPlots(() -> {}));
        assertEquals("InternalError: Fontconfig head is null", TrainingSession.drawPlots(() -> {
            throw new InternalError("Fontconfig head is null"); // what Java 2D says on a machine without fonts
        }));
        // Issue 17: a full disk costs the pictures too, never the result (the plots can be drawn later).
        assertEquals("IOException: No space left on device", TrainingSession.drawPlots(() -> {
            throw new java.io.IOException("No space left on device");
        }));
    }
}
