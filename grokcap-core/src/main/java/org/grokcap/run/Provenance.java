package org.grokcap.run;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Where and with what a run was made: enough, with the resolved config beside it in run.json, to make
 * the run again and to know why its numbers might differ elsewhere.
 */
@JsonPropertyOrder({"grokcapVersion", "gitRevision", "startedAt", "backend", "device", "java", "os", "cpu", "cores",
        "datasetHash", "parameters"})
public record Provenance(String grokcapVersion, String gitRevision, String startedAt, String backend, String device,
                         String java, String os, String cpu, int cores, String datasetHash, long parameters) {

    public static Provenance capture(String backend, String device, String datasetHash, long parameters) {
        return new Provenance(version(), currentGitRevision(), Instant.now().toString(), backend, device,
                System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ", "
                        + System.getProperty("java.vm.name") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                cpuModel(), Runtime.getRuntime().availableProcessors(), datasetHash, parameters);
    }

    /** grokcap's version from the build, or "unknown" when run from unpackaged classes. */
    public static String version() {
        try (InputStream in = Provenance.class.getResourceAsStream("/grokcap.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException ignored) {
            // fall through: provenance is best effort
        }
        return "unknown";
    }

    /** The CPU's model name from /proc/cpuinfo, or the architecture where that file does not exist. */
    public static String cpuModel() {
        Path info = Path.of("/proc/cpuinfo");
        try {
            if (Files.isReadable(info)) {
                for (String line : Files.readAllLines(info)) {
                    if (line.startsWith("model name")) {
                        return line.substring(line.indexOf(':') + 1).trim();
                    }
                }
            }
        } catch (IOException ignored) {
            // fall through
        }
        return System.getProperty("os.arch");
    }

    /** HEAD of the git checkout the JVM runs in, with "-dirty" when it has changes; null outside one. */
    public static String currentGitRevision() {
        String rev = git("rev-parse", "HEAD");
        if (rev == null) {
            return null;
        }
        String status = git("status", "--porcelain", "--untracked-files=no");
        return status == null || status.isEmpty() ? rev : rev + "-dirty";
    }

    private static String git(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "git";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return null;
            }
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
