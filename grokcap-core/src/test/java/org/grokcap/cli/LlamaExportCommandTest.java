package org.grokcap.cli;

import org.grokcap.io.Json;
import org.grokcap.model.ParamLayout;
import org.grokcap.model.Safetensors;
import org.grokcap.run.RunDirectory;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** grokcap export --format llama and grokcap import of the result, and the formats refusing the other style's runs. */
class LlamaExportCommandTest {
    private static final String LLAMA = """
            {"name":"tiny-llama","task":{"type":"modular","p":7,"trainFraction":0.5},
             "model":{"architecture":"llama","layers":1,"dModel":16,"heads":2,"dMlp":24},
             "train":{"steps":10,"batchSize":4,"evalEvery":5}}""";

    private final CommandRun cli = new CommandRun();

    private Path train(Path dir, String name, String json) throws Exception {
        Path config = dir.resolve(name + ".json");
        Files.writeString(config, json);
        Path run = dir.resolve(name);
        assertEquals(0, cli.run("train", config.toString(), "--out", run.toString(), "--quiet"), cli.err());
        return run;
    }

    private void assertOneLineError(int exit, String fragment) {
        assertEquals(2, exit, cli.err());
        String e = cli.err().strip();
        assertFalse(e.contains("\n"), "one line: " + e);
        assertTrue(e.contains(fragment), "'" + fragment + "' in: " + e);
    }

    @Test
    void exportAsLlamaThenImportGivesTheRunsParameters(@TempDir Path dir) throws Exception {
        Path run = train(dir, "llama", LLAMA);
        Path hf = dir.resolve("hf");
        assertEquals(0, cli.run("export", run.toString(), "--out", hf.toString(), "--format", "llama"), cli.err());
        JsonNode exported = cli.lastJsonLine();
        assertEquals("llama", exported.get("format").asText());
        assertEquals("LlamaForCausalLM", Json.mapper().readTree(hf.resolve("config.json").toFile()).get("architectures").get(0).asText());

        Path imported = dir.resolve("imported.safetensors");
        assertEquals(0, cli.run("import", hf.toString(), "--out", imported.toString()), cli.err());
        JsonNode json = cli.lastJsonLine();
        assertEquals("llama", json.get("format").asText());
        assertEquals("llama", json.get("model").get("architecture").asText());

        Path weights = run.resolve(RunDirectory.WEIGHTS);
        ExperimentSpec spec = ConfigLoader.parse(Safetensors.readMetadata(weights).get("config"), false, "meta");
        ParamLayout layout = ParamLayout.of(spec.model());
        float[] original = new float[layout.size()];
        float[] back = new float[layout.size()];
        Safetensors.readInto(weights, layout, original);
        Safetensors.readInto(imported, layout, back);
        assertArrayEquals(original, back);

        assertOneLineError(cli.run("export", run.toString(), "--out", dir.resolve("x").toString()),
                "holds a Llama-style model; export it with --format llama");
        assertOneLineError(cli.run("export", run.toString(), "--out", dir.resolve("x").toString(), "--format", "gguf"),
                "--format gguf: must be gpt2 or llama");
    }

    @Test
    void aGptRunIsNotExportedAsLlama(@TempDir Path dir) throws Exception {
        Path run = train(dir, "gpt", NoSilentWrongResultsTest.TINY);
        assertOneLineError(cli.run("export", run.toString(), "--out", dir.resolve("x").toString(), "--format", "llama"),
                "holds a GPT-style model; export it with --format gpt2");
        assertFalse(Files.exists(dir.resolve("x")));
    }
}
