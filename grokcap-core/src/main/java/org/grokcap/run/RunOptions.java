package org.grokcap.run;

import org.grokcap.util.BadInputException;

import org.grokcap.backend.Backend;
import org.grokcap.backend.Device;
import org.grokcap.train.Trainer;

import java.nio.file.Path;

/**
 * How to run an experiment, apart from the experiment itself.
 *
 * @param outDir          the run directory; null for runs/&lt;name&gt;-&lt;time&gt; (ignored when resuming)
 * @param backend         a backend name, or null to choose (see {@link org.grokcap.backend.Backends})
 * @param threads         CPU threads; 0 for all cores
 * @param listener        receives each metrics row, and a call after each update; null for none
 * @param checkpointEvery write a checkpoint after every this many updates; 0 for none (when resuming:
 *                        0 keeps the interval the run was started with)
 * @param analysisEvery   record the progress measures of {@code org.grokcap.analysis} into
 *                        RUN_DIR/analysis/progress.jsonl every this many updates (modular tasks); 0 for never
 * @param device          a device to train on, made elsewhere (a {@link org.grokcap.backend.Lockstep} member's):
 *                        the run closes it when it ends; null to create one of backend with threads
 */
public record RunOptions(Path outDir, String backend, int threads, Trainer.Listener listener, int checkpointEvery,
                         int analysisEvery, Device device) {
    public RunOptions {
        if (checkpointEvery < 0) {
            throw new BadInputException("checkpoint interval " + checkpointEvery + ": must be at least 0");
        }
        if (analysisEvery < 0) {
            throw new BadInputException("analysis interval " + analysisEvery + ": must be at least 0");
        }
    }

    public RunOptions(Path outDir, String backend, int threads, Trainer.Listener listener, int checkpointEvery,
                      int analysisEvery) {
        this(outDir, backend, threads, listener, checkpointEvery, analysisEvery, null);
    }

    public RunOptions(Path outDir, String backend, int threads, Trainer.Listener listener) {
        this(outDir, backend, threads, listener, 0, 0);
    }

    public static RunOptions defaults() {
        return new RunOptions(null, null, 0, null, 0, 0);
    }

    /** The device a run trains on: the one given ({@link #device}), else a new one of backend with threads. */
    public Device openDevice(Backend backend) {
        return device != null ? device : backend.create(threads);
    }

    public RunOptions withDevice(Device d) {
        return new RunOptions(outDir, backend, threads, listener, checkpointEvery, analysisEvery, d);
    }

    public RunOptions withListener(Trainer.Listener l) {
        return new RunOptions(outDir, backend, threads, l, checkpointEvery, analysisEvery, device);
    }

    public RunOptions withOutDir(Path dir) {
        return new RunOptions(dir, backend, threads, listener, checkpointEvery, analysisEvery, device);
    }

    public RunOptions withThreads(int n) {
        return new RunOptions(outDir, backend, n, listener, checkpointEvery, analysisEvery, device);
    }

    public RunOptions withCheckpointEvery(int every) {
        return new RunOptions(outDir, backend, threads, listener, every, analysisEvery, device);
    }

    public RunOptions withAnalysisEvery(int every) {
        return new RunOptions(outDir, backend, threads, listener, checkpointEvery, every, device);
    }
}
