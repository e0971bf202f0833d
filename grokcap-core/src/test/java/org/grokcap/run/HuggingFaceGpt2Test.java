package org.grokcap.run;

import org.grokcap.io.Json;

import org.grokcap.model.Safetensors;

import org.grokcap.run.HuggingFaceGpt2;

import org.grokcap.run.RunDirectory;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.util.BadInputException;
import org.grokcap.Grokcap;
import org.grokcap.run.RunOptions;
import org.grokcap.run.RunResult;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.ParamLayout;
import org.grokcap.model.Transformer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Export to Hugging Face GPT-2 names and back: PyTorch (Debian's python3-torch, with a hand-written
 * safetensors reader) rebuilds the exported model and reproduces grokcap's logits; import returns
 * the same parameters bit for bit.
 */
class HuggingFaceGpt2Test {
    /** The grokking papers' model: no LayerNorm, ReLU, no attention biases, untied unembedding without bias. */
    private static final String NANDA = """
            {"name":"nanda","task":{"type":"modular","p":7,"trainFraction":0.5},
             "model":{"dModel":16,"heads":2,"dMlp":32},"train":{"steps":30}}""";
    /** GPT-2 proper, with every bias, an unembedding bias and a scale of its own. */
    private static final String GPT2 = """
            {"name":"gpt2","task":{"type":"modular","p":7,"operation":"x*y","format":"a op b =","trainFraction":0.5},
             "model":{"layers":2,"dModel":16,"heads":4,"dMlp":24,"activation":"gelu","layerNorm":true,
                      "attentionBias":true,"mlpBias":true,"unembedBias":true,"attentionScale":0.3,"init":"gpt2"},
             "train":{"steps":30,"optimizer":{"lr":0.01,"weightDecay":0.01}}}""";

    static ExperimentSpec spec(String json) {
        return ConfigLoader.parse(json, false, "test");
    }

