package org.grokcap.maven;

import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;

import java.util.List;

/**
 * Lists the backends, the JDK and the CPU the forked JVM sees, and why a backend is unavailable
 * ({@code grokcap info}). The other goals arrive with their own issue.
 */
@Mojo(name = "info", requiresProject = false, threadSafe = true)
public class InfoMojo extends AbstractGrokcapMojo {
    @Override
    protected void run() throws MojoExecutionException, MojoFailureException {
        fork(List.of("info"));
    }
}
