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
 */
public record RunOptions(Path outDir, String backend, int threads, Trainer.Listener listener) {
    public static RunOptions defaults() {
        return new RunOptions(null, null, 0, null);
    }

    public RunOptions withListener(Trainer.Listener l) {
        return new RunOptions(outDir, backend, threads, l);
    }
}
