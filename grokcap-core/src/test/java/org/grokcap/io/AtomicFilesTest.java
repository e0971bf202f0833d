package org.grokcap.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void writesAndReplaces() throws IOException {
        Path target = dir.resolve("a.bin");
        AtomicFiles.write(target, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
        AtomicFiles.write(target, new byte[] {4});
        assertArrayEquals(new byte[] {4}, Files.readAllBytes(target));
        assertEquals(List.of(target), entries());
    }

    @Test
    void failureLeavesTargetUntouchedAndNoTempFile() throws IOException {
        Path target = dir.resolve("run.json");
        Files.writeString(target, "old");
        IOException thrown = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write("half of the new con".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", thrown.getMessage());
        assertEquals("old", Files.readString(target));
        assertEquals(List.of(target), entries());
    }

    @Test
    void failureWithoutTargetCreatesNothing() throws IOException {
        Path target = dir.resolve("new.bin");
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, out -> {
            out.write(1);
            throw new IllegalStateException("bug in the writer");
        }));
        assertFalse(Files.exists(target));
        assertEquals(List.of(), entries());
    }

    @Test
    void bodyMayCloseTheStream() throws IOException {
        Path target = dir.resolve("closed.txt");
        AtomicFiles.write(target, out -> {
            out.write("abc".getBytes(StandardCharsets.US_ASCII));
            out.close();
        });
        assertEquals("abc", Files.readString(target));
    }

    @Test
    void relativeTargetWorks() throws IOException {
        Path relative = Path.of("").toAbsolutePath().relativize(dir.resolve("rel.bin"));
        AtomicFiles.write(relative, new byte[] {9});
        assertArrayEquals(new byte[] {9}, Files.readAllBytes(dir.resolve("rel.bin")));
    }

    private List<Path> entries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
