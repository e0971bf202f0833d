package org.grokcap.maven;

import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.util.List;

/** Linear probes at every layer of a trained run ({@code grokcap probe RUN_DIR}). */
@Mojo(name = "probe", defaultPhase = LifecyclePhase.POST_INTEGRATION_TEST, threadSafe = true)
public class ProbeMojo extends AbstractGrokcapMojo {
    /** The run directory; default OUTPUT_DIRECTORY/RUN_ID. */
    @Parameter(property = "grokcap.runDir")
    protected File runDir;

    /** The run id under the output directory, when grokcap.runDir is not set. */
    @Parameter(property = "grokcap.runId")
    protected String runId;

    @Override
    protected List<String> arguments() throws MojoFailureException {
        return List.of("probe", existingRun(runDir, runId).getPath());
    }
}
