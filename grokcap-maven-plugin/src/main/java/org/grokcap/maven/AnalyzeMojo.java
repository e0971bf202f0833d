package org.grokcap.maven;

import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.util.ArrayList;
import java.util.List;

/**
 * Analyses a trained run ({@code grokcap analyze RUN_DIR}): Fourier key frequencies, progress measures,
 * phases, attention maps and attributions, written into the run's analysis/ folder.
 */
@Mojo(name = "analyze", defaultPhase = LifecyclePhase.POST_INTEGRATION_TEST, threadSafe = true)
public class AnalyzeMojo extends AbstractRunMojo {
    /** An input sequence (tokens separated by spaces) whose attention and attributions to show. */
    @Parameter(property = "grokcap.input")
    protected String input;

    @Override
    protected List<String> arguments() throws MojoFailureException {
        List<String> args = new ArrayList<>(List.of("analyze", run().getPath()));
        option(args, "--input", input);
        return args;
    }
}
