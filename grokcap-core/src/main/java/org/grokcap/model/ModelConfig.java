package org.grokcap.model;

import org.grokcap.kernels.Activation;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.grokcap.config.Check;
import org.grokcap.config.ConfigException;

/**
 * A decoder-only transformer: the 1-layer model of the grokking papers (no LayerNorm, ReLU, no
 * attention biases) and n-layer GPT-2 (pre-LayerNorm, GELU, biases) are both settings of this record.
 *
 * <p>Vocabulary sizes and the context length usually come from the task ({@link #withData}); a
 * config file may leave them out. Null components take the defaults listed on each accessor.
 *
 * @param vocabSize       input vocabulary (rows of the token embedding)
 * @param outputVocabSize output classes (rows of the unembedding); default vocabSize
 * @param contextLength   positions T (rows of the position embedding)
 * @param layers          transformer blocks; default 1
 * @param dModel          residual width C; default 128
 * @param heads           attention heads H; d_model must be divisible by it; default 4
 * @param dMlp            MLP width M; default 4·dModel
 * @param activation      MLP nonlinearity; default relu
 * @param layerNorm       pre-LayerNorm in each block and before the unembedding; default false
 * @param attentionBias   biases on the q|k|v and output projections; default false
 * @param mlpBias         biases on the two MLP layers; default true
 * @param unembedBias     bias on the unembedding; default false
 * @param attentionScale  factor on q·k; default 1/√(dModel/heads)
 * @param init            weight initialisation; default nanda (gpt2 for llama)
 * @param layerRepeats    parameter sharing: the stack of layers runs this many times in a row, with the
 *                        same weights each time (Wang et al.'s 4-layer stack run twice); default 1
 * @param architecture    gpt (default) or llama: RMSNorm, SwiGLU MLP of width dMlp (default 4·dModel),
 *                        rotary positions, no biases, untied embeddings. Llama leaves activation,
 *                        layerNorm and the bias switches out.
 * @param targetParams    llama only: size the model from this parameter count and {@code layers} instead
 *                        of dModel/heads/dMlp (see {@link #llamaWidth}); resolved by {@link #withData}
 * @param headSizeAttentionScale muP-style factor 1/d_head on q·k instead of 1/√d_head; default false
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelConfig(Integer vocabSize, Integer outputVocabSize, Integer contextLength,
                          Integer layers, Integer dModel, Integer heads, Integer dMlp,
                          Activation activation, Boolean layerNorm, Boolean attentionBias,
                          Boolean mlpBias, Boolean unembedBias, Double attentionScale, InitScheme init,
                          Integer layerRepeats, Architecture architecture, Long targetParams,
                          Boolean headSizeAttentionScale) {

    /** Head size of a Llama model sized from a parameter count (docs/science.md §3: heads = h/16). */
    public static final int LLAMA_HEAD_SIZE = 16;

    /** Hard ceiling on any one dimension: keeps a typo from asking for terabytes. */
    public static final int MAX_DIM = 1 << 16;

    /** A GPT-style config without parameter sharing (the components before Llama and layerRepeats existed). */
    public ModelConfig(Integer vocabSize, Integer outputVocabSize, Integer contextLength,
                       Integer layers, Integer dModel, Integer heads, Integer dMlp,
                       Activation activation, Boolean layerNorm, Boolean attentionBias,
                       Boolean mlpBias, Boolean unembedBias, Double attentionScale, InitScheme init) {
        this(vocabSize, outputVocabSize, contextLength, layers, dModel, heads, dMlp, activation, layerNorm,
                attentionBias, mlpBias, unembedBias, attentionScale, init, null, null, null, null);
    }

    public ModelConfig {
        architecture = architecture == null ? Architecture.GPT : architecture;
        boolean llama = architecture == Architecture.LLAMA;
        layers = Check.between("layers", layers == null ? 1 : layers, 1, 256);
        if (llama) {
            notForLlama("activation", activation != null, activation);
            notForLlama("layerNorm", Boolean.TRUE.equals(layerNorm), layerNorm);
            notForLlama("attentionBias", Boolean.TRUE.equals(attentionBias), attentionBias);
            notForLlama("mlpBias", Boolean.TRUE.equals(mlpBias), mlpBias);
            notForLlama("unembedBias", Boolean.TRUE.equals(unembedBias), unembedBias);
        }
        if (targetParams != null) {
            if (!llama) {
                throw new ConfigException("targetParams", targetParams, "sizes only architecture llama");
            }
            if (targetParams < 1 || targetParams > 1L << 34) {
                throw new ConfigException("targetParams", targetParams, "must be in 1..2^34");
            }
            if (vocabSize == null) {
                // dModel, heads and dMlp wait for withData to bring the vocabulary.
                for (Object[] f : new Object[][] {{"dModel", dModel}, {"heads", heads}, {"dMlp", dMlp}}) {
                    if (f[1] != null) {
                        throw new ConfigException((String) f[0], f[1], "leave it out when targetParams sizes the model");
                    }
                }
            } else {
                int h = llamaWidth(targetParams, layers, vocabSize, outputVocabSize == null ? vocabSize : outputVocabSize);
                int[] derived = {h, h / LLAMA_HEAD_SIZE, 4 * h};
                Integer[] given = {dModel, heads, dMlp};
                String[] names = {"dModel", "heads", "dMlp"};
                for (int i = 0; i < 3; i++) {
                    if (given[i] != null && given[i] != derived[i]) {
                        throw new ConfigException(names[i], given[i], "targetParams " + targetParams + " gives "
                                + derived[i] + "; leave it out");
                    }
                }
                dModel = derived[0];
                heads = derived[1];
                dMlp = derived[2];
            }
        } else {
            dModel = Check.between("dModel", dModel == null ? 128 : dModel, 1, MAX_DIM);
            heads = Check.between("heads", heads == null ? 4 : heads, 1, dModel);
            if (dModel % heads != 0) {
                throw new ConfigException("dModel", dModel, "must be divisible by heads (" + heads + ")");
            }
            if (llama && (dModel / heads) % 2 != 0) {
                throw new ConfigException("heads", heads, "rotary positions need an even head size; dModel/heads = "
                        + dModel / heads);
            }
            dMlp = Check.between("dMlp", dMlp == null ? 4 * dModel : dMlp, 1, MAX_DIM);
        }
        activation = llama ? null : activation == null ? Activation.RELU : activation;
        layerNorm = !llama && layerNorm != null && layerNorm;
        attentionBias = !llama && attentionBias != null && attentionBias;
        mlpBias = !llama && (mlpBias == null || mlpBias);
        unembedBias = !llama && unembedBias != null && unembedBias;
        if (attentionScale != null) {
            Check.openInterval("attentionScale", attentionScale, 0.0, 1e6);
            if (headSizeAttentionScale != null && headSizeAttentionScale) {
                throw new ConfigException("headSizeAttentionScale", true, "conflicts with attentionScale; set one");
            }
        }
        headSizeAttentionScale = headSizeAttentionScale != null && headSizeAttentionScale;
        init = init == null ? (llama ? InitScheme.GPT2 : InitScheme.NANDA) : init;
        layerRepeats = Check.between("layerRepeats", layerRepeats == null ? 1 : layerRepeats, 1, 64);
        if (vocabSize != null) {
            Check.between("vocabSize", vocabSize, 1, 1 << 24);
        }
        if (outputVocabSize != null) {
            Check.between("outputVocabSize", outputVocabSize, 1, 1 << 24);
        }
        if (contextLength != null) {
            Check.between("contextLength", contextLength, 1, MAX_DIM);
        }
    }

    /** Blocks applied in a forward pass: layers × layerRepeats. */
    public int depth() {
        return layers * layerRepeats;
    }

    /** The config with the sizes a dataset dictates; a size already set must agree with it. */
    public ModelConfig withData(int vocab, int outputVocab, int context) {
        agree("vocabSize", vocabSize, vocab);
        agree("outputVocabSize", outputVocabSize, outputVocab);
        agree("contextLength", contextLength, context);
        return new ModelConfig(vocab, outputVocab, context, layers, dModel, heads, dMlp, activation, layerNorm,
                attentionBias, mlpBias, unembedBias, attentionScale, init, layerRepeats, architecture, targetParams,
                headSizeAttentionScale);
    }

    /** The same model with its layer stack run r times (same parameters: the layout does not depend on it). */
    public ModelConfig withLayerRepeats(int r) {
        return new ModelConfig(vocabSize, outputVocabSize, contextLength, layers, dModel, heads, dMlp, activation, layerNorm,
                attentionBias, mlpBias, unembedBias, attentionScale, init, r, architecture, targetParams,
                headSizeAttentionScale);
    }

    public boolean llama() {
        return architecture == Architecture.LLAMA;
    }

    /**
     * Parameters of a Llama model of width h (MLP 4h): L·(16h² + 2h) + (V + Vout)·h + h, i.e. per layer
     * q|k|v and output projections (4h²), gate|up and down (12h²) and two RMSNorm gains; then the
     * untied embedding and unembedding and the final gain.
     */
    public static long llamaParams(long h, int layers, int vocab, int outputVocab) {
        return layers * (16 * h * h + 2 * h) + (long) (vocab + outputVocab) * h + h;
    }

    /**
     * docs/science.md §3's sizing with the real vocabulary: the width h, a multiple of 16 (at least 16), whose
     * real parameter count {@link #llamaParams} is the largest not above the target. The original used
     * h = ⌊√((P − 320,000)/(12·L))⌋, which takes the embeddings as a fixed 320,000 (vocabulary 3000)
     * and counts 12h² per layer; grokcap solves with its own vocabulary and reports the real count.
     */
    public static int llamaWidth(long targetParams, int layers, int vocab, int outputVocab) {
        int h = LLAMA_HEAD_SIZE;
        while (h + LLAMA_HEAD_SIZE <= MAX_DIM
                && llamaParams(h + LLAMA_HEAD_SIZE, layers, vocab, outputVocab) <= targetParams) {
            h += LLAMA_HEAD_SIZE;
        }
        return h;
    }

    private static void notForLlama(String field, boolean set, Object value) {
        if (set) {
            throw new ConfigException(field, value,
                    "does not apply to architecture llama (RMSNorm, SwiGLU, no biases); leave it out");
        }
    }

    private static void agree(String field, Integer given, int required) {
        if (given != null && given != required) {
            throw new ConfigException("model." + field, given, "the task needs " + required + " (or leave it out)");
        }
    }

    /** Width of one attention head. */
    public int headSize() {
        return dModel / heads;
    }

    /** The factor on q·k actually used. */
    public float resolvedAttentionScale() {
        if (headSizeAttentionScale) {
            return 1f / headSize();
        }
        return attentionScale != null ? attentionScale.floatValue() : (float) (1.0 / Math.sqrt(headSize()));
    }

    /** Output classes actually used. */
    public int resolvedOutputVocab() {
        return outputVocabSize != null ? outputVocabSize : requireVocab();
    }

    public int requireVocab() {
        if (vocabSize == null || contextLength == null || dModel == null) {
            throw new IllegalStateException("model sizes not resolved against a dataset (call withData)");
        }
        return vocabSize;
    }
}
