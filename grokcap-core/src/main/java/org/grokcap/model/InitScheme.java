package org.grokcap.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How weights are drawn before training; biases start at 0 and LayerNorm gains at 1 in every scheme. */
public enum InitScheme {
    /**
     * Nanda et al. 2023: every weight ~ N(0, 1/d_model), except the unembedding ~ N(0, 1/d_vocab_out).
     */
    @JsonProperty("nanda") NANDA,
    /** GPT-2: weights ~ N(0, 0.02²), residual output projections ~ N(0, (0.02/√(2·layers))²). */
    @JsonProperty("gpt2") GPT2
}
