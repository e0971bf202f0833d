package org.grokcap.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line in a child JVM of the same JDK and class path, for tests that kill or signal it. */
final class ForkedCli {
    private ForkedCli() {}

    /**
     * Starts {@code grokcap args...} with these -D properties (may be empty), its stdout and stderr
     * together in log.
     */
    static Process start(Path log, List<String> properties, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "--add-modules", "jdk.incubator.vector",
                "-Djava.awt.headless=true", "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
        properties.forEach(p -> command.add("-D" + p));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The java binary of this JVM, so the child runs the same JDK. */
    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
