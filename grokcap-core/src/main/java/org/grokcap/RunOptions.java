package org.grokcap;

import org.grokcap.train.Trainer;

import java.nio.file.Path;

/**
 * How to run an experiment, apart from the experiment itself.
 *
 * @param outDir   the run directory; null for runs/&lt;name&gt;-&lt;time&gt;
 * @param backend  a backend name, or null to choose (see {@link org.grokcap.backend.Backends})
 * @param threads  CPU threads; 0 for all cores
 * @param listener receives each metrics row; null for none
 * @param analysisEvery record the progress measures of {@code org.grokcap.analysis} into
 *                 RUN_DIR/analysis/progress.jsonl every this many updates (modular tasks); 0 for never
 */
public record RunOptions(Path outDir, String backend, int threads, Trainer.Listener listener, int analysisEvery) {
    public RunOptions {
        if (analysisEvery < 0) {
            throw new IllegalArgumentException("analysisEvery must be ≥ 0, got " + analysisEvery);
        }
    }

    public RunOptions(Path outDir, String backend, int threads, Trainer.Listener listener) {
        this(outDir, backend, threads, listener, 0);
    }

    public static RunOptions defaults() {
        return new RunOptions(null, null, 0, null, 0);
    }

    public RunOptions withListener(Trainer.Listener l) {
        return new RunOptions(outDir, backend, threads, l, analysisEvery);
    }

    public RunOptions withAnalysisEvery(int every) {
        return new RunOptions(outDir, backend, threads, listener, every);
    }
}
