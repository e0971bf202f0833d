package org.grokcap.run;

import org.grokcap.model.SafetensorsException;

import org.grokcap.model.Safetensors;
import org.grokcap.train.ExperimentSpec;

import org.grokcap.io.Json;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.grokcap.util.BadInputException;
import org.grokcap.config.ConfigException;
import org.grokcap.kernels.Activation;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.ParamLayout;
import org.grokcap.model.ParamNames;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * grokcap's decoder as a Hugging Face GPT-2 checkpoint ({@code model.safetensors} + {@code config.json},
 * the tensor names and config fields of {@code transformers}' {@code GPT2LMHeadModel}) and back.
 *
 * <p>What maps one to one: token and position embeddings, pre-LayerNorm blocks (eps 1e-5), fused
 * q|k|v attention with heads contiguous, causal softmax scaled by 1/√(head size), GELU with the tanh
 * approximation ({@code gelu_new}), a final LayerNorm. Two layout facts: Hugging Face's
 * {@code Conv1D} stores its weight (in, out), the transpose of grokcap's (out, in) linear weights,
 * so {@code c_attn}, {@code c_proj}, {@code c_fc} are transposed both ways; {@code lm_head} is an
 * {@code nn.Linear}, (out, in), and is not tied to the token embedding here.
 *
 * <p>What GPT-2 cannot express is recorded as extra {@code grokcap_*} fields of config.json, so a
 * reader that honours them (like the PyTorch test of this class) rebuilds grokcap's exact model:
 * <ul>
 *   <li>{@code grokcap_layer_norm: false} — the grokking papers' model has no LayerNorm; the
 *       {@code ln_*} tensors are then absent (no GPT-2 LayerNorm is the identity).</li>
 *   <li>{@code grokcap_attention_bias}, {@code grokcap_mlp_bias: false} — exported as zero biases, which
 *       GPT-2 computes exactly like no bias; import checks they are zero.</li>
 *   <li>{@code grokcap_unembed_bias: true} — an extra {@code lm_head.bias}.</li>
 *   <li>{@code grokcap_output_vocab_size} — rows of {@code lm_head} when it differs from vocab_size.</li>
 *   <li>{@code grokcap_attention_scale} — the factor on q·k (GPT-2's is 1/√(n_embd/n_head)).</li>
 *   <li>{@code activation_function: "relu"} — a value {@code transformers} knows.</li>
 * </ul>
 * Llama-style models export as Hugging Face Llama instead ({@link HuggingFaceLlama}).
 */
public final class HuggingFaceGpt2 {
    public static final String WEIGHTS = "model.safetensors";
    public static final String CONFIG = "config.json";
    private static final String PREFIX = "transformer.";

    private HuggingFaceGpt2() {}

    /** A model read back: its config (sizes resolved) and its parameters in grokcap's layout. */
    public record Imported(ModelConfig config, float[] params) {}

    /** One grokcap tensor and its Hugging Face name; transposed for Conv1D weights; zeros when grokcap has none. */
    private record Mapping(String grokcap, String hf, int[] hfShape, boolean transpose) {}

    // ------------------------------------------------------------------------------------------ export

    /**
     * Writes model.safetensors and config.json into dir (created if needed), each atomically; bad input,
     * before anything is written, when dir already holds either file: an export is never overwritten.
     */
    public static void export(ModelConfig cfg, float[] params, Path dir, Map<String, String> metadata) throws IOException {
        requireNoExport(dir);
        if (cfg.layerRepeats() != 1) {
            throw new org.grokcap.util.BadInputException("the model shares its layers (layerRepeats = " + cfg.layerRepeats()
                    + "); a Hugging Face GPT-2 has no parameter sharing, so it cannot be exported as one");
        }
        ParamLayout layout = ParamLayout.of(cfg);
        List<Safetensors.Tensor> tensors = new ArrayList<>();
        for (Mapping m : mappings(cfg)) {
            float[] data = new float[Math.toIntExact(Safetensors.elements(m.hfShape()))];
            if (layout.has(m.grokcap())) {
                ParamLayout.Tensor t = layout.get(m.grokcap());
                if (m.transpose()) {
                    transpose(params, t.offset(), t.shape()[0], t.shape()[1], data);
                } else {
                    System.arraycopy(params, t.offset(), data, 0, t.size());
                }
            }
            tensors.add(new Safetensors.Tensor(m.hf(), m.hfShape(), data));
        }
        write(dir, tensors, config(cfg), metadata);
    }

    /** Bad input when dir already holds an export's file: an export is never overwritten. */
    static void requireNoExport(Path dir) {
        for (String f : List.of(WEIGHTS, CONFIG)) {
            if (Files.exists(dir.resolve(f), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new BadInputException("export directory " + dir + " already holds " + f
                        + " (an earlier export?); choose another --out");
            }
        }
    }

    /** Writes dir/model.safetensors (tensors, metadata after format "pt") and dir/config.json, each atomically. */
    static void write(Path dir, List<Safetensors.Tensor> tensors, Map<String, Object> config, Map<String, String> metadata)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt"); // what transformers expects of a PyTorch-layout safetensors file
        meta.putAll(metadata);
        Safetensors.write(dir.resolve(WEIGHTS), tensors, meta);
        Json.writePretty(dir.resolve(CONFIG), config);
    }

    /** config.json: GPT2Config's fields, then grokcap's differences. */
    static Map<String, Object> config(ModelConfig cfg) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of("GPT2LMHeadModel"));
        c.put("model_type", "gpt2");
        c.put("vocab_size", cfg.vocabSize());
        c.put("n_positions", cfg.contextLength());
        c.put("n_ctx", cfg.contextLength());
        c.put("n_embd", cfg.dModel());
        c.put("n_layer", cfg.layers());
        c.put("n_head", cfg.heads());
        c.put("n_inner", cfg.dMlp());
        c.put("activation_function", cfg.activation() == Activation.GELU ? "gelu_new" : "relu");
        c.put("layer_norm_epsilon", 1e-5);
        c.put("resid_pdrop", 0.0);
        c.put("embd_pdrop", 0.0);
        c.put("attn_pdrop", 0.0);
        c.put("scale_attn_weights", true);
        c.put("tie_word_embeddings", false);
        c.put("torch_dtype", "float32");
        c.put("grokcap_layer_norm", cfg.layerNorm());
        c.put("grokcap_attention_bias", cfg.attentionBias());
        c.put("grokcap_mlp_bias", cfg.mlpBias());
        c.put("grokcap_unembed_bias", cfg.unembedBias());
        c.put("grokcap_output_vocab_size", cfg.resolvedOutputVocab());
        c.put("grokcap_attention_scale", (double) cfg.resolvedAttentionScale());
        c.put("grokcap_model", cfg);
        return c;
    }

    private static List<Mapping> mappings(ModelConfig cfg) {
        int C = cfg.dModel();
        int M = cfg.dMlp();
        List<Mapping> m = new ArrayList<>();
        m.add(new Mapping(ParamNames.WTE, PREFIX + "wte.weight", new int[]{cfg.vocabSize(), C}, false));
        m.add(new Mapping(ParamNames.WPE, PREFIX + "wpe.weight", new int[]{cfg.contextLength(), C}, false));
        for (int l = 0; l < cfg.layers(); l++) {
            String h = PREFIX + "h." + l + ".";
            if (cfg.layerNorm()) {
                m.add(new Mapping(ParamNames.ln1Weight(l), h + "ln_1.weight", new int[]{C}, false));
                m.add(new Mapping(ParamNames.ln1Bias(l), h + "ln_1.bias", new int[]{C}, false));
            }
            m.add(new Mapping(ParamNames.qkvWeight(l), h + "attn.c_attn.weight", new int[]{C, 3 * C}, true));
            m.add(new Mapping(ParamNames.qkvBias(l), h + "attn.c_attn.bias", new int[]{3 * C}, false));
            m.add(new Mapping(ParamNames.attnProjWeight(l), h + "attn.c_proj.weight", new int[]{C, C}, true));
            m.add(new Mapping(ParamNames.attnProjBias(l), h + "attn.c_proj.bias", new int[]{C}, false));
            if (cfg.layerNorm()) {
                m.add(new Mapping(ParamNames.ln2Weight(l), h + "ln_2.weight", new int[]{C}, false));
                m.add(new Mapping(ParamNames.ln2Bias(l), h + "ln_2.bias", new int[]{C}, false));
            }
            m.add(new Mapping(ParamNames.mlpFcWeight(l), h + "mlp.c_fc.weight", new int[]{C, M}, true));
            m.add(new Mapping(ParamNames.mlpFcBias(l), h + "mlp.c_fc.bias", new int[]{M}, false));
            m.add(new Mapping(ParamNames.mlpProjWeight(l), h + "mlp.c_proj.weight", new int[]{M, C}, true));
            m.add(new Mapping(ParamNames.mlpProjBias(l), h + "mlp.c_proj.bias", new int[]{C}, false));
        }
        if (cfg.layerNorm()) {
            m.add(new Mapping(ParamNames.LNF_WEIGHT, PREFIX + "ln_f.weight", new int[]{C}, false));
            m.add(new Mapping(ParamNames.LNF_BIAS, PREFIX + "ln_f.bias", new int[]{C}, false));
        }
        m.add(new Mapping(ParamNames.UNEMBED_WEIGHT, "lm_head.weight", new int[]{cfg.resolvedOutputVocab(), C}, false));
        if (cfg.unembedBias()) {
            m.add(new Mapping(ParamNames.UNEMBED_BIAS, "lm_head.bias", new int[]{cfg.resolvedOutputVocab()}, false));
        }
        return m;
    }

    // ------------------------------------------------------------------------------------------ import

    /**
     * Reads a GPT-2 checkpoint directory (config.json + model.safetensors): one written by
     * {@link #export}, or a plain Hugging Face GPT-2 (names with or without "transformer.", lm_head
     * tied to wte when absent, attention-mask buffers ignored). Every problem is bad input naming the
     * file and the field or tensor.
     */
    public static Imported importModel(Path dir) throws IOException {
        Path configFile = dir.resolve(CONFIG);
        Path weightsFile = dir.resolve(WEIGHTS);
        requireFiles(dir, "GPT-2");
        ModelConfig cfg = readConfig(configFile);
        long needed = 0;
        for (Mapping m : mappings(cfg)) {
            if (!m.hf().equals("lm_head.weight")) {
                needed += Float.BYTES * Safetensors.elements(m.hfShape());
            }
        }
        requireWeightsHoldConfig(cfg, needed, configFile, weightsFile);
        Map<String, Safetensors.Tensor> byName = new LinkedHashMap<>();
        for (Safetensors.Tensor t : readTensors(weightsFile).values()) {
            String name = t.name().startsWith(PREFIX) || t.name().startsWith("lm_head.") ? t.name() : PREFIX + t.name();
            if (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias")) {
                continue; // the causal-mask buffers of older transformers versions, not parameters
            }
            byName.put(name, t);
        }
        if (!byName.containsKey("lm_head.weight") && byName.containsKey(PREFIX + "wte.weight")
                && cfg.resolvedOutputVocab() == cfg.vocabSize()) {
            Safetensors.Tensor wte = byName.get(PREFIX + "wte.weight");
            byName.put("lm_head.weight", new Safetensors.Tensor("lm_head.weight", wte.shape(), wte.data())); // tied
        }
        ParamLayout layout = ParamLayout.of(cfg);
        float[] params = new float[layout.size()];
        List<Mapping> mappings = mappings(cfg);
        for (Mapping m : mappings) {
            Safetensors.Tensor t = take(byName, m.hf(), m.hfShape(), weightsFile);
            if (!layout.has(m.grokcap())) {
                requireZero(weightsFile, t);
                continue;
            }
            ParamLayout.Tensor p = layout.get(m.grokcap());
            if (m.transpose()) {
                transpose(t.data(), 0, m.hfShape()[0], m.hfShape()[1], params, p.offset());
            } else {
                System.arraycopy(t.data(), 0, params, p.offset(), p.size());
            }
        }
        if (!byName.isEmpty()) {
            throw new BadInputException(weightsFile + ": unexpected tensor '" + byName.keySet().iterator().next()
                    + "' for this config (" + CONFIG + " says " + cfg.layers() + " layers, layer norm "
                    + cfg.layerNorm() + ")");
        }
        return new Imported(cfg, params);
    }

    /** Removes and returns the tensor called name from byName; bad input when it is missing or not of shape. */
    static Safetensors.Tensor take(Map<String, Safetensors.Tensor> byName, String name, int[] shape, Path weightsFile) {
        Safetensors.Tensor t = byName.remove(name);
        if (t == null) {
            throw new BadInputException(weightsFile + ": missing tensor '" + name + "' (expected shape "
                    + Arrays.toString(shape) + ")");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new BadInputException(weightsFile + ": tensor '" + name + "': expected shape "
                    + Arrays.toString(shape) + ", found " + Arrays.toString(t.shape()));
        }
        return t;
    }

    /** Bad input naming the missing file unless dir holds config.json and model.safetensors. */
    static void requireFiles(Path dir, String format) {
        for (String f : List.of(CONFIG, WEIGHTS)) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw new BadInputException("not a Hugging Face " + format + " directory: " + dir.resolve(f) + " not found");
            }
        }
    }

    /** The tensors of a safetensors file by name; a damaged file is bad input. */
    static Map<String, Safetensors.Tensor> readTensors(Path weightsFile) throws IOException {
        try {
            return Safetensors.read(weightsFile).tensors();
        } catch (SafetensorsException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    /**
     * Bad input when the weights file is too small for the sizes config.json claims, checked before
     * anything is allocated from those sizes: a 2 KB config claiming 1.4 billion parameters must not
     * allocate 5.5 GB first and fail on the tensors after. needed: the bytes of the tensors the file
     * must hold (those that may be tied to another left out).
     */
    static void requireWeightsHoldConfig(ModelConfig cfg, long needed, Path configFile, Path weightsFile) throws IOException {
        long floats;
        try {
            floats = ParamLayout.of(cfg).size();
        } catch (IllegalArgumentException e) {
            throw new BadInputException(configFile + ": " + e.getMessage(), e);
        }
        long size = Files.size(weightsFile);
        if (needed > size) {
            throw new BadInputException(configFile + " describes a model of " + String.format("%,d", floats)
                    + " parameters, which needs at least " + String.format("%,d", needed) + " bytes of tensors, but "
                    + weightsFile + " has " + String.format("%,d", size) + " bytes; the config and the weights do not match");
        }
        long heap = Runtime.getRuntime().maxMemory();
        if (2 * Float.BYTES * floats > heap) { // the tensors as read, and the parameters in grokcap's layout
            throw new BadInputException(String.format("%s: importing %,d parameters needs %,d MiB, more than the JVM's "
                    + "%,d MiB heap (raise it with GROKCAP_JAVA_OPTS=-Xmx...)", configFile, floats,
                    (2L * Float.BYTES * floats) >> 20, heap >> 20));
        }
    }

    /** A bias grokcap's model does without must be zero, or the import would change the model. */
    static void requireZero(Path file, Safetensors.Tensor t) {
        requireZero(file, t, 0);
    }

    /** The elements of t from index from on must be zero (padding grokcap's model does without). */
    static void requireZero(Path file, Safetensors.Tensor t, int from) {
        for (int i = from; i < t.data().length; i++) {
            if (t.data()[i] != 0f) {
                throw new BadInputException(file + ": tensor '" + t.name() + "' is not zero (element " + i + " = "
                        + t.data()[i] + ") but " + CONFIG + " says the model has no such bias");
            }
        }
    }

    /** The grokcap model a config.json describes: grokcap_model when present, else GPT-2's own fields. */
    static ModelConfig readConfig(Path file) throws IOException {
        JsonNode root = readJson(file);
        if (root.has("model_type") && !"gpt2".equals(root.get("model_type").asText())) {
            throw new BadInputException(file + ": model_type = \"" + root.get("model_type").asText()
                    + "\": this reader takes gpt2 (grokcap import takes gpt2 and llama)");
        }
        try {
            if (root.get("grokcap_model") instanceof ObjectNode g) {
                return Json.mapper().treeToValue(g, ModelConfig.class);
            }
            String act = text(file, root, "activation_function", "gelu_new");
            Activation activation = switch (act) {
                case "gelu_new", "gelu_pytorch_tanh" -> Activation.GELU;
                case "relu" -> Activation.RELU;
                default -> throw new BadInputException(file + ": activation_function = \"" + act
                        + "\": must be gelu_new, gelu_pytorch_tanh or relu");
            };
            double eps = root.path("layer_norm_epsilon").asDouble(1e-5);
            if (eps != 1e-5) {
                throw new BadInputException(file + ": layer_norm_epsilon = " + eps + ": grokcap's LayerNorm uses 1e-5");
            }
            if (!root.path("scale_attn_weights").asBoolean(true) || root.path("scale_attn_by_inverse_layer_idx").asBoolean(false)) {
                throw new BadInputException(file + ": only GPT-2's default attention scale 1/sqrt(head size) is supported");
            }
            int vocab = integer(file, root, "vocab_size");
            int embd = integer(file, root, "n_embd");
            JsonNode inner = root.get("n_inner");
            Integer mlp = inner == null || inner.isNull() ? 4 * embd : integer(file, root, "n_inner");
            return new ModelConfig(vocab, vocab, integer(file, root, "n_positions"), integer(file, root, "n_layer"),
                    embd, integer(file, root, "n_head"), mlp, activation, true, true, true, false, null, null);
        } catch (ConfigException e) {
            throw new BadInputException(file + ": " + e.getMessage(), e);
        } catch (JacksonException e) {
            throw new BadInputException(file + ": grokcap_model: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * config.json's model_type in a Hugging Face directory ("gpt2", "llama", ...), or null when it has
     * none or the directory has no config.json (the importer then names what is missing).
     */
    public static String modelType(Path dir) throws IOException {
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        JsonNode type = readJson(file).get("model_type");
        return type == null || !type.isTextual() ? null : type.textValue();
    }

    /** config.json as a JSON object; anything else is bad input naming the file. */
    static JsonNode readJson(Path file) throws IOException {
        JsonNode root;
        try {
            root = Json.mapper().readTree(file.toFile());
        } catch (JacksonException e) {
            throw new BadInputException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(file + ": not a JSON object");
        }
        return root;
    }

    static int integer(Path file, JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new BadInputException(file + ": " + field + " = " + n + ": must be a whole number");
        }
        return n.intValue();
    }

    static String text(Path file, JsonNode root, String field, String orElse) {
        JsonNode n = root.get(field);
        if (n == null) {
            return orElse;
        }
        if (!n.isTextual()) {
            throw new BadInputException(file + ": " + field + " = " + n + ": must be a string");
        }
        return n.textValue();
    }

    // ----------------------------------------------------------------------------------------- helpers

    /** dst (cols, rows) = transpose of src[offset...] (rows, cols), both row-major. */
    private static void transpose(float[] src, int offset, int rows, int cols, float[] dst) {
        transpose(src, offset, rows, cols, dst, 0);
    }

    private static void transpose(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[dstOff + c * rows + r] = src[srcOff + r * cols + c];
            }
        }
    }

    /**
     * Exports a run's newest parameters (final weights, else newest checkpoint) as a Hugging Face
     * GPT-2 checkpoint: outDir/model.safetensors and outDir/config.json (see {@link HuggingFaceGpt2}).
     * Returns the file the parameters came from.
     */
    public static Path exportRun(Path runDir, Path outDir) {
        return exportRun(runDir, outDir, false, HuggingFaceGpt2::export);
    }

    /** How one format writes a model: {@link #export}, {@link HuggingFaceLlama#export}. */
    interface Exporter {
        void export(ModelConfig cfg, float[] params, Path dir, Map<String, String> metadata) throws IOException;
    }

    /**
     * A run's newest parameters (final weights, else newest checkpoint) through exporter, which takes
     * Llama-style models when llama is true and GPT-style ones otherwise; returns the file they came from.
     */
    static Path exportRun(Path runDir, Path outDir, boolean llama, Exporter exporter) {
        try {
            Path source = RunDirectory.latestWeights(runDir);
            Map<String, String> meta = Checkpoint.metadataOf(source, "weights");
            ExperimentSpec spec = Checkpoint.config(source, meta);
            if (spec.model().llama() != llama) {
                throw new BadInputException(runDir + " holds a " + (llama ? "GPT" : "Llama") + "-style model; export it with --format "
                        + (llama ? "gpt2" : "llama"));
            }
            ParamLayout layout = TrainingSession.requireFits(spec);
            float[] params = new float[layout.size()];
            Safetensors.readParams(source, layout, params);
            Map<String, String> exportMeta = new LinkedHashMap<>();
            exportMeta.put("grokcap_source", source.toAbsolutePath().normalize().toString());
            exportMeta.put("grokcap_step", meta.getOrDefault(Checkpoint.STEP, "unknown"));
            exporter.export(spec.model(), params, outDir, exportMeta);
            return source;
        } catch (SafetensorsException e) {
            throw new BadInputException(e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("exporting " + runDir + " to " + outDir + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Imports a Hugging Face GPT-2 checkpoint directory (config.json + model.safetensors) as a grokcap
     * weights file, with the model config in its metadata (key "model").
     */
    public static Imported importToWeights(Path hfDir, Path weightsFile) {
        return importToWeights(hfDir, weightsFile, HuggingFaceGpt2::importModel);
    }

    /** How one format reads a directory: {@link #importModel}, {@link HuggingFaceLlama#importModel}. */
    interface Importer {
        Imported importModel(Path dir) throws IOException;
    }

    /** The model importer reads from hfDir, written as a grokcap weights file (see {@link #importToWeights(Path, Path)}). */
    static Imported importToWeights(Path hfDir, Path weightsFile, Importer importer) {
        try {
            Imported imported = importer.importModel(hfDir);
            if (Files.exists(weightsFile)) {
                throw new BadInputException(weightsFile + " already exists; choose another --out");
            }
            Path parent = weightsFile.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "grokcap");
            meta.put("model", Json.mapper().writeValueAsString(imported.config()));
            meta.put("grokcap_source", hfDir.toAbsolutePath().normalize().toString());
            Safetensors.write(weightsFile, ParamLayout.of(imported.config()), imported.params(), meta);
            return imported;
        } catch (IOException e) {
            throw new UncheckedIOException("importing " + hfDir + " failed: " + e.getMessage(), e);
        }
    }
}
