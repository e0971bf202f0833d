package org.grokcap.maven;

import org.apache.maven.artifact.Artifact;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.grokcap.BadInputException;
import org.grokcap.backend.TornadoSdk;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What every grokcap goal shares (the JaCoCo plugin's pattern): {@code grokcap.skip}, and running the
 * work in a forked JDK 21+ whose output streams into the Maven log. The fork keeps the Vector API
 * flag, the heap setting and any crash away from Maven's own JVM, which may be a JDK 17.
 */
public abstract class AbstractGrokcapMojo extends AbstractMojo {

    /** Skip this goal. */
    @Parameter(property = "grokcap.skip", defaultValue = "false")
    private boolean skip;

    /** The JDK (21 or newer) for the forked JVM; found automatically when not set. */
    @Parameter(property = "grokcap.javaHome")
    private File javaHome;

    /** Maximum heap of the forked JVM, e.g. 8g. */
    @Parameter(property = "grokcap.maxHeap", defaultValue = "4g")
    private String maxHeap;

    /**
     * The backend for the forked JVM ({@code -Dgrokcap.backend} there). For {@code tornado} the fork
     * also gets the JVM flags of the TornadoVM SDK named by TORNADOVM_HOME or TORNADO_SDK, and
     * grokcap-tornado must be a dependency of this plugin (README, "TornadoVM backend").
     */
    @Parameter(property = "grokcap.backend")
    private String backend;

    @Parameter(defaultValue = "${plugin.artifacts}", readonly = true, required = true)
    private List<Artifact> pluginArtifacts;

    @Override
    public final void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("grokcap: skipped (grokcap.skip)");
            return;
        }
        run();
    }

    /** The goal's work, usually one {@link #fork} of the grokcap command line. */
    protected abstract void run() throws MojoExecutionException, MojoFailureException;

    private List<String> backendFlags() throws MojoFailureException {
        List<String> flags = new ArrayList<>();
        if (backend == null || backend.isBlank()) {
            return flags;
        }
        if (backend.equals("tornado")) {
            try {
                flags.addAll(TornadoSdk.jvmFlags(TornadoSdk.home(System.getenv())));
            } catch (BadInputException e) {
                throw new MojoFailureException("grokcap: " + e.getMessage());
            }
            flags.add("-Dtornado.recover.bailout=False");
        }
        flags.add("-Dgrokcap.backend=" + backend);
        return flags;
    }

    /**
     * Runs {@code grokcap ARGS} in a forked JVM. Exit code 2 (bad input) fails the build with the
     * fork's own message; any other non-zero code is an execution error.
     */
    protected void fork(List<String> args) throws MojoExecutionException, MojoFailureException {
        Path java = JavaFinder.find(javaHome).orElseThrow(() -> new MojoExecutionException(
                "grokcap needs a JDK 21 or newer for its forked JVM and found none; set grokcap.javaHome"));
        String classpath = pluginArtifacts.stream().filter(a -> a.getFile() != null)
                .map(a -> a.getFile().getAbsolutePath()).collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-Djava.awt.headless=true", "-Xmx" + maxHeap));
        cmd.addAll(backendFlags());
        cmd.addAll(List.of("-cp", classpath, "org.grokcap.cli.Main"));
        cmd.addAll(args);
        getLog().debug("grokcap: " + String.join(" ", cmd));
        String lastError = null;
        int code;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("WARNING: Using incubator modules")) {
                        continue;
                    }
                    if (line.startsWith("error: ")) {
                        lastError = line.substring("error: ".length());
                        getLog().error(line);
                    } else {
                        getLog().info(line);
                    }
                }
            }
            code = p.waitFor();
        } catch (IOException e) {
            throw new MojoExecutionException("cannot start the forked JVM " + java + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MojoExecutionException("interrupted while grokcap ran", e);
        }
        if (code == 2) {
            throw new MojoFailureException("grokcap: " + (lastError != null ? lastError : "bad input (exit code 2)"));
        }
        if (code != 0) {
            throw new MojoExecutionException("grokcap failed (exit code " + code + ")"
                    + (lastError != null ? ": " + lastError : ""));
        }
    }
}
