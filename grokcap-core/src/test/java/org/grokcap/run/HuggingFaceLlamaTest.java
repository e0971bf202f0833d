package org.grokcap.run;

import org.grokcap.Grokcap;
import org.grokcap.io.Json;
import org.grokcap.model.Architecture;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.ParamLayout;
import org.grokcap.model.Safetensors;
import org.grokcap.util.BadInputException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Export to Hugging Face Llama names and back: a forward pass written out in plain PyTorch after
 * transformers' modeling_llama.py (rotate_half rotary positions, RMSNorm, SwiGLU) rebuilds the
 * exported model from its tensor names and config fields and reproduces grokcap's logits; import
 * returns the same parameters bit for bit.
 */
class HuggingFaceLlamaTest {
    /**
     * Two Llama-style layers trained a few steps (so the RMSNorm gains are no longer ones) on a task
     * with fewer output classes (7) than input tokens (9), so lm_head is padded; "a op b =" gives four
     * positions for the rotary angles to differ over.
     */
    private static final String LLAMA = """
            {"name":"llama","task":{"type":"modular","p":7,"operation":"x*y","format":"a op b =","trainFraction":0.5},
             "model":{"architecture":"llama","layers":2,"dModel":16,"heads":2,"dMlp":24},
             "train":{"steps":30,"optimizer":{"lr":0.01,"weightDecay":0.01}}}""";

    private static Path trainAndExport(Path dir) {
        RunResult r = Grokcap.train(HuggingFaceGpt2Test.spec(LLAMA), RunOptions.defaults().withOutDir(dir.resolve("run")));
        Path export = dir.resolve("hf");
        assertEquals(r.runDir().resolve(RunDirectory.WEIGHTS), Grokcap.exportLlama(r.runDir(), export));
        return export;
    }

    @Test
    void pytorchRebuildsTheExportAndReproducesTheLogits(@TempDir Path dir) throws Exception {
        String python = HuggingFaceGpt2Test.torchPython();
        Path export = trainAndExport(dir);
        HuggingFaceGpt2Test.TestLogits ours = HuggingFaceGpt2Test.grokcapTestLogits(HuggingFaceGpt2Test.spec(LLAMA),
                dir.resolve("run").resolve(RunDirectory.WEIGHTS));
        JsonNode out = HuggingFaceGpt2Test.torchLogits(python, "llama_logits.py", export, ours, dir);
        JsonNode theirs = out.get("logits");
        int vOut = ours.logits()[0].length;
        int vocab = Json.mapper().readTree(export.resolve(HuggingFaceGpt2.CONFIG).toFile()).get("vocab_size").intValue();
        assertEquals(7, vOut);
        assertEquals(9, vocab);
        for (JsonNode row : theirs) {
            assertEquals(vocab, row.size(), "lm_head has vocab_size rows");
            for (int v = vOut; v < vocab; v++) {
                assertEquals(0.0, row.get(v).asDouble(), "the padding rows give logit 0");
            }
        }
        HuggingFaceGpt2Test.assertSameLogits(ours, theirs);
        if (out.has("transformers_logits")) { // only where transformers is installed
            HuggingFaceGpt2Test.assertSameLogits(ours, out.get("transformers_logits"));
        }
    }

    @Test
    void importGivesBackTheSameModelBitForBit(@TempDir Path dir) throws Exception {
        Path export = trainAndExport(dir);
        float[] original = HuggingFaceGpt2Test.assertImportGivesBackTheRun(dir, export, Grokcap::importLlama);

        // The tensors themselves: q|k|v and gate|up split by rows, nothing transposed.
        Map<String, Safetensors.Tensor> hf = Safetensors.read(export.resolve(HuggingFaceGpt2.WEIGHTS)).tensors();
        ModelConfig cfg = HuggingFaceLlama.importModel(export).config();
        ParamLayout layout = ParamLayout.of(cfg);
        ParamLayout.Tensor qkv = layout.get("layers.1.attn.qkv.weight");
        assertEquals(original[qkv.offset() + 16 * 16 + 3], hf.get("model.layers.1.self_attn.k_proj.weight").data()[3]);
        ParamLayout.Tensor fc = layout.get("layers.0.mlp.fc.weight");
        assertEquals(original[fc.offset() + 24 * 16 + 17], hf.get("model.layers.0.mlp.up_proj.weight").data()[17]);
    }

    private static ModelConfig llama(int V, int Vout, Integer layerRepeats, Double attentionScale, Boolean headSizeScale) {
        return new ModelConfig(V, Vout, 5, 2, 8, 2, 12, null, null, null, null, null, attentionScale, null, layerRepeats,
                Architecture.LLAMA, null, headSizeScale);
    }

    @Test
    void optionsALlamaCannotExpressAreRefusedByName(@TempDir Path dir) {
        Map<ModelConfig, String> refused = new LinkedHashMap<>();
        refused.put(llama(10, 10, 2, null, null), "model.layerRepeats = 2: ");
        refused.put(llama(10, 10, null, 0.5, null), "model.attentionScale = 0.5: ");
        refused.put(llama(10, 10, null, null, true), "model.headSizeAttentionScale = true: ");
        refused.put(new ModelConfig(10, 10, 5, 1, 8, 2, 12, null, null, null, null, null, null, null),
                "model.architecture = gpt: ");
        for (Map.Entry<ModelConfig, String> e : refused.entrySet()) {
            Path out = dir.resolve("x");
            BadInputException ex = assertThrows(BadInputException.class,
                    () -> HuggingFaceLlama.export(e.getKey(), HuggingFaceGpt2Test.randomParams(e.getKey(), false), out, Map.of()));
            assertTrue(ex.getMessage().startsWith(e.getValue()), ex.getMessage());
            assertFalse(ex.getMessage().contains("\n"));
            assertFalse(Files.exists(out), "nothing written");
        }
    }

