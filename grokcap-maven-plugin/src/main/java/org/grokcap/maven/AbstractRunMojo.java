package org.grokcap.maven;

import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;

/** A goal that reads a finished run: grokcap.runDir, or OUTPUT_DIRECTORY/RUN_ID. */
public abstract class AbstractRunMojo extends AbstractGrokcapMojo {
    /** The run directory; default OUTPUT_DIRECTORY/RUN_ID. */
    @Parameter(property = "grokcap.runDir")
    protected File runDir;

    /** The run id under the output directory, when grokcap.runDir is not set. */
    @Parameter(property = "grokcap.runId")
    protected String runId;

    /** The run this goal reads; a failure naming both properties when neither is set. */
    protected File run() throws MojoFailureException {
        if (runDir != null) {
            return runDir;
        }
        return runDirectory(required(runId, "grokcap.runDir or grokcap.runId", "which run to read"));
    }
}
