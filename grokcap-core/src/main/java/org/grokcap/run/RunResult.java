package org.grokcap.run;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a finished run reports, also stored as {@code result} in its run.json.
 *
 * @param runDir      where everything was written
 * @param steps       optimizer updates made
 * @param parameters  the model's parameter count
 * @param wallSeconds training wall time of the last session (a resumed run counts only its own part),
 *                    data generation and file writing excluded
 * @param sessionSteps the updates made in that time (fewer than steps after a resume)
 * @param finalMetrics the last metrics row
 * @param milestones  for each split, the first step at which accuracy reached 0.99 and 1.0
 *                    ({@code <split>_accuracy_99}, {@code <split>_accuracy_100}); absent if never
 * @param plotsNotWritten null when the plots were drawn; otherwise why not (e.g. a machine without fonts)
 */
@JsonPropertyOrder({"runDir", "steps", "parameters", "wallSeconds", "sessionSteps", "finalMetrics", "milestones", "plotsNotWritten"})
public record RunResult(@JsonSerialize(using = ToStringSerializer.class) Path runDir, int steps, long parameters, double wallSeconds, int sessionSteps,
                        Map<String, Double> finalMetrics,
                        Map<String, Integer> milestones, String plotsNotWritten) {
    /** Wall time per update in this session, in milliseconds; NaN when it made none. */
    public double msPerStep() {
        return sessionSteps == 0 ? Double.NaN : 1000 * wallSeconds / sessionSteps;
    }
}
