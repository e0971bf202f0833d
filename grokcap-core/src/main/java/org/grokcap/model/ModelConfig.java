package org.grokcap.model;

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
 * @param init            weight initialisation; default nanda
 * @param layerRepeats    parameter sharing: the stack of layers runs this many times in a row, with the
 *                        same weights each time (Wang et al.'s 4-layer stack run twice); default 1
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelConfig(Integer vocabSize, Integer outputVocabSize, Integer contextLength,
                          Integer layers, Integer dModel, Integer heads, Integer dMlp,
                          Activation activation, Boolean layerNorm, Boolean attentionBias,
                          Boolean mlpBias, Boolean unembedBias, Double attentionScale, InitScheme init,
                          Integer layerRepeats) {

    /** Hard ceiling on any one dimension: keeps a typo from asking for terabytes. */
    public static final int MAX_DIM = 1 << 16;

    public ModelConfig {
        layers = Check.between("layers", layers == null ? 1 : layers, 1, 256);
        dModel = Check.between("dModel", dModel == null ? 128 : dModel, 1, MAX_DIM);
        heads = Check.between("heads", heads == null ? 4 : heads, 1, dModel);
        if (dModel % heads != 0) {
            throw new ConfigException("dModel", dModel, "must be divisible by heads (" + heads + ")");
        }
        dMlp = Check.between("dMlp", dMlp == null ? 4 * dModel : dMlp, 1, MAX_DIM);
        activation = activation == null ? Activation.RELU : activation;
        layerNorm = layerNorm != null && layerNorm;
        attentionBias = attentionBias != null && attentionBias;
        mlpBias = mlpBias == null || mlpBias;
        unembedBias = unembedBias != null && unembedBias;
        if (attentionScale != null) {
            Check.openInterval("attentionScale", attentionScale, 0.0, 1e6);
        }
        init = init == null ? InitScheme.NANDA : init;
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

    /** Without parameter sharing (layerRepeats 1). */
    public ModelConfig(Integer vocabSize, Integer outputVocabSize, Integer contextLength, Integer layers, Integer dModel,
                       Integer heads, Integer dMlp, Activation activation, Boolean layerNorm, Boolean attentionBias,
                       Boolean mlpBias, Boolean unembedBias, Double attentionScale, InitScheme init) {
        this(vocabSize, outputVocabSize, contextLength, layers, dModel, heads, dMlp, activation, layerNorm,
                attentionBias, mlpBias, unembedBias, attentionScale, init, null);
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
                attentionBias, mlpBias, unembedBias, attentionScale, init, layerRepeats);
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
        return attentionScale != null ? attentionScale.floatValue() : (float) (1.0 / Math.sqrt(headSize()));
    }

    /** Output classes actually used. */
    public int resolvedOutputVocab() {
        return outputVocabSize != null ? outputVocabSize : requireVocab();
    }

    public int requireVocab() {
        if (vocabSize == null || contextLength == null) {
            throw new IllegalStateException("model sizes not resolved against a dataset (call withData)");
        }
        return vocabSize;
    }
}
