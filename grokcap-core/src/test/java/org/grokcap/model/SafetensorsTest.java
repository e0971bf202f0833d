package org.grokcap.model;

import org.grokcap.io.Json;

import org.grokcap.model.SafetensorsException;

import org.grokcap.model.Safetensors;

import org.grokcap.model.Safetensors.Tensor;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.ParamLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SafetensorsTest {
    @TempDir
    Path dir;

    private static final List<Tensor> TENSORS = List.of(
            new Tensor("wte", new int[] {2, 3}, new float[] {1.5f, -2f, 0.1f, 3e-8f, -0f, Float.MAX_VALUE}),
            new Tensor("scalar", new int[] {}, new float[] {42f}),
            new Tensor("empty", new int[] {0, 4}, new float[] {}),
            new Tensor("layers.0.bias", new int[] {3}, new float[] {Float.MIN_VALUE, 1e30f, -7.25f}));
    private static final Map<String, String> METADATA = metadata("format", "pt", "config", "{\"layers\":1}", "note", "λ ✓");

    private static Map<String, String> metadata(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** A small model's layout; the only place these tests depend on ModelConfig. */
    private static ParamLayout layout() {
        return ParamLayout.of(new ModelConfig(7, 7, 3, 1, 4, 2, 8, null, null, null, null, null, null, null));
    }

    @Test
    void roundTrip() throws IOException {
        Path file = dir.resolve("a.safetensors");
        Safetensors.write(file, TENSORS, METADATA);

        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + headerLength) % 8, "data section must start at a multiple of 8");
        int dataBytes = 4 * (6 + 1 + 0 + 3);
        assertEquals(8 + headerLength + dataBytes, bytes.length);
        assertEquals('{', bytes[8]);
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertTrue(header.contains("\"wte\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}"), header);

        Safetensors.Contents back = Safetensors.read(file);
        assertEquals(METADATA, back.metadata());
        assertEquals(List.of("wte", "scalar", "empty", "layers.0.bias"), List.copyOf(back.tensors().keySet()));
        for (Tensor t : TENSORS) {
            Tensor b = back.tensors().get(t.name());
            assertArrayEquals(t.shape(), b.shape());
            assertArrayEquals(t.data(), b.data());
        }
        assertEquals(TENSORS, List.copyOf(back.tensors().values()));
    }

    @Test
    void noMetadataReadsAsEmpty() throws IOException {
        Path file = dir.resolve("a.safetensors");
        Safetensors.write(file, TENSORS, null);
        assertFalse(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).contains("__metadata__"));
        assertEquals(Map.of(), Safetensors.read(file).metadata());
    }

    @Test
    void layoutRoundTrip() throws IOException {
        ParamLayout layout = layout();
        float[] flat = new float[layout.size()];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = (float) Math.sin(i) * 0.02f;
        }
        Path file = dir.resolve("ckpt.safetensors");
        Safetensors.write(file, layout, flat, metadata("step", "100"));

        float[] back = new float[layout.size()];
        Safetensors.readInto(file, layout, back);
        assertArrayEquals(flat, back);

        Safetensors.Contents contents = Safetensors.read(file);
        assertEquals(layout.names(), List.copyOf(contents.tensors().keySet()));
        ParamLayout.Tensor wte = layout.get("wte");
        assertArrayEquals(Arrays.copyOfRange(flat, wte.offset(), wte.offset() + wte.size()),
                contents.tensors().get("wte").data());
    }

    /** The layout's tensors as separate tensors, for building files that differ from the layout. */
    private static List<Tensor> tensorsOf(ParamLayout layout) {
        List<Tensor> out = new ArrayList<>();
        for (ParamLayout.Tensor t : layout.tensors()) {
            out.add(new Tensor(t.name(), t.shape(), new float[t.size()]));
        }
        return out;
    }

    @Test
    void readIntoWrongShape() throws IOException {
        ParamLayout layout = layout();
        List<Tensor> tensors = tensorsOf(layout);
        Tensor wte = tensors.get(0);
        assertEquals("wte", wte.name());
        tensors.set(0, new Tensor("wte", new int[] {wte.shape()[1], wte.shape()[0]}, wte.data()));
        Path file = dir.resolve("wrong.safetensors");
        Safetensors.write(file, tensors, null);

        float[] flat = new float[layout.size()];
        Arrays.fill(flat, 5f);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.readInto(file, layout, flat));
        assertEquals(file + ": tensor 'wte': expected shape [7, 4], found [4, 7]", e.getMessage());
        for (float f : flat) {
            assertEquals(5f, f, "nothing is loaded when the file does not fit");
        }
    }

    @Test
    void readIntoMissingTensor() throws IOException {
        ParamLayout layout = layout();
        List<Tensor> tensors = tensorsOf(layout);
        tensors.removeIf(t -> t.name().equals("unembed.weight"));
        Path file = dir.resolve("missing.safetensors");
        Safetensors.write(file, tensors, null);
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> Safetensors.readInto(file, layout, new float[layout.size()]));
        assertEquals(file + ": missing tensor 'unembed.weight': expected shape [7, 4], found none", e.getMessage());
    }

    @Test
    void readIntoExtraTensor() throws IOException {
        ParamLayout layout = layout();
        List<Tensor> tensors = tensorsOf(layout);
        tensors.add(new Tensor("layers.1.mlp.fc.weight", new int[] {8, 4}, new float[32]));
        Path file = dir.resolve("extra.safetensors");
        Safetensors.write(file, tensors, null);
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> Safetensors.readInto(file, layout, new float[layout.size()]));
        assertTrue(e.getMessage().contains("unexpected tensor 'layers.1.mlp.fc.weight'"), e.getMessage());
        assertTrue(e.getMessage().contains("found [8, 4]"), e.getMessage());
    }

    @Test
    void writeRejectsDuplicateAndReservedNames() {
        Tensor t = new Tensor("a", new int[] {1}, new float[1]);
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(dir.resolve("x"), List.of(t, t), null));
        Tensor reserved = new Tensor("__metadata__", new int[] {1}, new float[1]);
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(dir.resolve("x"), List.of(reserved), null));
        assertThrows(IllegalArgumentException.class, () -> new Tensor("b", new int[] {2, 2}, new float[3]));
    }

    // ------------------------------------------------------------------------------ hostile files

    /** A file of the given 8-byte length field, header bytes and data size (zeros). */
    private static byte[] file(long lengthField, byte[] header, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(lengthField).put(header);
        return b.array();
    }

    private static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, dataBytes);
    }

    /** {"a":"?"} with the ? replaced by a byte that starts no UTF-8 character. */
    private static byte[] notUtf8() {
        byte[] h = "{\"a\":\"?\"}".getBytes(StandardCharsets.US_ASCII);
        h[6] = (byte) 0xff;
        return file(h.length, h, 0);
    }

    static Stream<Arguments> hostile() {
        String ok = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        return Stream.of(
                Arguments.of("short", new byte[5], "too short"),
                Arguments.of("negative length", file(-1, new byte[0], 16), "negative"),
                Arguments.of("length past end", file(1000, "{}".getBytes(StandardCharsets.UTF_8), 0), "larger than the 2 bytes"),
                Arguments.of("length over limit", file(200_000_000L, "{}".getBytes(StandardCharsets.UTF_8), 0), "over the limit"),
                Arguments.of("invalid json", file("{\"a\":", 0), "not valid JSON"),
                Arguments.of("trailing garbage", file("{} x", 0), "not valid JSON"),
                Arguments.of("deep nesting", file("[".repeat(100_000), 0), "not valid JSON"),
                Arguments.of("duplicate name", file("{" + ok + "," + ok + "}", 8), "not valid JSON"),
                Arguments.of("not utf-8", notUtf8(), "UTF-8"),
                Arguments.of("root array", file("[1,2]", 0), "not a JSON object"),
                Arguments.of("empty header", file("", 0), "not a JSON object"),
                Arguments.of("entry not object", file("{\"a\":5}", 0), "header entry 'a' is not a JSON object"),
                Arguments.of("no dtype", file("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "no dtype"),
                Arguments.of("f16", file("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4), "only F32"),
                Arguments.of("no shape", file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8), "no shape"),
                Arguments.of("float shape", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8), "shape entry 2.0"),
                Arguments.of("negative dim", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "shape entry -2"),
                Arguments.of("shape mismatch", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "does not match"),
                Arguments.of("shape overflow", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}", 8), "does not match"),
                Arguments.of("huge tensor", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1000000000000],\"data_offsets\":[0,8]}}", 8), "shape entry"),
                Arguments.of("offsets strings", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\"0\",\"8\"]}}", 8), "data_offsets"),
                Arguments.of("offsets one", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8), "data_offsets"),
                Arguments.of("offsets bigint", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999999]}}", 8), "data_offsets"),
                Arguments.of("offsets past data", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8), "outside the 8-byte data section"),
                Arguments.of("negative offsets", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-4,4]}}", 8), "outside"),
                Arguments.of("end before begin", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), "outside"),
                Arguments.of("overlap", file("{" + ok + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlaps"),
                Arguments.of("gap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12), "gap"),
                Arguments.of("extra data", file("{" + ok + "}", 12), "cover 8 bytes but the data section has 12"),
                Arguments.of("metadata value", file("{\"__metadata__\":{\"k\":1}," + ok + "}", 8), "value for key 'k' is not a string"),
                Arguments.of("metadata array", file("{\"__metadata__\":[]," + ok + "}", 8), "__metadata__ is not a JSON object"),
                Arguments.of("name with newline", file("{\"a\\nb\":7}", 0), "header entry 'a\\u000ab'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileFilesAreSafetensorsExceptions(String what, byte[] bytes, String expected) throws IOException {
        Path file = dir.resolve(what.replace(' ', '_') + ".safetensors");
        Files.write(file, bytes);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.read(file));
        String message = e.getMessage();
        assertTrue(message.startsWith(file + ": "), message);
        assertTrue(message.contains(expected), message);
        assertFalse(message.contains("\n"), message);
    }

    @Test
    void nullMetadataIsAllowed() throws IOException {
        Path file = dir.resolve("null-meta.safetensors");
        Files.write(file, file("{\"__metadata__\":null,\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
        Safetensors.Contents c = Safetensors.read(file);
        assertEquals(Map.of(), c.metadata());
        assertArrayEquals(new float[2], c.tensors().get("a").data());
    }

    // ------------------------------------------------------------------- format check with Python

    private static final Path PYTHON = Path.of("/usr/bin/python3");

    /**
     * Parses our file the way Hugging Face's reader does, with Python's standard library (and numpy
     * when importable): the header length, '{' first, 8-byte alignment, contiguous offsets, values.
     */
    private static final String CHECK_SCRIPT = String.join("\n",
            "import json, struct, sys",
            "path, expected = sys.argv[1], json.loads(sys.argv[2])",
            "raw = open(path, 'rb').read()",
            "(n,) = struct.unpack('<Q', raw[:8])",
            "assert (8 + n) % 8 == 0, 'data not 8-aligned'",
            "assert raw[8:9] == b'{', 'header must start with {'",
            "header = json.loads(raw[8:8 + n].decode('utf-8'))",
            "assert header.get('__metadata__') == expected['metadata'], header.get('__metadata__')",
            "data = raw[8 + n:]",
            "names = [k for k in header if k != '__metadata__']",
            "assert names == [t['name'] for t in expected['tensors']], names",
            "try:",
            "    import numpy as np",
            "except ImportError:",
            "    np = None",
            "end = 0",
            "for t in expected['tensors']:",
            "    h = header[t['name']]",
            "    assert h['dtype'] == 'F32' and h['shape'] == t['shape'], h",
            "    b, e = h['data_offsets']",
            "    assert b == end, (b, end)",
            "    end = e",
            "    values = list(struct.unpack('<%df' % ((e - b) // 4), data[b:e]))",
            "    assert values == t['values'], (t['name'], values)",
            "    if np is not None:",
            "        arr = np.frombuffer(data[b:e], dtype='<f4').reshape(t['shape'])",
            "        assert arr.reshape(-1).tolist() == t['values']",
            "assert end == len(data), (end, len(data))",
            "print('OK numpy' if np is not None else 'OK')");

    @Test
    void pythonReadsOurFiles() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "skipped: " + PYTHON + " is missing, cannot cross-check the format with Python");
        Path file = dir.resolve("py.safetensors");
        Safetensors.write(file, TENSORS, METADATA);

        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("metadata", METADATA);
        List<Map<String, Object>> tensors = new ArrayList<>();
        for (Tensor t : TENSORS) {
            List<Double> values = new ArrayList<>();
            for (float f : t.data()) {
                values.add((double) f);
            }
            tensors.add(Map.of("name", t.name(), "shape", Arrays.stream(t.shape()).boxed().toList(), "values", values));
        }
        expected.put("tensors", tensors);

        Process p = new ProcessBuilder(PYTHON.toString(), "-c", CHECK_SCRIPT, file.toString(),
                Json.mapper().writeValueAsString(expected)).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python did not finish");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.startsWith("OK"), output);
    }
}