    private static Path trainAndExport(String json, Path dir) {
        RunResult r = Grokcap.train(spec(json), RunOptions.defaults().withOutDir(dir.resolve("run")));
        Path export = dir.resolve("hf");
        assertEquals(r.runDir().resolve(RunDirectory.WEIGHTS), Grokcap.exportGpt2(r.runDir(), export));
        return export;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nanda", "gpt2"})
    void pytorchRebuildsTheExportAndReproducesTheLogits(String which, @TempDir Path dir) throws Exception {
        String python = torchPython();
        String json = which.equals("nanda") ? NANDA : GPT2;
        Path export = trainAndExport(json, dir);
        TestLogits ours = grokcapTestLogits(spec(json), dir.resolve("run").resolve(RunDirectory.WEIGHTS));
        JsonNode theirs = torchLogits(python, "gpt2_logits.py", export, ours, dir).get("logits");
        assertEquals(ours.logits()[0].length, theirs.get(0).size(), "lm_head has the output classes' rows");
        assertSameLogits(ours, theirs);
    }

    /** grokcap's logits (B, Vout) at the target (last) position of each test sequence, and those sequences. */
    record TestLogits(List<List<Integer>> tokens, float[][] logits) {}

    /** The test split of spec's task through grokcap's reference model with the weights file's parameters. */
    static TestLogits grokcapTestLogits(ExperimentSpec spec, Path weights) throws IOException {
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        ModelConfig cfg = spec.model().withData(data.vocabSize(), data.outputVocabSize(), data.contextLength());
        Split test = data.split("test");
        Transformer model = new Transformer(new ReferenceDevice(), cfg, test.size());
        Safetensors.readInto(weights, model.layout(), model.params().host());
        model.setBatch(test.tokens(), test.targets(), 0, test.size());
        model.forward();
        assertEquals(test.size(), model.targetCount(), "one target per sequence, at its last position");
        int vOut = cfg.resolvedOutputVocab();
        int T = data.contextLength();
        List<List<Integer>> tokens = new ArrayList<>();
        float[][] logits = new float[test.size()][vOut];
        for (int b = 0; b < test.size(); b++) {
            List<Integer> seq = new ArrayList<>();
            for (int t = 0; t < T; t++) {
                seq.add(test.tokens()[b * T + t]);
            }
            tokens.add(seq);
            System.arraycopy(model.logits().host(), model.logits().offset() + b * vOut, logits[b], 0, vOut);
        }
        return new TestLogits(tokens, logits);
    }

    /**
     * The JSON the resource script (under /hf/) prints for ours' sequences and the export; gpt2_logits.py
     * is copied beside it, as the others import its safetensors reader.
     */
    static JsonNode torchLogits(String python, String scriptName, Path export, TestLogits ours, Path dir) throws Exception {
        Path tokensFile = dir.resolve("tokens.json");
        Files.writeString(tokensFile, Json.mapper().writeValueAsString(Map.of("tokens", ours.tokens())));
        for (String name : List.of("gpt2_logits.py", scriptName)) {
            try (InputStream in = HuggingFaceGpt2Test.class.getResourceAsStream("/hf/" + name)) {
                Files.write(dir.resolve(name), in.readAllBytes());
            }
        }
        Path script = dir.resolve(scriptName);
        return Json.mapper().readTree(runPython(python, script.toString(), export.toString(), tokensFile.toString()));
    }

    /** theirs (B, ≥ Vout) agrees with ours on the first Vout logits of each row, within float32 rounding. */
    static void assertSameLogits(TestLogits ours, JsonNode theirs) {
        assertEquals(ours.logits().length, theirs.size());
        double maxDiff = 0;
        double maxAbs = 0;
        for (int b = 0; b < ours.logits().length; b++) {
            for (int v = 0; v < ours.logits()[b].length; v++) {
                double a = ours.logits()[b][v];
                maxDiff = Math.max(maxDiff, Math.abs(a - theirs.get(b).get(v).asDouble()));
                maxAbs = Math.max(maxAbs, Math.abs(a));
            }
        }
        assertTrue(maxAbs > 0.1, "logits are not trivially zero: " + maxAbs);
        assertTrue(maxDiff <= 1e-5 * Math.max(1, maxAbs), "max |grokcap - torch| = " + maxDiff + " (max |logit| " + maxAbs + ")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nanda", "gpt2"})
    void importGivesBackTheSameModelBitForBit(String which, @TempDir Path dir) throws Exception {
        String json = which.equals("nanda") ? NANDA : GPT2;
        assertImportGivesBackTheRun(dir, trainAndExport(json, dir), Grokcap::importGpt2);
    }

    /**
     * Imports export (with importer, to dir/imported.safetensors) and checks it gives back the config and,
     * bit for bit, the parameters of the run in dir/run; returns those parameters.
     */
    static float[] assertImportGivesBackTheRun(Path dir, Path export,
                                               java.util.function.BiFunction<Path, Path, HuggingFaceGpt2.Imported> importer)
            throws IOException {
        Path weights = dir.resolve("run").resolve(RunDirectory.WEIGHTS);
        ExperimentSpec trained = ConfigLoader.parse(Safetensors.readMetadata(weights).get("config"), false, "meta");
        HuggingFaceGpt2.Imported back = importer.apply(export, dir.resolve("imported.safetensors"));
        assertEquals(trained.model(), back.config());
        float[] original = new float[ParamLayout.of(trained.model()).size()];
        Safetensors.readInto(weights, ParamLayout.of(trained.model()), original);
        assertArrayEquals(original, back.params());
        float[] written = new float[original.length];
        Safetensors.readInto(dir.resolve("imported.safetensors"), ParamLayout.of(back.config()), written);
        assertArrayEquals(original, written, "the imported weights file holds them too");
        return original;
    }

    @Test
    void aDamagedExportIsNamed(@TempDir Path dir) throws Exception {
        Path export = trainAndExport(GPT2, dir);
        Path file = export.resolve(HuggingFaceGpt2.WEIGHTS);
        Safetensors.Contents c = Safetensors.read(file);
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>(c.tensors());
        String name = "transformer.h.1.mlp.c_fc.weight";
        tensors.put(name, new Safetensors.Tensor(name, new int[]{24, 16}, new float[24 * 16])); // not transposed
        Safetensors.write(file, List.copyOf(tensors.values()), c.metadata());
        BadInputException e = assertThrows(BadInputException.class, () -> HuggingFaceGpt2.importModel(export));
        assertEquals(file + ": tensor '" + name + "': expected shape [16, 24], found [24, 16]", e.getMessage());

        Files.writeString(export.resolve(HuggingFaceGpt2.CONFIG), "{\"model_type\":\"mistral\"}");
        e = assertThrows(BadInputException.class, () -> HuggingFaceGpt2.importModel(export));
        assertTrue(e.getMessage().contains("model_type = \"mistral\": this reader takes gpt2"), e.getMessage());
    }

    @Test
    void aPlainHuggingFaceGpt2Imports(@TempDir Path dir) throws Exception {
        // GPT-2 as transformers saves it: names without "transformer.", lm_head tied to wte (absent),
        // the causal-mask buffers, and a config with GPT-2's fields only.
        ModelConfig cfg = new ModelConfig(10, 10, 4, 2, 8, 2, 32, org.grokcap.kernels.Activation.GELU, true, true, true,
                false, null, null);
        float[] params = randomParams(cfg, true);
        Path export = dir.resolve("full");
        HuggingFaceGpt2.export(cfg, params, export, Map.of());
        Path plain = dir.resolve("plain");
        Files.createDirectories(plain);
        List<Safetensors.Tensor> tensors = new ArrayList<>();
        for (Safetensors.Tensor t : Safetensors.read(export.resolve(HuggingFaceGpt2.WEIGHTS)).tensors().values()) {
            if (!t.name().equals("lm_head.weight")) {
                String name = t.name().substring("transformer.".length());
                tensors.add(new Safetensors.Tensor(name, t.shape(), t.data()));
            }
        }
        tensors.add(new Safetensors.Tensor("h.0.attn.bias", new int[]{1, 1, 4, 4}, new float[16]));
        Safetensors.write(plain.resolve(HuggingFaceGpt2.WEIGHTS), tensors, Map.of("format", "pt"));
        Files.writeString(plain.resolve(HuggingFaceGpt2.CONFIG), """
                {"model_type":"gpt2","vocab_size":10,"n_positions":4,"n_embd":8,"n_layer":2,"n_head":2,
                 "n_inner":null,"activation_function":"gelu_new","layer_norm_epsilon":1e-05}""");
        HuggingFaceGpt2.Imported back = HuggingFaceGpt2.importModel(plain);
        assertEquals(cfg, back.config());
        assertArrayEquals(params, back.params());
    }

    /** Gaussian parameters for cfg (seed 1); with tied, the unembedding a copy of the token embedding. */
    static float[] randomParams(ModelConfig cfg, boolean tied) {
        ParamLayout layout = ParamLayout.of(cfg);
        float[] params = new float[layout.size()];
        java.util.Random rnd = new java.util.Random(1);
        for (int i = 0; i < params.length; i++) {
            params[i] = (float) rnd.nextGaussian();
        }
        if (tied) {
            ParamLayout.Tensor wte = layout.get("wte");
            System.arraycopy(params, wte.offset(), params, layout.get("unembed.weight").offset(), wte.size());
        }
        return params;
    }

    /** /usr/bin/python3 when it imports torch; otherwise the test is skipped with the reason. */
    static String torchPython() throws Exception {
        String python = "/usr/bin/python3";
        Assumptions.assumeTrue(Files.isExecutable(Path.of(python)),
                "SKIPPED: " + python + " is absent; install Debian's python3-torch (.ci/run does) to run this check");
        String out = runPythonAllowingFailure(python, "-c", "import torch; print(torch.__version__)");
        Assumptions.assumeTrue(out != null, "SKIPPED: " + python + " cannot import torch; install Debian's python3-torch"
                + " (.ci/run does) to run this check");
        return python;
    }

    static String runPython(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
        assertEquals(0, p.exitValue(), "python failed: " + err);
        return out.strip();
    }

    private static String runPythonAllowingFailure(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
    }
}
