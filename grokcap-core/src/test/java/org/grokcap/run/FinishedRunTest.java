package org.grokcap.run;

import org.grokcap.backend.Device;
import org.grokcap.backend.ReferenceBackend;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.io.MetricsRow;
import org.grokcap.util.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What TrainingSession writes, FinishedRun reads back: spec, data, vocabulary, typed metrics, model with weights. */
class FinishedRunTest {
    private static final ProgressHook NO_PROGRESS = null; // never asked for: no --analysis-every in this test

    @Test
    void readsBackWhatTheSessionWrote(@TempDir Path dir) throws Exception {
        ExperimentSpec spec = ConfigLoader.parse("""
                {"name":"tiny","task":{"type":"modular","p":5},"model":{"dModel":8,"heads":2},"train":{"steps":3}}""",
                false, "text");
        Path out = dir.resolve("run");
        RunResult result = TrainingSession.train(spec, new RunOptions(out, null, 0, null), NO_PROGRESS);

        FinishedRun run = FinishedRun.open(out);
        assertTrue(FinishedRun.finished(out));
        assertEquals("tiny", run.spec().name());
        assertEquals(run.data().vocabulary(), run.vocabulary());
        List<MetricsRow> rows = run.metricsRows();
        assertEquals(Files.readAllLines(out.resolve(RunDirectory.METRICS)).size(), rows.size());
        // the typed row holds the splits' numbers; the flat row also the weight norms
        assertEquals(MetricsRow.of(result.finalMetrics()), rows.get(rows.size() - 1));
        assertTrue(result.finalMetrics().containsKey("weight_norm.layer0"), result.finalMetrics().toString());
        try (Device device = new ReferenceBackend().create(1)) {
            FinishedRun.TrainedModel model = run.loadModel(run.data(), device, 1);
            assertEquals(3, model.step());
            assertEquals(result.parameters(), model.model().layout().size());
        }
    }

    @Test
    void aRunWithoutFinalWeightsIsNotFinished(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(RunDirectory.RUN_JSON), "{}");
        BadInputException e = assertThrows(BadInputException.class, () -> FinishedRun.open(dir));
        assertEquals(dir + " is not a finished run: " + RunDirectory.WEIGHTS + " is missing", e.getMessage());
        assertFalse(FinishedRun.finished(dir));
    }
}
