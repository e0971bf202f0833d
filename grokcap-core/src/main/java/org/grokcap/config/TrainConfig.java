package org.grokcap.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.grokcap.config.OptimizerConfig;

/**
 * How to train. Null components take the defaults of the reference grokking setup.
 *
 * @param seed        one seed; data, initialisation and batch order draw from separate streams of it; default 0
 * @param steps       optimizer updates; with full-batch training one step is one epoch; default 1000
 * @param batchSize   sequences per step; 0 means the whole training split (full batch); default 0
 * @param evalBatchSize sequences per evaluation forward pass; default batchSize (or the training split)
 * @param evalEvery   evaluate every this many steps (and at the last step); default 1
 * @param evalLogSpaced also evaluate at log-spaced steps (0, 1, 2, ... and ten per decade: see
 *                    {@link #logSpaced}), for accuracy curves on a log step axis; default false
 * @param evalMaxPerSplit evaluate each split on at most its first this many sequences (splits are
 *                    shuffled, so a prefix is a uniform sample); default all
 * @param lossFloat64 the cross-entropy (softmax or stablemax) in double precision; default true
 * @param optimizer   AdamW settings
 * @param loss        "softmax" (cross-entropy) or "stablemax" (s(x) = x+1 for x ≥ 0, 1/(1−x) below,
 *                    normalised); default "softmax"
 * @param labelSmoothing the target distribution puts 1−ε on the answer and ε spread evenly over the
 *                    whole output vocabulary (with softmax or stablemax); the logged training loss is
 *                    this smoothed objective, the other splits' losses the plain −log p(target); default 0
 * @param gradFilter  a Grokfast low-pass filter on the gradients (see {@link GradFilterConfig});
 *                    default none
 * @param evalLayerRepeats how many times evaluation runs each shared layer stack; default the
 *                    model's own layerRepeats
 * @param logGradCosine also log cos(g, w) per parameter tensor in metrics.jsonl; default false
 *                    (it is logged whenever ⊥Grad is on)
 * @param stopWhen    end the run early once a metric reached a level and held it (see {@link StopRule});
 *                    default none: the run does all its steps
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainConfig(Long seed, Integer steps, Integer batchSize, Integer evalBatchSize, Integer evalEvery,
                          Boolean evalLogSpaced, Integer evalMaxPerSplit, Boolean lossFloat64,
                          OptimizerConfig optimizer, String loss, Double labelSmoothing, GradFilterConfig gradFilter,
                          Integer evalLayerRepeats, Boolean logGradCosine, StopRule stopWhen) {
    public TrainConfig {
        seed = seed == null ? 0L : seed;
        steps = Check.between("steps", steps == null ? 1000 : steps, 1, 1_000_000_000);
        batchSize = Check.between("batchSize", batchSize == null ? 0 : batchSize, 0, 1 << 22);
        if (evalBatchSize != null) {
            Check.between("evalBatchSize", evalBatchSize, 1, 1 << 22);
        }
        evalEvery = Check.between("evalEvery", evalEvery == null ? 1 : evalEvery, 1, 1_000_000_000);
        evalLogSpaced = evalLogSpaced != null && evalLogSpaced;
        if (evalMaxPerSplit != null) {
            Check.between("evalMaxPerSplit", evalMaxPerSplit, 1, Integer.MAX_VALUE);
        }
        lossFloat64 = lossFloat64 == null || lossFloat64;
        optimizer = optimizer == null ? OptimizerConfig.defaults() : optimizer;
        loss = loss == null ? "softmax" : loss;
        if (!loss.equals("softmax") && !loss.equals("stablemax")) {
            throw new ConfigException("loss", loss, "must be \"softmax\" or \"stablemax\"");
        }
        labelSmoothing = Check.halfOpen("labelSmoothing", labelSmoothing == null ? 0.0 : labelSmoothing, 0.0, 1.0);
        if (evalLayerRepeats != null) {
            Check.between("evalLayerRepeats", evalLayerRepeats, 1, 64);
        }
        logGradCosine = logGradCosine != null && logGradCosine;
    }

    /** The defaults of every field. */
    public static TrainConfig defaults() {
        return new TrainConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public TrainConfig withSeed(long newSeed) {
        return new TrainConfig(newSeed, steps, batchSize, evalBatchSize, evalEvery, evalLogSpaced, evalMaxPerSplit, lossFloat64,
                optimizer, loss, labelSmoothing, gradFilter, evalLayerRepeats, logGradCosine, stopWhen);
    }

    public TrainConfig withEvalEvery(int every) {
        return new TrainConfig(seed, steps, batchSize, evalBatchSize, every, evalLogSpaced, evalMaxPerSplit, lossFloat64,
                optimizer, loss, labelSmoothing, gradFilter, evalLayerRepeats, logGradCosine, stopWhen);
    }

    public TrainConfig withSteps(int newSteps) {
        return new TrainConfig(seed, newSteps, batchSize, evalBatchSize, evalEvery, evalLogSpaced, evalMaxPerSplit, lossFloat64,
                optimizer, loss, labelSmoothing, gradFilter, evalLayerRepeats, logGradCosine, stopWhen);
    }

    /** Whether step is evaluated: every evalEvery steps, the last step, and the log-spaced steps if asked. */
    public boolean evaluatesAt(int step) {
        return step % evalEvery == 0 || step == steps - 1 || (evalLogSpaced && logSpaced(step));
    }

    /**
     * The last evaluated step before updates updates (a checkpoint after that many updates covers the
     * metrics rows up to it), or -1 when none is. At most evalEvery steps are tried.
     */
    public int lastEvaluationBefore(int updates) {
        for (int s = updates - 1; s >= 0; s--) {
            if (evaluatesAt(s)) {
                return s;
            }
        }
        return -1;
    }

    /**
     * Steps 0 to 10, and every later step s whose ⌊10·log10 s⌋ exceeds that of s−1: ten per decade
     * (1, 2, ..., 10, 13, 16, 20, 26, 32, 40, 51, 64, 80, 100, 126, ...).
     */
    public static boolean logSpaced(int step) {
        if (step <= 10) {
            return true;
        }
        return (int) Math.floor(10 * Math.log10(step)) != (int) Math.floor(10 * Math.log10(step - 1));
    }
}
