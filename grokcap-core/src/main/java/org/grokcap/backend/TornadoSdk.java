package org.grokcap.backend;

import org.grokcap.BadInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where the TornadoVM SDK is and which JVM flags a JVM needs to run the {@code tornado} backend. The
 * SDK is named by {@code TORNADOVM_HOME} or {@code TORNADO_SDK}; the flags come from the SDK's own
 * {@code tornado-argfile}, so the launcher and the Maven plugin's forked JVM start TornadoVM exactly
 * as its own {@code tornado} command does. Plain file reading: grokcap-core never links TornadoVM.
 */
public final class TornadoSdk {
    /** The argument file an SDK ships with its JVM flags (module path, exports, JVMCI settings). */
    public static final String ARGFILE = "tornado-argfile";

    private TornadoSdk() {}

    /** The SDK directory named by the environment, or null when neither variable is set. */
    public static Path home(Map<String, String> env) {
        for (String name : List.of("TORNADOVM_HOME", "TORNADO_SDK")) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return Path.of(value);
            }
        }
        return null;
    }

    /**
     * The JVM flags for a JVM that runs the tornado backend from the SDK at home: {@code @<argfile>}.
     * A missing SDK or argfile is bad input that says which path was tried.
     */
    public static List<String> jvmFlags(Path home) {
        if (home == null) {
            throw new BadInputException("the tornado backend needs a TornadoVM SDK: set TORNADOVM_HOME or TORNADO_SDK");
        }
        Path argfile = home.resolve(ARGFILE);
        if (!Files.isRegularFile(argfile)) {
            throw new BadInputException("TornadoVM SDK " + home + " has no " + ARGFILE + "; is it a TornadoVM SDK?");
        }
        return List.of("@" + argfile.toAbsolutePath());
    }
}
