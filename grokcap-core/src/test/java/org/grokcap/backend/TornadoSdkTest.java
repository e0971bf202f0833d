package org.grokcap.backend;

import org.grokcap.util.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TornadoSdkTest {

    @Test
    void homeComesFromEitherVariable() {
        assertEquals(Path.of("/a"), TornadoSdk.home(Map.of("TORNADOVM_HOME", "/a", "TORNADO_SDK", "/b")));
        assertEquals(Path.of("/b"), TornadoSdk.home(Map.of("TORNADO_SDK", "/b")));
        assertEquals(null, TornadoSdk.home(Map.of("TORNADOVM_HOME", " ")));
    }

    @Test
    void anInstalledSdksArgfileIsUsedAsIs(@TempDir Path sdk) throws Exception {
        Files.writeString(sdk.resolve(TornadoSdk.ARGFILE), "-XX:+EnableJVMCI\n");
        assertEquals(List.of("@" + sdk.resolve(TornadoSdk.ARGFILE).toAbsolutePath()), TornadoSdk.jvmFlags(sdk));
    }

    @Test
    void anSdkArchivesTemplateIsExpandedWithItsHome(@TempDir Path sdk) throws Exception {
        Files.writeString(sdk.resolve(TornadoSdk.TEMPLATE), "--module-path ${TORNADOVM_HOME}/share/java/tornado\n");
        List<String> flags = TornadoSdk.jvmFlags(sdk);
        assertEquals(1, flags.size());
        assertTrue(flags.get(0).startsWith("@"), flags.toString());
        String text = Files.readString(Path.of(flags.get(0).substring(1)));
        assertEquals("--module-path " + sdk.toAbsolutePath() + "/share/java/tornado\n", text);
    }

    @Test
    void noSdkOrNoArgfileIsBadInputNamingThePath(@TempDir Path notAnSdk) {
        assertTrue(assertThrows(BadInputException.class, () -> TornadoSdk.jvmFlags(null)).getMessage()
                .contains("TORNADOVM_HOME"));
        assertTrue(assertThrows(BadInputException.class, () -> TornadoSdk.jvmFlags(notAnSdk)).getMessage()
                .contains(notAnSdk.toString()));
    }

    @Test
    void askingForTornadoWithoutItSaysWhy() {
        // grokcap-core's own tests never have grokcap-tornado on the class path
        BadInputException e = assertThrows(BadInputException.class, () -> Backends.choose("tornado"));
        assertTrue(e.getMessage().startsWith("backend 'tornado' is unavailable: "), e.getMessage());
        assertTrue(TornadoSdk.missingReason(Map.of()).contains("TORNADOVM_HOME"));
        assertTrue(TornadoSdk.missingReason(Map.of("TORNADO_SDK", "/sdk")).contains("mvn -Ptornado"));
    }
}
