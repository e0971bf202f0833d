package org.grokcap.data.modular;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How an equation becomes tokens; numbers 0..p−1 are tokens 0..p−1 in both. */
public enum InputFormat {
    /** {@code a b =}: 3 tokens, '=' is token p, vocabulary p+1 (Nanda et al.; the simple grokking demo). */
    @JsonProperty("a b =") NO_OPERATOR,
    /** {@code a ∘ b =}: 4 tokens, '∘' is token p and '=' token p+1, vocabulary p+2 (Power et al.). */
    @JsonProperty("a op b =") WITH_OPERATOR;

    public int length() {
        return this == NO_OPERATOR ? 3 : 4;
    }
}
