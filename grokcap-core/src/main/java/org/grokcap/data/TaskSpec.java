package org.grokcap.data;

import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * What data an experiment trains on; the {@code type} field of a config's {@code task} picks the kind,
 * named by each task's {@code @JsonTypeName}. The kinds are listed where configs are read
 * (ConfigLoader.TASK_TYPES, run layer), not here: this interface sits below the task packages that
 * implement it, and a list here would make each of them and this package import each other.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
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
