package org.grokcap.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.data.modular.ModularTaskSpec;

/** What data an experiment trains on; the {@code type} field of a config's {@code task} picks the kind. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ModularTaskSpec.class, name = "modular")
})
public interface TaskSpec {
    /** Generates the whole dataset; the same seed gives the same data, bit for bit. */
    TokenizedDataset generate(long seed);
}
