package org.grokcap.cli;

import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.model.Safetensors;
import org.grokcap.model.SafetensorsException;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.ParamLayout;
import org.grokcap.model.Transformer;
import org.grokcap.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 17, item 4: a small input cannot claim a large share of the machine. Every size an input
 * claims is checked before anything is allocated from it, and the refusal is one line, exit 2.
 */
class ResourceCapsTest {
    private final CommandRun cli = new CommandRun();

    private void assertOneLineError(int exit, String... fragments) {
        assertEquals(2, exit, cli.err());
        String e = cli.err().strip();
        assertFalse(e.contains("\n"), "one line: " + e);
        for (String f : fragments) {
            assertTrue(e.contains(f), "'" + f + "' in: " + e);
        }
    }

    private static Path write(Path dir, String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void importComparesTheConfigsSizesWithTheWeightsFile(@TempDir Path dir) throws Exception {
        Path hf = Files.createDirectories(dir.resolve("hf"));
        // GPT-2 XL's sizes (1.5 billion parameters) in a config of a few hundred bytes, beside a tiny file.
        write(hf, "config.json", """
                {"model_type":"gpt2","vocab_size":50257,"n_positions":1024,"n_embd":1600,"n_layer":48,"n_head":25}""");
        Safetensors.write(hf.resolve("model.safetensors"),
                List.of(new Safetensors.Tensor("wte.weight", new int[]{2, 2}, new float[4])), Map.of());
        Path out = dir.resolve("w.safetensors");
        assertOneLineError(cli.run("import", hf.toString(), "--out", out.toString()), "config.json describes a model of",
                "parameters, which needs at least", "model.safetensors has 96 bytes");
        assertFalse(Files.exists(out));
    }

    @Test
    void aSweepHasAStatedCapOnItsRuns(@TempDir Path dir) throws Exception {
        write(dir, "base.json", NoSilentWrongResultsTest.TINY);
        // 10 × 10 × 10 × 10 × 10 = 100 000 runs; before the cap, each was expanded and validated.
        assertOneLineError(cli.run("sweep", write(dir, "grid.yaml", """
                base: base.json
                grid:
                  train.seed: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
                  train.steps: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
                  train.evalEvery: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
                  train.batchSize: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
                  model.dMlp: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
                """).toString(), "--dry-run"), "grid.yaml: the grid describe", "more than 10000 runs");
        assertOneLineError(cli.run("sweep", write(dir, "draws.yaml", """
                base: base.json
                grid: {train.seed: [0, 1, 2]}
                random: {seed: 1, draws: 5000, fields: {train.optimizer.lr: {logUniform: [0.001, 0.01]}}}
                """).toString(), "--dry-run"), "the grid and random draws describe more than 10000 runs");
        assertOneLineError(cli.run("sweep", write(dir, "many.yaml", """
                base: base.json
                random: {seed: 1, draws: 10001, fields: {train.optimizer.lr: {logUniform: [0.001, 0.01]}}}
                """).toString(), "--dry-run"), "more than 10000 runs");
    }

    @Test
    void threadsAreBounded(@TempDir Path dir) throws Exception {
        Path config = write(dir, "c.json", NoSilentWrongResultsTest.TINY);
        assertOneLineError(cli.run("train", config.toString(), "--threads", "100000", "--out", dir.resolve("r").toString()),
                "--threads = 100000: must be at most 1024");
        assertFalse(Files.exists(dir.resolve("r")));
        write(dir, "base.json", NoSilentWrongResultsTest.TINY);
        assertOneLineError(cli.run("sweep", write(dir, "s.yaml", "base: base.json\ngrid: {train.seed: [0]}\n").toString(),
                "--threads", "5000"), "--threads = 5000: must be at most 1024");
        assertOneLineError(cli.run("bench", "modular-addition", "--threads", "2000"), "must be at most 1024");
    }

    private static String qaConfig(Path file) {
        return "{\"task\":{\"type\":\"qa\",\"file\":\"" + file + "\",\"testCount\":1},"
                + "\"model\":{\"dModel\":16,\"heads\":2,\"dMlp\":32},\"train\":{\"steps\":2}}";
    }

    @Test
    void theQaReaderRefusesAnEndlessLineAfterOneMebibyte(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("facts.csv");
        Files.writeString(csv, "question,answer\nWhere is Paris?," + "x".repeat(3 << 20) + "\nWho?,me\n");
        assertOneLineError(cli.run("train", write(dir, "c.json", qaConfig(csv)).toString(), "--out",
                dir.resolve("r").toString(), "--quiet"), csv + ":2: a line longer than 1048576 characters");
        assertFalse(Files.exists(dir.resolve("r")));
    }

    @Test
    void theQaReaderDoesNotWaitOnAFifo(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("facts.csv");
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (IOException e) {
            assumeTrue(false, "no mkfifo here: " + e.getMessage());
            return;
        }
        assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo failed");
        Path config = write(dir, "c.json", qaConfig(fifo));
        int exit = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> cli.run("train", config.toString(), "--out",
                dir.resolve("r").toString(), "--quiet"), "opening a FIFO waits for a writer that never comes");
        assertOneLineError(exit, fifo + ": not a regular file");
    }

