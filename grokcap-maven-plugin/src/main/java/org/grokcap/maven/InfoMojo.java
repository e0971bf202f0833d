package org.grokcap.maven;

import org.apache.maven.plugins.annotations.Mojo;

import java.util.List;

/**
 * Lists the backends with their devices, the JDK and the CPU the forked JVM sees, and why a backend is
 * unavailable ({@code grokcap info}).
 */
@Mojo(name = "info", requiresProject = false, threadSafe = true)
public class InfoMojo extends AbstractGrokcapMojo {
    @Override
    protected List<String> arguments() {
        return List.of("info");
    }
}
