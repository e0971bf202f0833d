package org.grokcap.data;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.grokcap.data.DatasetFiles;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.data.modular.ModularTaskSpec;
import org.grokcap.data.profiles.ProfilesTaskSpec;
import org.grokcap.data.qa.QaTaskSpec;
import org.grokcap.data.reasoning.ComparisonTaskSpec;
import org.grokcap.data.reasoning.ComplexReasoningTaskSpec;
import org.grokcap.data.reasoning.CompositionTaskSpec;

/** What data an experiment trains on; the {@code type} field of a config's {@code task} picks the kind. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ModularTaskSpec.class, name = "modular"),
        @JsonSubTypes.Type(value = ProfilesTaskSpec.class, name = "profiles"),
        @JsonSubTypes.Type(value = QaTaskSpec.class, name = "qa"),
        @JsonSubTypes.Type(value = CompositionTaskSpec.class, name = "composition"),
        @JsonSubTypes.Type(value = ComparisonTaskSpec.class, name = "comparison"),
        @JsonSubTypes.Type(value = ComplexReasoningTaskSpec.class, name = "complex-reasoning")
})
public interface TaskSpec {
    /** Generates the whole dataset; the same seed gives the same data, bit for bit. */
    TokenizedDataset generate(long seed);

    /**
     * The task with the files it names resolved against the directory of the config file that named
     * them (called by {@link ConfigLoader#load}); tasks that read no files return themselves.
     */
    default TaskSpec relativeTo(Path configDir) {
        return this;
    }

    /**
     * Writes the dataset for {@code grokcap generate} into dir (already created and empty) and returns
     * the metadata written to {@link DatasetFiles#METADATA}. Tasks with records of their own (facts,
     * profiles) override this; the default writes every split's sequences as token names.
     */
    default Map<String, Object> writeGenerated(long seed, Path dir) throws IOException {
        return DatasetFiles.writeSplits(this, generate(seed), seed, dir);
    }
}
