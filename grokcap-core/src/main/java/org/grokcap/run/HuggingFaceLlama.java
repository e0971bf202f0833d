package org.grokcap.run;

import org.grokcap.io.Json;
import org.grokcap.kernels.RmsNorm;
import org.grokcap.kernels.Rotary;
import org.grokcap.model.Architecture;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.ParamLayout;
import org.grokcap.model.ParamNames;
import org.grokcap.model.Safetensors;
import org.grokcap.config.ConfigException;
import org.grokcap.util.BadInputException;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * grokcap's Llama-style decoder as a Hugging Face Llama checkpoint ({@code model.safetensors} +
 * {@code config.json}, the tensor names and config fields of {@code transformers}'
 * {@code LlamaForCausalLM}) and back.
 *
 * <p>The conventions, each the same on both sides, so no tensor is transposed or permuted:
 * <ul>
 *   <li>Linear weights are (out, in) in grokcap and in {@code nn.Linear}.</li>
 *   <li>grokcap fuses q|k|v into one (3C, C) matrix with the heads contiguous inside each part; rows
 *       [0, C), [C, 2C), [2C, 3C) are {@code q_proj}, {@code k_proj}, {@code v_proj}.</li>
 *   <li>Rotary positions rotate halves (channel i of a head pairs with i + hs/2, Hugging Face's
 *       {@code rotate_half}) with base 10000, so the q and k rows need none of the permutation
 *       {@code convert_llama_weights_to_hf} applies to Meta's interleaved checkpoints.</li>
 *   <li>RMSNorm is x / √(mean(x²) + 1e-5) · weight, the weight multiplying after the normalisation.</li>
 *   <li>The SwiGLU projection is fused gate|up, (2M, C): rows [0, M) are {@code gate_proj}, rows
 *       [M, 2M) {@code up_proj}; the MLP computes down(silu(gate(x)) · up(x)).</li>
 *   <li>The unembedding is untied ({@code tie_word_embeddings: false}); q·k is scaled by 1/√(head size).</li>
 * </ul>
 * One difference is recorded in config.json: a task whose output classes are fewer than its input
 * tokens (Vout &lt; V, e.g. 97 residues and an extra "=") has an unembedding of Vout rows, while
 * {@code LlamaForCausalLM}'s {@code lm_head} has vocab_size rows. The export pads {@code lm_head}
 * with zero rows (logit 0 for tokens that are never targets) and writes
 * {@code grokcap_output_vocab_size}; the first Vout logits are grokcap's, and import drops the
 * padding after checking it is zero. {@code grokcap_model} holds the whole model config.
 *
 * <p>Options Llama has no equivalent for are refused with the option named: layerRepeats (parameter
 * sharing), attentionScale and headSizeAttentionScale (a factor on q·k other than 1/√(head size)).
 */
public final class HuggingFaceLlama {
    private static final String PREFIX = "model.";
    private static final String LM_HEAD = "lm_head.weight";
    private static final String EMBED = PREFIX + "embed_tokens.weight";

    private HuggingFaceLlama() {}

    /**
     * A block of rows of one grokcap tensor and the Hugging Face tensor holding them: grokcap rows
     * [firstRow, firstRow + rows) of width cols; the Hugging Face tensor has hfRows ≥ rows rows, the
     * rest zero (lm_head's padding).
     */
    private record Mapping(String grokcap, int firstRow, int rows, String hf, int hfRows, int cols) {
        int[] hfShape() {
            return cols == 1 ? new int[]{hfRows} : new int[]{hfRows, cols};
        }
    }

    // ------------------------------------------------------------------------------------------ export

    /**
     * Writes model.safetensors and config.json into dir (created if needed), each atomically; bad input,
     * before anything is written, when cfg is not Llama-style, uses an option Llama cannot express, or
     * dir already holds an export.
     */
    public static void export(ModelConfig cfg, float[] params, Path dir, Map<String, String> metadata) throws IOException {
        requireExportable(cfg);
        HuggingFaceGpt2.requireNoExport(dir);
        ParamLayout layout = ParamLayout.of(cfg);
        List<Safetensors.Tensor> tensors = new ArrayList<>();
        for (Mapping m : mappings(cfg)) {
            float[] data = new float[m.hfRows() * m.cols()]; // rows past m.rows() stay zero
            System.arraycopy(params, layout.get(m.grokcap()).offset() + m.firstRow() * m.cols(), data, 0, m.rows() * m.cols());
            tensors.add(new Safetensors.Tensor(m.hf(), m.hfShape(), data));
        }
        HuggingFaceGpt2.write(dir, tensors, config(cfg), metadata);
    }