    @Test
    void safetensorsHeadersAreBoundedInTensorCountAndSize(@TempDir Path dir) throws Exception {
        StringBuilder header = new StringBuilder("{");
        for (int i = 0; i < 70_000; i++) { // empty tensors: a small header, a large tree to hold
            header.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[0],")
                    .append("\"data_offsets\":[0,0]}");
        }
        Path many = raw(dir.resolve("many.safetensors"), header.append('}').toString());
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.readMetadata(many));
        assertTrue(e.getMessage().contains("header lists 70000 tensors, over the limit of 65536"), e.getMessage());

        Path large = raw(dir.resolve("large.safetensors"), "{\"__metadata__\":{\"k\":\"" + "x".repeat(20 << 20) + "\"}}");
        e = assertThrows(SafetensorsException.class, () -> Safetensors.readMetadata(large));
        assertTrue(e.getMessage().contains("over the limit of 16777216 bytes"), e.getMessage());
    }

    /** A safetensors file with this header and no data. */
    private static Path raw(Path file, String header) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Files.write(file, b.array());
        return file;
    }

    @Test
    void theHeapCheckCountsActivationsAndARefusedRunLeavesNothing(@TempDir Path dir) throws Exception {
        // Full batch over 6 384 sequences: the parameters take a fifth of a 4 GiB heap, the activations
        // and their gradients more than all of it.
        String json = """
                {"name":"wide","task":{"type":"modular","p":113,"trainFraction":0.5},
                 "model":{"dModel":2048,"heads":4,"dMlp":8192},"train":{"steps":1}}""";
        ExperimentSpec spec = ConfigLoader.parse(json, false, "test");
        TokenizedDataset data = spec.task().generate(0);
        ModelConfig model = spec.model().withData(data.vocabSize(), data.outputVocabSize(), data.contextLength());
        long heap = Runtime.getRuntime().maxMemory();
        long parameterBytes = 16L * ParamLayout.of(model).size();
        long activationBytes = 8L * Transformer.activationFloats(model, Trainer.maxBatch(spec.train(), data));
        assumeTrue(parameterBytes < heap / 2 && activationBytes > heap, "sized for a heap of about 4 GiB");

        Path out = dir.resolve("runs").resolve("wide");
        assertOneLineError(cli.run("train", write(dir, "wide.json", json).toString(), "--out", out.toString(), "--quiet"),
                "sequences need", "activations, their gradients and workspace",
                "lower train.batchSize and train.evalBatchSize");
        assertFalse(Files.exists(dir.resolve("runs")), "a refused run leaves no directory");

        // In a sweep too: the refused run's directory is gone, so it counts as new next time.
        write(dir, "base.json", json);
        Path sweepOut = dir.resolve("sweep");
        assertEquals(1, cli.run("sweep", write(dir, "s.yaml", "base: base.json\ngrid: {train.seed: [0]}\n").toString(),
                "--out", sweepOut.toString(), "--quiet"));
        assertTrue(cli.err().contains("activations, their gradients and workspace"), cli.err());
        try (Stream<Path> s = Files.list(sweepOut)) {
            assertEquals(List.of("s.sweep.json"), s.map(p -> p.getFileName().toString()).toList(),
                    "only the sweep's list of runs");
        }
    }
}
