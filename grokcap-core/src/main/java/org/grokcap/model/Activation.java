package org.grokcap.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The MLP's nonlinearity. */
public enum Activation {
    @JsonProperty("relu") RELU,
    @JsonProperty("gelu") GELU
}
