package org.grokcap.kernels;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The MLP's nonlinearity. */
public enum Activation {
    @JsonProperty("relu") RELU,
    @JsonProperty("gelu") GELU
}