    /** Bad input naming the first option a Hugging Face Llama cannot express. */
    static void requireExportable(ModelConfig cfg) {
        if (!cfg.llama()) {
            throw new BadInputException("model.architecture = gpt: a Llama export takes architecture llama; export "
                    + "GPT-style models with --format gpt2");
        }
        if (cfg.layerRepeats() != 1) {
            throw new BadInputException("model.layerRepeats = " + cfg.layerRepeats() + ": the model shares its layers, "
                    + "and a Hugging Face Llama has no parameter sharing, so it cannot be exported as one");
        }
        if (cfg.attentionScale() != null) {
            throw new BadInputException("model.attentionScale = " + cfg.attentionScale() + ": a Hugging Face Llama "
                    + "scales q·k by 1/sqrt(head size) only, so this model cannot be exported as one");
        }
        if (cfg.headSizeAttentionScale()) {
            throw new BadInputException("model.headSizeAttentionScale = true: a Hugging Face Llama scales q·k by "
                    + "1/sqrt(head size) only, so this model cannot be exported as one");
        }
    }

    /** config.json: LlamaConfig's fields, then grokcap's output classes and its whole model config. */
    static Map<String, Object> config(ModelConfig cfg) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of("LlamaForCausalLM"));
        c.put("model_type", "llama");
        c.put("vocab_size", cfg.vocabSize());
        c.put("hidden_size", cfg.dModel());
        c.put("intermediate_size", cfg.dMlp());
        c.put("num_hidden_layers", cfg.layers());
        c.put("num_attention_heads", cfg.heads());
        c.put("num_key_value_heads", cfg.heads());
        c.put("head_dim", cfg.headSize());
        c.put("max_position_embeddings", cfg.contextLength());
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", Double.parseDouble(Float.toString(RmsNorm.EPS))); // 1e-5, not the float's 9.99999974e-6
        c.put("rope_theta", Rotary.BASE);
        c.put("rope_scaling", null);
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("attention_dropout", 0.0);
        c.put("pretraining_tp", 1);
        c.put("tie_word_embeddings", false);
        c.put("torch_dtype", "float32");
        c.put("grokcap_output_vocab_size", cfg.resolvedOutputVocab());
        c.put("grokcap_model", cfg);
        return c;
    }

    private static List<Mapping> mappings(ModelConfig cfg) {
        int C = cfg.dModel();
        int M = cfg.dMlp();
        int V = cfg.vocabSize();
        List<Mapping> m = new ArrayList<>();
        m.add(new Mapping(ParamNames.WTE, 0, V, EMBED, V, C));
        for (int l = 0; l < cfg.layers(); l++) {
            String h = PREFIX + "layers." + l + ".";
            m.add(new Mapping(ParamNames.ln1Weight(l), 0, C, h + "input_layernorm.weight", C, 1));
            m.add(new Mapping(ParamNames.qkvWeight(l), 0, C, h + "self_attn.q_proj.weight", C, C));
            m.add(new Mapping(ParamNames.qkvWeight(l), C, C, h + "self_attn.k_proj.weight", C, C));
            m.add(new Mapping(ParamNames.qkvWeight(l), 2 * C, C, h + "self_attn.v_proj.weight", C, C));
            m.add(new Mapping(ParamNames.attnProjWeight(l), 0, C, h + "self_attn.o_proj.weight", C, C));
            m.add(new Mapping(ParamNames.ln2Weight(l), 0, C, h + "post_attention_layernorm.weight", C, 1));
            m.add(new Mapping(ParamNames.mlpFcWeight(l), 0, M, h + "mlp.gate_proj.weight", M, C));
            m.add(new Mapping(ParamNames.mlpFcWeight(l), M, M, h + "mlp.up_proj.weight", M, C));
            m.add(new Mapping(ParamNames.mlpProjWeight(l), 0, C, h + "mlp.down_proj.weight", C, M));
        }
        m.add(new Mapping(ParamNames.LNF_WEIGHT, 0, C, PREFIX + "norm.weight", C, 1));
        m.add(new Mapping(ParamNames.UNEMBED_WEIGHT, 0, cfg.resolvedOutputVocab(), LM_HEAD, V, C));
        return m;
    }

    // ------------------------------------------------------------------------------------------ import

    /**
     * Reads a Llama checkpoint directory (config.json + model.safetensors): one written by
     * {@link #export}, or a plain Hugging Face Llama with grokcap's conventions (as many key/value heads
     * as heads, rms_norm_eps 1e-5, rope_theta 10000, no rope scaling, no biases); lm_head may be absent
     * when tie_word_embeddings is true, and rotary_emb.inv_freq buffers are ignored. Every problem is
     * bad input naming the file and the field or tensor.
     */
    public static HuggingFaceGpt2.Imported importModel(Path dir) throws IOException {
        Path configFile = dir.resolve(HuggingFaceGpt2.CONFIG);
        Path weightsFile = dir.resolve(HuggingFaceGpt2.WEIGHTS);
        HuggingFaceGpt2.requireFiles(dir, "Llama");
        JsonNode root = HuggingFaceGpt2.readJson(configFile);
        ModelConfig cfg = readConfig(configFile, root);
        boolean tied = root.path("tie_word_embeddings").asBoolean(false);
        long needed = 0;
        for (Mapping m : mappings(cfg)) {
            if (!(tied && m.hf().equals(LM_HEAD))) {
                needed += Float.BYTES * Safetensors.elements(m.hfShape());
            }
        }
        HuggingFaceGpt2.requireWeightsHoldConfig(cfg, needed, configFile, weightsFile);
        Map<String, Safetensors.Tensor> byName = new LinkedHashMap<>();
        for (Safetensors.Tensor t : HuggingFaceGpt2.readTensors(weightsFile).values()) {
            if (!t.name().endsWith(".rotary_emb.inv_freq")) { // a buffer older transformers versions saved
                byName.put(t.name(), t);
            }
        }
        if (tied) {
            if (byName.containsKey(LM_HEAD)) {
                throw new BadInputException(weightsFile + ": holds '" + LM_HEAD + "' but " + HuggingFaceGpt2.CONFIG
                        + " says tie_word_embeddings = true");
            }
            Safetensors.Tensor wte = byName.get(EMBED);
            if (wte != null) {
                byName.put(LM_HEAD, new Safetensors.Tensor(LM_HEAD, wte.shape(), wte.data()));
            }
        }
        ParamLayout layout = ParamLayout.of(cfg);
        float[] params = new float[layout.size()];
        for (Mapping m : mappings(cfg)) {
            Safetensors.Tensor t = HuggingFaceGpt2.take(byName, m.hf(), m.hfShape(), weightsFile);
            HuggingFaceGpt2.requireZero(weightsFile, t, m.rows() * m.cols()); // lm_head's padding rows
            System.arraycopy(t.data(), 0, params, layout.get(m.grokcap()).offset() + m.firstRow() * m.cols(),
                    m.rows() * m.cols());
        }
        if (!byName.isEmpty()) {
            throw new BadInputException(weightsFile + ": unexpected tensor '" + byName.keySet().iterator().next()
                    + "' for this config (" + HuggingFaceGpt2.CONFIG + " says " + cfg.layers() + " layers)");
        }
        return new HuggingFaceGpt2.Imported(cfg, params);
    }

    /**
     * The grokcap model config.json describes: LlamaConfig's fields, checked against grokcap's fixed
     * conventions; grokcap_model, when present, must agree with them and is returned (it keeps what
     * LlamaConfig has no field for, such as the init scheme).
     */
    static ModelConfig readConfig(Path file, JsonNode root) {
        String type = HuggingFaceGpt2.text(file, root, "model_type", "llama");
        if (!type.equals("llama")) {
            throw new BadInputException(file + ": model_type = \"" + type + "\": a Llama import needs llama");
        }
        int vocab = HuggingFaceGpt2.integer(file, root, "vocab_size");
        int hidden = HuggingFaceGpt2.integer(file, root, "hidden_size");
        int heads = HuggingFaceGpt2.integer(file, root, "num_attention_heads");
        if (root.has("num_key_value_heads") && HuggingFaceGpt2.integer(file, root, "num_key_value_heads") != heads) {
            throw new BadInputException(file + ": num_key_value_heads = " + root.get("num_key_value_heads")
                    + ": grokcap's attention has as many key/value heads as heads (" + heads + "); grouped-query attention is not supported");
        }
        if (heads > 0 && root.has("head_dim") && !root.get("head_dim").isNull()
                && HuggingFaceGpt2.integer(file, root, "head_dim") * heads != hidden) {
            throw new BadInputException(file + ": head_dim = " + root.get("head_dim") + ": grokcap's head size is "
                    + "hidden_size / num_attention_heads");
        }
        String act = HuggingFaceGpt2.text(file, root, "hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new BadInputException(file + ": hidden_act = \"" + act + "\": grokcap's SwiGLU uses silu");
        }
        double eps = root.path("rms_norm_eps").asDouble(1e-6); // LlamaConfig's default
        if ((float) eps != RmsNorm.EPS) {
            throw new BadInputException(file + ": rms_norm_eps = " + eps + ": grokcap's RMSNorm uses " + RmsNorm.EPS);
        }
        double theta = root.path("rope_theta").asDouble(Rotary.BASE);
        if (theta != Rotary.BASE) {
            throw new BadInputException(file + ": rope_theta = " + theta + ": grokcap's rotary positions use " + Rotary.BASE);
        }
        if (root.has("rope_scaling") && !root.get("rope_scaling").isNull()) {
            throw new BadInputException(file + ": rope_scaling = " + root.get("rope_scaling")
                    + ": grokcap's rotary positions have no scaling; it must be null");
        }
        for (String bias : List.of("attention_bias", "mlp_bias")) {
            if (root.path(bias).asBoolean(false)) {
                throw new BadInputException(file + ": " + bias + " = true: grokcap's Llama-style model has no biases");
            }
        }
        JsonNode out = root.get("grokcap_output_vocab_size");
        int outputVocab = out == null ? vocab : HuggingFaceGpt2.integer(file, root, "grokcap_output_vocab_size");
        if (outputVocab > vocab) {
            throw new BadInputException(file + ": grokcap_output_vocab_size = " + outputVocab + ": at most vocab_size ("
                    + vocab + ")");
        }
        ModelConfig cfg;
        try {
            cfg = new ModelConfig(vocab, outputVocab, HuggingFaceGpt2.integer(file, root, "max_position_embeddings"),
                    HuggingFaceGpt2.integer(file, root, "num_hidden_layers"), hidden, heads,
                    HuggingFaceGpt2.integer(file, root, "intermediate_size"), null, null, null, null, null, null, null,
                    null, Architecture.LLAMA, null, null);
        } catch (ConfigException e) {
            throw new BadInputException(file + ": " + e.getMessage(), e);
        }
        if (!(root.get("grokcap_model") instanceof ObjectNode g)) {
            return cfg;
        }
        ModelConfig recorded;
        try {
            recorded = Json.mapper().treeToValue(g, ModelConfig.class);
        } catch (ConfigException e) {
            throw new BadInputException(file + ": grokcap_model: " + e.getMessage(), e);
        } catch (JacksonException e) {
            throw new BadInputException(file + ": grokcap_model: " + e.getOriginalMessage(), e);
        }
        if (!recorded.llama() || recorded.layerRepeats() != 1) {
            throw new BadInputException(file + ": grokcap_model is not a Llama-style model without layer sharing");
        }
        Object[][] pairs = {{"vocab_size", recorded.vocabSize(), cfg.vocabSize()},
                {"grokcap_output_vocab_size", recorded.resolvedOutputVocab(), cfg.resolvedOutputVocab()},
                {"max_position_embeddings", recorded.contextLength(), cfg.contextLength()},
                {"num_hidden_layers", recorded.layers(), cfg.layers()}, {"hidden_size", recorded.dModel(), cfg.dModel()},
                {"num_attention_heads", recorded.heads(), cfg.heads()}, {"intermediate_size", recorded.dMlp(), cfg.dMlp()}};
        for (Object[] p : pairs) {
            if (!p[1].equals(p[2])) {
                throw new BadInputException(file + ": " + p[0] + " = " + p[2] + " but grokcap_model says " + p[1]);
            }
        }
        return recorded;
    }

    // -------------------------------------------------------------------------------------------- runs

    /**
     * Exports a run's newest parameters (final weights, else newest checkpoint) as a Hugging Face
     * Llama checkpoint: outDir/model.safetensors and outDir/config.json. Returns the file they came from.
     */
    public static Path exportRun(Path runDir, Path outDir) {
        return HuggingFaceGpt2.exportRun(runDir, outDir, true, HuggingFaceLlama::export);
    }

    /**
     * Imports a Hugging Face Llama checkpoint directory as a grokcap weights file, with the model config
     * in its metadata (key "model"), as {@link HuggingFaceGpt2#importToWeights} does for GPT-2.
     */
    public static HuggingFaceGpt2.Imported importToWeights(Path hfDir, Path weightsFile) {
        return HuggingFaceGpt2.importToWeights(hfDir, weightsFile, HuggingFaceLlama::importModel);
    }
}
