package org.grokcap.maven;

import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

import java.util.List;

/** Linear probes at every layer of a trained run ({@code grokcap probe RUN_DIR}). */
@Mojo(name = "probe", defaultPhase = LifecyclePhase.POST_INTEGRATION_TEST, threadSafe = true)
public class ProbeMojo extends AbstractRunMojo {
    @Override
    protected List<String> arguments() throws MojoFailureException {
        return List.of("probe", run().getPath());
    }
}