    @Test
    void aPlainHuggingFaceLlamaImports(@TempDir Path dir) throws Exception {
        // Llama as transformers saves a tied model: no lm_head, a config with LlamaConfig's fields only
        // (rope_theta and num_key_value_heads left to their defaults), and an old rotary buffer.
        ModelConfig cfg = llama(10, 10, null, null, null);
        float[] params = HuggingFaceGpt2Test.randomParams(cfg, true);
        Path full = dir.resolve("full");
        HuggingFaceLlama.export(cfg, params, full, Map.of());
        Path plain = dir.resolve("plain");
        Files.createDirectories(plain);
        List<Safetensors.Tensor> tensors = new ArrayList<>();
        for (Safetensors.Tensor t : Safetensors.read(full.resolve(HuggingFaceGpt2.WEIGHTS)).tensors().values()) {
            if (!t.name().equals("lm_head.weight")) {
                tensors.add(t);
            }
        }
        tensors.add(new Safetensors.Tensor("model.layers.0.self_attn.rotary_emb.inv_freq", new int[]{2}, new float[]{1f, 0.01f}));
        Safetensors.write(plain.resolve(HuggingFaceGpt2.WEIGHTS), tensors, Map.of("format", "pt"));
        Files.writeString(plain.resolve(HuggingFaceGpt2.CONFIG), """
                {"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":10,"hidden_size":8,
                 "intermediate_size":12,"num_hidden_layers":2,"num_attention_heads":2,"max_position_embeddings":5,
                 "hidden_act":"silu","rms_norm_eps":1e-05,"tie_word_embeddings":true}""");
        HuggingFaceGpt2.Imported back = HuggingFaceLlama.importModel(plain);
        assertEquals(cfg, back.config());
        assertArrayEquals(params, back.params());
    }

    @Test
    void aDamagedOrForeignExportIsNamed(@TempDir Path dir) throws Exception {
        ModelConfig cfg = llama(10, 8, null, null, null);
        Path export = dir.resolve("hf");
        HuggingFaceLlama.export(cfg, HuggingFaceGpt2Test.randomParams(cfg, false), export, Map.of());
        Path file = export.resolve(HuggingFaceGpt2.WEIGHTS);
        Path configFile = export.resolve(HuggingFaceGpt2.CONFIG);
        Safetensors.Contents c = Safetensors.read(file);

        // gate_proj written (in, out)
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>(c.tensors());
        String gate = "model.layers.1.mlp.gate_proj.weight";
        tensors.put(gate, new Safetensors.Tensor(gate, new int[]{8, 12}, new float[8 * 12]));
        Safetensors.write(file, List.copyOf(tensors.values()), c.metadata());
        BadInputException e = assertThrows(BadInputException.class, () -> HuggingFaceLlama.importModel(export));
        assertEquals(file + ": tensor '" + gate + "': expected shape [12, 8], found [8, 12]", e.getMessage());

        // a padding row of lm_head that is not zero: grokcap's 8 output classes would drop it
        tensors = new LinkedHashMap<>(c.tensors());
        float[] head = c.tensors().get("lm_head.weight").data().clone();
        head[9 * 8 + 2] = 0.5f;
        tensors.put("lm_head.weight", new Safetensors.Tensor("lm_head.weight", new int[]{10, 8}, head));
        Safetensors.write(file, List.copyOf(tensors.values()), c.metadata());
        e = assertThrows(BadInputException.class, () -> HuggingFaceLlama.importModel(export));
        assertTrue(e.getMessage().startsWith(file + ": tensor 'lm_head.weight' is not zero (element 74 = 0.5)"), e.getMessage());
        Safetensors.write(file, List.copyOf(c.tensors().values()), c.metadata());

        ObjectNode config = (ObjectNode) Json.mapper().readTree(configFile.toFile());
        Map<String, Object[]> foreign = new LinkedHashMap<>();
        foreign.put("num_key_value_heads", new Object[]{1, "num_key_value_heads = 1: "});
        foreign.put("rms_norm_eps", new Object[]{1e-6, "rms_norm_eps = 1.0E-6: "});
        foreign.put("rope_theta", new Object[]{500000.0, "rope_theta = 500000.0: "});
        foreign.put("hidden_act", new Object[]{"gelu", "hidden_act = \"gelu\": "});
        foreign.put("mlp_bias", new Object[]{true, "mlp_bias = true: "});
        foreign.put("grokcap_model", new Object[]{((ObjectNode) config.get("grokcap_model")).deepCopy().put("dModel", 16),
                "hidden_size = 8 but grokcap_model says 16"});
        for (Map.Entry<String, Object[]> f : foreign.entrySet()) {
            ObjectNode changed = config.deepCopy();
            changed.set(f.getKey(), Json.mapper().valueToTree(f.getValue()[0]));
            Json.writePretty(configFile, changed);
            e = assertThrows(BadInputException.class, () -> HuggingFaceLlama.importModel(export), f.getKey());
            assertTrue(e.getMessage().startsWith(configFile + ": " + f.getValue()[1]), e.getMessage());
        }
    }
}
