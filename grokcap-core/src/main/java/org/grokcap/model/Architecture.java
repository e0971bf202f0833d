package org.grokcap.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The shape of a block: what normalises, what the MLP does and where positions come from. */
public enum Architecture {
    /**
     * GPT style (default): learned position embedding, optional pre-LayerNorm, ReLU or GELU MLP,
     * optional biases. The grokking papers' 1-layer model and GPT-2 are both settings of it.
     */
    @JsonProperty("gpt") GPT,
    /**
     * Llama style: RMSNorm before attention, MLP and unembedding; SwiGLU MLP; rotary positions on q
     * and k (no position embedding); no biases; untied embeddings.
     */
    @JsonProperty("llama") LLAMA
}
