package org.grokcap.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** grokcap jvm-flags: what the Maven plugin asks before it forks a JVM for the tornado backend. */
class JvmFlagsCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void theCpuBackendNeedsNoMoreFlags() {
        assertEquals(0, run("jvm-flags", "cpu"), err.toString(StandardCharsets.UTF_8));
        assertEquals("[]\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theTornadoBackendWithoutAnSdkIsBadInputThatSaysWhatToSet() {
        assumeTrue(System.getenv("TORNADOVM_HOME") == null && System.getenv("TORNADO_SDK") == null,
                "a TornadoVM SDK is named in the environment");
        assertEquals(2, run("jvm-flags", "tornado"));
        assertEquals("error: the tornado backend needs a TornadoVM SDK: set TORNADOVM_HOME or TORNADO_SDK\n",
                err.toString(StandardCharsets.UTF_8));
    }
}
