package org.grokcap.run;

import org.grokcap.data.TaskSpec;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.model.Transformer;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The progress measures a run records with {@code --analysis-every}, as the run layer sees them. Their
 * science (Fourier sparsity, phases) lives in the analysis package, a layer above this one, which hands
 * an implementation in; so a training session writes them without importing the studies that define them.
 */
public interface ProgressHook {
    /** Why this task has no progress measures, or null when it has. */
    String unsupportedReason(TaskSpec task);

    /** Starts recording into the run directory; records the measures before the first update. */
    Recorder start(Path runDir, TaskSpec task, TokenizedDataset data, Transformer model, int every) throws IOException;

    /** Whether the run directory holds recorded progress measures (a resumed run finishes them). */
    boolean recorded(Path runDir);

    /** Writes the phases of the finished run's metrics (a file and a chart). */
    void writePhases(Path runDir, String title, List<Map<String, Double>> rows, List<String> splits) throws IOException;

    /** Draws the recorded progress measures. */
    void plot(Path runDir, String title, List<Map<String, Double>> rows) throws IOException;

    /** Records the measures as training goes. */
    interface Recorder extends Closeable {
        void afterUpdates(int updates, boolean last) throws IOException;
    }
}
