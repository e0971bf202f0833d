package org.grokcap.maven;

import org.apache.maven.artifact.Artifact;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * What every grokcap goal shares (the JaCoCo plugin's pattern): {@code grokcap.skip}, and running the
 * work as {@code grokcap COMMAND ...} ({@code org.grokcap.cli.Main}) in a forked JDK 22+ whose output
 * streams into the Maven log as plain lines. The fork keeps the Vector API flag, the heap setting,
 * TornadoVM's flags and any crash away from Maven's own JVM, which may be a JDK 17: this module's
 * classes target 17 and never touch grokcap-core's classes (they need 22) in Maven's JVM.
 */
public abstract class AbstractGrokcapMojo extends AbstractMojo {

    /** Skip this goal. */
    @Parameter(property = "grokcap.skip", defaultValue = "false")
    protected boolean skip;

    /** The JDK (22 or newer) for the forked JVM; found automatically when not set (Maven's JDK, JAVA_HOME, /usr/lib/jvm, /opt). */
    @Parameter(property = "grokcap.javaHome")
    protected File javaHome;

    /** Maximum heap of the forked JVM (its -Xmx), e.g. 8g. */
    @Parameter(property = "grokcap.maxHeap", defaultValue = "4g")
    protected String maxHeap;

    /** More options for the forked JVM, separated by spaces, e.g. "-XX:+UseParallelGC -Dfoo=bar". */
    @Parameter(property = "grokcap.jvmArgs")
    protected String jvmArgs;

    /**
     * The backend (cpu, reference, tornado, ...); default the best available one. With "tornado" the
     * forked JVM gets TornadoVM's flags from the SDK that TORNADOVM_HOME or TORNADO_SDK names.
     */
    @Parameter(property = "grokcap.backend")
    protected String backend;

    /** Where goals write: runs go to OUTPUT_DIRECTORY/RUN_ID/. */
    @Parameter(property = "grokcap.outputDirectory", defaultValue = "${project.build.directory}/grokcap")
    protected File outputDirectory;

    /** More words for the grokcap command line, separated by spaces, added after the goal's own (e.g. "--debug"). */
    @Parameter(property = "grokcap.args")
    protected String extraArgs;

    /** The folder the forked JVM runs in (relative paths in configs resolve against it). */
    @Parameter(defaultValue = "${project.basedir}", readonly = true)
    protected File basedir;

    /** grokcap-core and its dependencies: the forked JVM's class path. */
    @Parameter(defaultValue = "${plugin.artifacts}", readonly = true, required = true)
    protected List<Artifact> pluginArtifacts;

    @Override
    public final void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("grokcap: skipped (grokcap.skip)");
            return;
        }
        List<String> args = new ArrayList<>(arguments());
        args.addAll(words(extraArgs));
        fork(args);
    }

    /** The grokcap command line of this goal: the command, then its arguments. */
    protected abstract List<String> arguments() throws MojoFailureException;

    /** Runs {@code grokcap ARGS} in a forked JVM; a failure there fails the goal with the fork's own message. */
    protected void fork(List<String> args) throws MojoExecutionException, MojoFailureException {
        Path java = JavaFinder.find(javaHome).orElseThrow(() -> new MojoExecutionException(
                "grokcap needs a JDK 22 or newer for its forked JVM and found none; set grokcap.javaHome"));
        List<String> flags = "tornado".equals(backend) ? tornadoFlags(java) : List.of();
        List<String> cmd = command(java, flags, args);
        getLog().debug("grokcap: " + String.join(" ", cmd));
        Result r = run(cmd, line -> {
            if (line.startsWith("error: ")) {
                getLog().error(line);
            } else {
                getLog().info(line);
            }
        });
        MojoFailureException failure = failure(args, r.code(), r.lastError());
        if (failure != null) {
            throw failure;
        }
    }

    /** The forked JVM's command line. */
    List<String> command(Path java, List<String> tornadoFlags, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true", "-Xmx" + maxHeap));
        cmd.addAll(tornadoFlags);
        cmd.addAll(words(jvmArgs));
        if (backend != null && !backend.isBlank()) {
            cmd.add("-Dgrokcap.backend=" + backend); // every command chooses its backend through this property
        }
        cmd.addAll(List.of("-cp", classpath(), "org.grokcap.cli.Main"));
        cmd.addAll(args);
        return cmd;
    }

    /**
     * How a fork's end fails the goal: null for exit 0; the fork's own error line otherwise (exit 2, bad
     * input, and 1, a failure, both fail the build). A command or sub-command this grokcap-core does not
     * know yet means that the feature behind the goal has not landed, and says so.
     */
    static MojoFailureException failure(List<String> args, int code, String lastError) {
        if (code == 0) {
            return null;
        }
        String command = args.get(0);
        String sub = args.size() > 1 ? args.get(1) : "";
        if (code == 2 && lastError != null && (lastError.equals("unknown command '" + command + "'")
                || lastError.startsWith("unknown command '" + command + "';") // "; did you mean ..."
                || lastError.startsWith("unknown " + command + " sub-command '" + sub + "'"))) {
            String what = lastError.startsWith("unknown command") ? command : command + " " + sub;
            return new MojoFailureException("grokcap: this goal runs 'grokcap " + what + "', which this grokcap-core "
                    + "does not have: the feature has not landed yet (it arrives with its own issue; see the README)");
        }
        String what = lastError != null ? lastError : code == 2 ? "bad input" : "the forked JVM ended with exit code " + code;
        return new MojoFailureException("grokcap " + command + ": " + what);
    }

    /** TornadoVM's JVM flags, as grokcap-core's TornadoSdk finds them (asked of a short fork: see the class comment). */
    private List<String> tornadoFlags(Path java) throws MojoExecutionException, MojoFailureException {
        List<String> lines = new ArrayList<>();
        List<String> cmd = List.of(java.toString(), "-cp", classpath(), "org.grokcap.cli.Main", "jvm-flags", "tornado");
        Result r = run(cmd, lines::add);
        MojoFailureException failure = failure(cmd.subList(cmd.size() - 2, cmd.size()), r.code(), r.lastError());
        if (failure != null) {
            throw failure;
        }
        List<String> flags = new ArrayList<>(lines.subList(0, Math.max(0, lines.size() - 1))); // the last line repeats them as JSON
        flags.add("-Dtornado.recover.bailout=False"); // a kernel TornadoVM cannot compile fails loudly, never runs as Java
        return flags;
    }

    private record Result(int code, String lastError) {
    }

    private Result run(List<String> cmd, Consumer<String> lines) throws MojoExecutionException {
        String lastError = null;
        try {
            Process p = new ProcessBuilder(cmd).directory(basedir).redirectErrorStream(true).start();
            p.getOutputStream().close();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("WARNING: Using incubator modules")) {
                        continue;
                    }
                    if (line.startsWith("error: ")) {
                        lastError = line.substring("error: ".length());
                    }
                    lines.accept(line);
                }
            }
            return new Result(p.waitFor(), lastError);
        } catch (IOException e) {
            throw new MojoExecutionException("cannot start the forked JVM " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MojoExecutionException("interrupted while grokcap ran", e);
        }
    }

    private String classpath() {
        return pluginArtifacts.stream().filter(a -> a.getFile() != null)
                .map(a -> a.getFile().getAbsolutePath()).collect(Collectors.joining(File.pathSeparator));
    }

    /** The directory of a run: OUTPUT_DIRECTORY/RUN_ID. */
    protected File runDirectory(String runId) {
        return new File(outputDirectory, runId);
    }

    /** A config file's name without its extension, the default run id of the goals that read one. */
    static String baseName(File file) {
        return file.getName().replaceFirst("\\.(json|ya?ml)$", "").replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** A required parameter, or a failure that names its user property. */
    static <T> T required(T value, String property, String what) throws MojoFailureException {
        if (value == null || (value instanceof String s && s.isBlank())) {
            throw new MojoFailureException("grokcap: set " + property + " (" + what + ")");
        }
        return value;
    }

    /** Adds "--option value" when value is set. */
    static void option(List<String> args, String option, Object value) {
        if (value != null && !(value instanceof String s && s.isBlank())) {
            args.add(option);
            args.add(value.toString());
        }
    }

    static List<String> words(String text) {
        return text == null || text.isBlank() ? List.of() : List.of(text.trim().split("\\s+"));
    }
}
