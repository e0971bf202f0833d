package org.grokcap.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.grokcap.data.DatasetFiles;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.data.modular.ModularTaskSpec;
import org.grokcap.data.profiles.ProfilesTaskSpec;

/** What data an experiment trains on; the {@code type} field of a config's {@code task} picks the kind. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ModularTaskSpec.class, name = "modular"),
        @JsonSubTypes.Type(value = ProfilesTaskSpec.class, name = "profiles")
})
public interface TaskSpec {
    /** Generates the whole dataset; the same seed gives the same data, bit for bit. */
    TokenizedDataset generate(long seed);

    /**
     * Writes the dataset for {@code grokcap generate} into dir (already created and empty) and returns
     * the metadata written to {@link DatasetFiles#METADATA}. Tasks with records of their own (facts,
     * profiles) override this; the default writes every split's sequences as token names.
     */
    default Map<String, Object> writeGenerated(long seed, Path dir) throws IOException {
        return DatasetFiles.writeSplits(this, generate(seed), seed, dir);
    }

    /**
     * This task with the paths it names (such as a user's name lists) made absolute against the config
     * file's directory; {@link ConfigLoader#load} calls it once. Tasks without files return themselves.
     */
    default TaskSpec resolveAgainst(Path configDir) {
        return this;
    }
}
