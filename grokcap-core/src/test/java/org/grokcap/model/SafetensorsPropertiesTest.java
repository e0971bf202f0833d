package org.grokcap.model;

import org.grokcap.io.AtomicFiles;

import org.grokcap.model.SafetensorsException;

import org.grokcap.model.Safetensors;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.grokcap.model.Safetensors.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

class SafetensorsPropertiesTest {

    /** Names and metadata with quotes, backslashes, control characters and non-ASCII text. */
    private static Arbitrary<String> text() {
        return Arbitraries.strings().withCharRange(' ', '~').withChars('\n', '\t', '\u0000', 'é', 'λ', '中', '✓')
                .ofMaxLength(12);
    }

    @Provide
    Arbitrary<List<Tensor>> tensorLists() {
        Arbitrary<int[]> shapes = Arbitraries.integers().between(0, 5).list().ofMaxSize(3)
                .map(dims -> dims.stream().mapToInt(Integer::intValue).toArray());
        // Any bit pattern, so NaNs with payloads, infinities, -0 and subnormals all occur.
        Arbitrary<Float> floats = Arbitraries.integers().map(Float::intBitsToFloat);
        Arbitrary<Tensor> tensors = Combinators.combine(text().filter(n -> !n.equals("__metadata__")), shapes)
                .flatAs((name, shape) -> {
                    int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                    return floats.array(float[].class).ofSize(n).map(data -> new Tensor(name, shape, data));
                });
        return tensors.list().ofMaxSize(6).uniqueElements(Tensor::name);
    }

    @Provide
    Arbitrary<Map<String, String>> metadata() {
        return Arbitraries.maps(text(), text()).ofMaxSize(4);
    }

    @Property(tries = 300)
    void roundTrip(@ForAll("tensorLists") List<Tensor> tensors, @ForAll("metadata") Map<String, String> metadata)
            throws IOException {
        Path file = scratchFile();
        try {
            Safetensors.write(file, tensors, metadata);
            long headerLength = readLength(Files.readAllBytes(file));
            assertEquals(0, headerLength % 8);

            Safetensors.Contents back = Safetensors.read(file);
            assertEquals(metadata, back.metadata());
            assertEquals(tensors.stream().map(Tensor::name).toList(), List.copyOf(back.tensors().keySet()));
            for (Tensor t : tensors) {
                Tensor b = back.tensors().get(t.name());
                assertArrayEquals(t.shape(), b.shape());
                assertArrayEquals(rawBits(t.data()), rawBits(b.data()), t.name());
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** One change to a file: put this byte at this position (taken modulo the region it aims at). */
    record Mutation(int position, byte value) {}

    private static final List<Byte> SIGNIFICANT = new ArrayList<>();

    static {
        for (byte b : "{}[]\",:-.0123456789eE ntf\\".getBytes(StandardCharsets.US_ASCII)) {
            SIGNIFICANT.add(b);
        }
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        // Mostly JSON-significant characters and digits, which make well-formed but lying headers;
        // some arbitrary bytes, which make broken UTF-8 and broken lengths.
        Arbitrary<Byte> bytes = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(SIGNIFICANT)),
                Tuple.of(1, Arbitraries.bytes()));
        return Combinators.combine(Arbitraries.integers().greaterOrEqual(0), bytes).as(Mutation::new)
                .list().ofMinSize(1).ofMaxSize(6);
    }

    @Property(tries = 1000)
    void corruptedFilesFailCleanly(@ForAll("tensorLists") @Size(min = 1) List<Tensor> tensors,
                                   @ForAll("mutations") List<Mutation> mutations,
                                   @ForAll boolean inHeaderOnly,
                                   @ForAll boolean truncate,
                                   @ForAll @IntRange(min = 0, max = 1 << 20) int cut) throws IOException {
        Path file = scratchFile();
        try {
            Safetensors.write(file, tensors, Map.of("step", "7"));
            byte[] bytes = Files.readAllBytes(file);
            int region = inHeaderOnly ? (int) (8 + readLength(bytes)) : bytes.length;
            for (Mutation m : mutations) {
                bytes[m.position() % region] = m.value();
            }
            if (truncate) {
                bytes = Arrays.copyOf(bytes, cut % (bytes.length + 1));
            }
            Files.write(file, bytes);
            readExpectingOnlySafetensorsException(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The length field alone, set to anything: small, huge, negative. */
    @Property(tries = 300)
    void anyHeaderLengthFailsCleanly(@ForAll long lengthField, @ForAll @IntRange(min = 0, max = 64) int extraBytes)
            throws IOException {
        Path file = scratchFile();
        try {
            ByteBuffer b = ByteBuffer.allocate(8 + extraBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(lengthField);
            Files.write(file, b.array());
            readExpectingOnlySafetensorsException(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Reads the file; a corrupt file may still be valid, but the only failure allowed is ours. */
    private static void readExpectingOnlySafetensorsException(Path file) {
        String outcome = "read";
        try {
            Safetensors.read(file);
        } catch (SafetensorsException expected) {
            if (expected.getMessage().contains("\n")) {
                fail("message is not one line: " + expected.getMessage());
            }
            outcome = "SafetensorsException";
        } catch (Throwable other) {
            fail("read threw " + other + " instead of SafetensorsException", other);
        }
        Statistics.collect(outcome);
    }

    /**
     * A temporary file, on tmpfs where there is one: every write is fsynced (AtomicFiles), which
     * costs milliseconds on a disk and would dominate a property that writes a thousand files.
     */
    private static Path scratchFile() throws IOException {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm)
                ? Files.createTempFile(shm, "grokcap-test", ".safetensors")
                : Files.createTempFile("grokcap-test", ".safetensors");
    }

    private static long readLength(byte[] file) {
        return ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static int[] rawBits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
