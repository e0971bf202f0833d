package org.grokcap.maven;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds a JDK 22+ for the forked JVM, in the order the {@code ./grokcap} script uses: an explicit home,
 * the JVM Maven runs on, JAVA_HOME, then every JDK under /usr/lib/jvm and /opt.
 */
final class JavaFinder {
    private static final Pattern SPEC = Pattern.compile("java\\.specification\\.version = (\\d+)");

    /** What was found for each explicit home (or none): asking a JVM its version costs a JVM start, once per build. */
    private static final Map<Optional<File>, Optional<Path>> FOUND = new ConcurrentHashMap<>();

    private JavaFinder() {}

    static Optional<Path> find(File explicitHome) {
        return FOUND.computeIfAbsent(Optional.ofNullable(explicitHome), h -> search(h.orElse(null)));
    }

    private static Optional<Path> search(File explicitHome) {
        List<Path> candidates = new ArrayList<>();
        if (explicitHome != null) {
            candidates.add(explicitHome.toPath());
        }
        candidates.add(Path.of(System.getProperty("java.home")));
        String env = System.getenv("JAVA_HOME");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        for (String root : List.of("/usr/lib/jvm", "/opt")) {
            Path dir = Path.of(root);
            if (Files.isDirectory(dir)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    ds.forEach(candidates::add);
                } catch (IOException ignored) {
                    // an unreadable directory just offers no candidates
                }
            }
        }
        for (Path home : candidates) {
            Path java = home.resolve("bin").resolve("java");
            if (Files.isExecutable(java) && feature(java) >= 22) {
                return Optional.of(java);
            }
        }
        return Optional.empty();
    }

    /** The feature release of a java binary, or -1 when it cannot be asked. */
    static int feature(Path java) {
        try {
            Process p = new ProcessBuilder(java.toString(), "-XshowSettings:properties", "-version")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            Matcher m = SPEC.matcher(out);
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
