package org.grokcap.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.grokcap.train.OptimizerConfig;

/**
 * How to train. Null components take the defaults of the reference grokking setup.
 *
 * @param seed        one seed; data, initialisation and batch order draw from separate streams of it; default 0
 * @param steps       optimizer updates; with full-batch training one step is one epoch; default 1000
 * @param batchSize   sequences per step; 0 means the whole training split (full batch); default 0
 * @param evalBatchSize sequences per evaluation forward pass; default batchSize (or the training split)
 * @param evalEvery   evaluate every this many steps (and at the last step); default 1
 * @param lossFloat64 cross-entropy softmax in double precision; default true
 * @param optimizer   AdamW settings
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainConfig(Long seed, Integer steps, Integer batchSize, Integer evalBatchSize, Integer evalEvery,
                          Boolean lossFloat64, OptimizerConfig optimizer) {
    public TrainConfig {
        seed = seed == null ? 0L : seed;
        steps = Check.between("steps", steps == null ? 1000 : steps, 1, 1_000_000_000);
        batchSize = Check.between("batchSize", batchSize == null ? 0 : batchSize, 0, 1 << 22);
        if (evalBatchSize != null) {
            Check.between("evalBatchSize", evalBatchSize, 1, 1 << 22);
        }
        evalEvery = Check.between("evalEvery", evalEvery == null ? 1 : evalEvery, 1, 1_000_000_000);
        lossFloat64 = lossFloat64 == null || lossFloat64;
        optimizer = optimizer == null ? OptimizerConfig.defaults() : optimizer;
    }

    public TrainConfig withSeed(long newSeed) {
        return new TrainConfig(newSeed, steps, batchSize, evalBatchSize, evalEvery, lossFloat64, optimizer);
    }

    public TrainConfig withEvalEvery(int every) {
        return new TrainConfig(seed, steps, batchSize, evalBatchSize, every, lossFloat64, optimizer);
    }

    public TrainConfig withSteps(int newSteps) {
        return new TrainConfig(seed, newSteps, batchSize, evalBatchSize, evalEvery, lossFloat64, optimizer);
    }
}
