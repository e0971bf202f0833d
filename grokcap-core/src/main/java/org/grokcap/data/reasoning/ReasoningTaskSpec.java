package org.grokcap.data.reasoning;

import org.grokcap.data.TaskSpec;
import org.grokcap.data.TokenizedDataset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** A knowledge task of docs/science.md §2: its facts by split, tokenized for training or written as JSONL. */
public interface ReasoningTaskSpec extends TaskSpec {
    /** The facts of every split, from the data seed (dataSeed if set, else the run's seed). */
    ReasoningData facts(long seed);

    /** The seed of the knowledge and its splits when it is not the run's; null otherwise. */
    Long dataSeed();

    /** What dataset.json says about the splits beyond their names. */
    String splitNote();

    private long seedOf(long runSeed) {
        return dataSeed() != null ? dataSeed() : runSeed;
    }

    @Override
    default TokenizedDataset generate(long seed) {
        return facts(seed).toDataset(seedOf(seed));
    }

    @Override
    default Map<String, Object> writeGenerated(long seed, Path dir) throws IOException {
        return facts(seed).write(this, seedOf(seed), dir, Map.of("note", splitNote()));
    }
}
