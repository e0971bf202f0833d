package org.grokcap.run;

import org.grokcap.Grokcap;
import org.grokcap.analysis.ProgressRecorder;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.train.Population;
import org.grokcap.train.TrainingDivergedException;
import org.grokcap.util.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs trained together are ordinary runs, both ways of training together (each model on a device of
 * its own with the threads handed round, or all in lockstep on one shared device): each run
 * directory's metrics, checkpoints and weights are those of the same run trained alone on 2 threads, byte for byte (the safetensors headers name the
 * device and the start time, so the tensor bytes after them are compared).
 */
public class PopulationSessionTest {

    /** A model whose matmuls and kernels really split on 2 threads alone, trained on minibatches (the batch order counts). */
    private static ExperimentSpec spec(String train) {
        return ConfigLoader.parse("""
                {"name":"pop","task":{"type":"modular","p":23,"trainFraction":0.6},
                 "model":{"dModel":64,"heads":4,"dMlp":256},
                 "train":{"steps":12,"batchSize":64,%s}}""".formatted(train), false, "test");
    }

    private static RunOptions options(Path out) {
        return new RunOptions(out, "cpu", 2, null, 4, 0);
    }

    /** Trains specs together, in lockstep on one 2-thread cpu device or each on its own device with slots. */
    private static List<Population.Outcome<RunResult>> together(List<ExperimentSpec> specs, Path out, boolean lockstep) {
        return PopulationSession.train(specs, options(out), ProgressRecorder.HOOK, lockstep);
    }

    @ParameterizedTest(name = "lockstep {0}")
    @ValueSource(booleans = {false, true})
    void eachRunTrainedTogetherIsTheRunTrainedAloneByteForByte(boolean lockstep, @TempDir Path dir) throws IOException {
        // seeds (split, init, batch order) and per-model optimizer settings differ
        List<ExperimentSpec> specs = List.of(
                spec("\"seed\":0,\"optimizer\":{\"lr\":0.001,\"weightDecay\":1.0}"),
                spec("\"seed\":1,\"optimizer\":{\"lr\":0.003,\"weightDecay\":0.1,\"beta2\":0.99}"),
                spec("\"seed\":2,\"optimizer\":{\"lr\":0.002,\"warmupSteps\":5,\"eps\":1.0e-6}"));
        List<Population.Outcome<RunResult>> outcomes = together(specs, dir.resolve("together"), lockstep);
        for (int i = 0; i < specs.size(); i++) {
            assertFalse(outcomes.get(i).failed(), () -> String.valueOf(outcomes.get(0).failure()));
            Path together = dir.resolve("together").resolve("pop-" + i);
            assertEquals(together, outcomes.get(i).result().runDir());
            Path alone = dir.resolve("alone-" + i);
            Grokcap.train(specs.get(i), options(alone));
            assertSameRun(alone, together);
        }
        assertFalse(Arrays.equals(Files.readAllBytes(dir.resolve("together/pop-0/metrics.jsonl")),
                Files.readAllBytes(dir.resolve("together/pop-1/metrics.jsonl"))), "the members are different runs");
    }

    @ParameterizedTest(name = "lockstep {0}")
    @ValueSource(booleans = {false, true})
    void aDivergingMemberStopsAloneAndNamedWhileTheOthersFinish(boolean lockstep, @TempDir Path dir) throws IOException {
        // Learning rate 2 with four layers and no LayerNorm: the activations overflow within a few steps.
        String model = """
                {"name":"d","task":{"type":"modular","p":11},"model":{"layers":4,"dModel":32,"heads":2,"dMlp":64},
                 "train":{"steps":30,"lossFloat64":false,"optimizer":{"lr":%s,"weightDecay":0}}}""";
        List<ExperimentSpec> specs = List.of(ConfigLoader.parse(model.formatted("0.001"), false, "test"),
                ConfigLoader.parse(model.formatted("2.0"), false, "test"),
                ConfigLoader.parse(model.formatted("0.003"), false, "test"));
        List<Population.Outcome<RunResult>> outcomes = together(specs, dir.resolve("together"), lockstep);
        assertFalse(outcomes.get(0).failed());
        assertFalse(outcomes.get(2).failed());
        TrainingDivergedException e = assertInstanceOf(TrainingDivergedException.class, outcomes.get(1).failure());
        assertTrue(e.getMessage().startsWith("run " + dir.resolve("together").resolve("d-1") + ": training diverged at "),
                e.getMessage());
        Grokcap.train(specs.get(2), options(dir.resolve("alone-2")));
        assertSameRun(dir.resolve("alone-2"), dir.resolve("together").resolve("d-2"));
    }

    @Test
    void runsOfAnotherShapeAreRefusedBeforeAnyStarts(@TempDir Path dir) {
        ExperimentSpec a = spec("\"seed\":0");
        ExperimentSpec b = ConfigLoader.parse("""
                {"name":"pop","task":{"type":"modular","p":23,"trainFraction":0.6},
                 "model":{"dModel":32,"heads":4,"dMlp":256},"train":{"steps":12,"batchSize":64}}""", false, "test");
        BadInputException e = assertThrows(BadInputException.class,
                () -> Grokcap.trainTogether(List.of(a, a, b), options(dir.resolve("t"))));
        assertEquals("training together: spec 2 cannot share a pass with spec 0: model.dModel is 32, not 64",
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("t")));
    }

    @Test
    void fewerRunsThanThreadsShareTheThreadsOut() {
        // (threads, members) -> threads of each member's device
        assertEquals(List.of(1, 1, 2, 2, 1, 3), List.of(PopulationSession.threadsPerMember(2, 8),
                PopulationSession.threadsPerMember(2, 2), PopulationSession.threadsPerMember(2, 1),
                PopulationSession.threadsPerMember(4, 2), PopulationSession.threadsPerMember(3, 2),
                PopulationSession.threadsPerMember(7, 2)));
    }

    /** metrics.jsonl byte for byte, and the tensors of the final weights and of every kept checkpoint. */
    public static void assertSameRun(Path alone, Path together) throws IOException {
        assertEquals(Files.readString(alone.resolve(RunDirectory.METRICS)),
                Files.readString(together.resolve(RunDirectory.METRICS)), together + ": metrics");
        assertArrayEquals(tensorBytes(alone.resolve(RunDirectory.WEIGHTS)), tensorBytes(together.resolve(RunDirectory.WEIGHTS)),
                together + ": weights");
        List<Path> checkpoints = RunDirectory.checkpoints(alone);
        assertEquals(checkpoints.stream().map(Path::getFileName).toList(),
                RunDirectory.checkpoints(together).stream().map(Path::getFileName).toList());
        assertFalse(checkpoints.isEmpty());
        for (Path c : checkpoints) {
            assertArrayEquals(tensorBytes(c), tensorBytes(together.resolve(RunDirectory.CHECKPOINTS).resolve(c.getFileName())),
                    together + ": " + c.getFileName());
        }
    }

    /** A safetensors file's data: what follows the 8-byte header length and the header. */
    private static byte[] tensorBytes(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long header = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return Arrays.copyOfRange(all, 8 + (int) header, all.length);
    }
}
