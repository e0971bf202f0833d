package org.grokcap.backend;

import org.grokcap.util.BadInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
    /**
     * What an SDK archive ships instead (checked on TornadoVM 5.2.1's jdk25 branch: its build writes
     * {@value #ARGFILE} only for a local install, and packs this template, with {@code ${TORNADOVM_HOME}}
     * placeholders, into SDK archives).
     */
    public static final String TEMPLATE = "tornado-argfile.template";

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
        if (Files.isRegularFile(argfile)) {
            return List.of("@" + argfile.toAbsolutePath());
        }
        Path template = home.resolve(TEMPLATE);
        if (!Files.isRegularFile(template)) {
            throw new BadInputException("TornadoVM SDK " + home + " has neither " + ARGFILE + " nor " + TEMPLATE
                    + "; is it a TornadoVM SDK?");
        }
        try {
            String text = Files.readString(template).replace("${TORNADOVM_HOME}", home.toAbsolutePath().toString());
            // A stable name per SDK, not a temp file deleted on exit: the JVM that reads it is a later one.
            Path expanded = Path.of(System.getProperty("java.io.tmpdir"),
                    "grokcap-tornado-argfile-" + Integer.toHexString(home.toAbsolutePath().toString().hashCode()));
            Path part = Files.createTempFile(expanded.getParent(), expanded.getFileName().toString(), ".part");
            Files.writeString(part, text);
            Files.move(part, expanded, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return List.of("@" + expanded.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot expand " + template + ": " + e.getMessage(), e);
        }
    }

    /** Why no backend named tornado is on the class path (for {@code grokcap info} and backend errors). */
    public static String missingReason(Map<String, String> env) {
        Path home = home(env);
        if (home == null) {
            return "no TornadoVM SDK: set TORNADOVM_HOME (or TORNADO_SDK) to one; ./grokcap then builds grokcap-tornado"
                    + " and starts Java with the SDK's flags";
        }
        return "grokcap-tornado is not on the class path (SDK " + home + "); build it with mvn -Ptornado"
                + " -pl grokcap-tornado -am package, and run through ./grokcap --backend tornado";
    }
}
