package org.grokcap.io;

import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {
    record Sample(String zeta, int alpha, double lr) {}

    @Test
    void unknownFieldsAreErrors() {
        assertThrows(UnrecognizedPropertyException.class,
                () -> Json.mapper().readValue("{\"zeta\":\"a\",\"alpha\":1,\"lr\":0.5,\"typo\":2}", Sample.class));
    }

    @Test
    void trailingGarbageIsAnError() {
        assertThrows(IOException.class,
                () -> Json.mapper().readValue("{\"zeta\":\"a\",\"alpha\":1,\"lr\":0.5} x", Sample.class));
    }

    @Test
    void compactAndInDeclarationOrder() throws IOException {
        assertEquals("{\"zeta\":\"z\",\"alpha\":3,\"lr\":0.001}", Json.mapper().writeValueAsString(new Sample("z", 3, 1e-3)));
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("b", 1);
        map.put("a", 2.5);
        assertEquals("{\"b\":1,\"a\":2.5}", Json.mapper().writeValueAsString(map));
    }

    @Test
    void writePrettyIsIndentedAndReadsBack(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("run.json");
        Sample sample = new Sample("z", 3, 0.25);
        Json.writePretty(file, sample);
        String text = Files.readString(file);
        assertTrue(text.contains("\n  \"alpha\""), text);
        assertTrue(text.endsWith("}\n"), text);
        assertEquals(sample, Json.mapper().readValue(file.toFile(), Sample.class));
    }
}
