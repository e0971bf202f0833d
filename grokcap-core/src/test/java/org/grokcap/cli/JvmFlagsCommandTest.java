package org.grokcap.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** grokcap jvm-flags: what the Maven plugin asks before it forks a JVM for the tornado backend. */
class JvmFlagsCommandTest {
    private final CommandRun cli = new CommandRun();

    @Test
    void theCpuBackendNeedsNoMoreFlags() {
        assertEquals(0, cli.run("jvm-flags", "cpu"), cli.err());
        assertEquals("[]\n", cli.out());
    }

    @Test
    void theTornadoBackendWithoutAnSdkIsBadInputThatSaysWhatToSet() {
        assumeTrue(System.getenv("TORNADOVM_HOME") == null && System.getenv("TORNADO_SDK") == null,
                "a TornadoVM SDK is named in the environment");
        assertEquals(2, cli.run("jvm-flags", "tornado"));
        assertEquals("error: the tornado backend needs a TornadoVM SDK: set TORNADOVM_HOME or TORNADO_SDK\n",
                cli.err());
    }
}
