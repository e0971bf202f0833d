package org.grokcap.model;

import org.grokcap.io.Json;

import org.grokcap.io.AtomicFiles;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.grokcap.model.ParamLayout;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The safetensors format (as written by Hugging Face's {@code safetensors}), for float32 tensors:
 * an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the little-endian data.
 * The header maps each tensor name to {@code {"dtype":"F32","shape":[...],"data_offsets":[begin,end]}}
 * (byte offsets into the data section) and may hold {@code "__metadata__": {string: string}}.
 *
 * <p>Reading treats the file as hostile: every problem is a {@link SafetensorsException} with a
 * one-line message, and nothing is allocated from a size the file merely claims; every size is
 * checked against the real length of the file first.
 */
public final class Safetensors {
    private Safetensors() {}

    /**
     * Largest header accepted. The reference implementation allows 100 MB, but its header is parsed
     * into a JSON tree several times that size: a hostile 100 MB header of tiny entries cost gigabytes.
     * grokcap's largest headers (a GPT-2 small checkpoint with its config) are tens of kilobytes.
     */
    static final long MAX_HEADER_BYTES = 16L << 20;
    /** Most tensors a file may list: a 1000-layer GPT-2 has about 12 000; each entry costs memory when read. */
    static final int MAX_TENSORS = 65_536;
    private static final String METADATA_KEY = "__metadata__";
    private static final String F32 = "F32";
    /** The largest array length every JVM accepts. */
    private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;
    /** Data is converted through a buffer of this size, not one buffer as large as a tensor. */
    private static final int CHUNK_BYTES = 1 << 20;
    /** Duplicate tensor names would be ambiguous: refuse them instead of keeping the last. */
    private static final ObjectReader HEADER_READER =
            Json.mapper().reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    /**
     * A named tensor with its own data, row-major. The arrays are used as given, not copied.
     * Equality compares the contents of the arrays (floats by bit pattern, so NaN equals NaN).
     */
    public record Tensor(String name, int[] shape, float[] data) {
        public Tensor {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(shape, "shape");
            Objects.requireNonNull(data, "data");
            long elements;
            try {
                elements = elements(shape);
            } catch (ArithmeticException e) {
                elements = -1;
            }
            if (elements != data.length) {
                throw new IllegalArgumentException("tensor " + quote(name) + ": shape " + Arrays.toString(shape)
                        + " does not hold the " + data.length + " values given");
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tensor t && name.equals(t.name) && Arrays.equals(shape, t.shape)
                    && Arrays.equals(data, t.data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(data));
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape);
        }
    }

    /** What a file holds: its metadata and its tensors, in the order of their data in the file. */
    public record Contents(Map<String, String> metadata, LinkedHashMap<String, Tensor> tensors) {}

    // ---------------------------------------------------------------------------------------- write

    /** Writes the tensors, in the given order, atomically. metadata may be null or empty. */
    public static void write(Path file, List<Tensor> tensors, Map<String, String> metadata) throws IOException {
        writeSlices(file, slices(null, Map.of(), tensors), metadata);
    }

    /**
     * Writes every tensor of the layout, in layout order, straight from the flat buffer (no copy
     * of the parameters is made), atomically. metadata may be null or empty.
     */
    public static void write(Path file, ParamLayout layout, float[] flat, Map<String, String> metadata)
            throws IOException {
        write(file, layout, Map.of("", flat), List.of(), metadata);
    }

    /**
     * Writes, atomically, every tensor of the layout once per flat buffer of groups, named prefix + the
     * layout's name (e.g. "" for the parameters, "adam.m." for a moment), group by group in map order,
     * then the extra tensors. No buffer is copied.
     */
    public static void write(Path file, ParamLayout layout, Map<String, float[]> groups, List<Tensor> extra,
                             Map<String, String> metadata) throws IOException {
        List<Slice> slices = slices(layout, groups, extra);
        writeSlices(file, slices, metadata);
    }

    /** The tensors of each prefixed group of the layout, then the extra tensors, as slices of their arrays. */
    private static List<Slice> slices(ParamLayout layout, Map<String, float[]> groups, List<Tensor> extra) {
        List<Slice> slices = new ArrayList<>();
        for (Map.Entry<String, float[]> g : groups.entrySet()) {
            requireHolds(layout, g.getValue());
            for (ParamLayout.Tensor t : layout.tensors()) {
                slices.add(new Slice(g.getKey() + t.name(), t.shape(), g.getValue(), t.offset(), t.size()));
            }
        }
        for (Tensor t : extra) {
            slices.add(new Slice(t.name(), t.shape(), t.data(), 0, t.data().length));
        }
        return slices;
    }

    /** One tensor to write (or read into): count floats of source from offset, with this name and shape. */
    private record Slice(String name, int[] shape, float[] source, int offset, int count) {}

    /** The one writer behind both public write methods. */
    private static void writeSlices(Path file, List<Slice> slices, Map<String, String> metadata) throws IOException {
        ObjectNode header = Json.mapper().createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            metadata.forEach((key, value) -> meta.put(Objects.requireNonNull(key, "metadata key"),
                    Objects.requireNonNull(value, () -> "metadata value for " + quote(key))));
        }
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (Slice s : slices) {
            if (s.name().equals(METADATA_KEY) || !names.add(s.name())) {
                throw new IllegalArgumentException("tensor name " + quote(s.name())
                        + (s.name().equals(METADATA_KEY) ? " is reserved" : " is used twice"));
            }
            ObjectNode entry = header.putObject(s.name());
            entry.put("dtype", F32);
            ArrayNode shape = entry.putArray("shape");
            for (int d : s.shape()) {
                shape.add(d);
            }
            long end = offset + (long) Float.BYTES * s.count();
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = Json.mapper().writeValueAsBytes(header);
        // Spaces after the JSON so that the data starts at a multiple of 8 bytes (8 + padded length),
        // which lets readers map the data section as aligned floats; the reference writer does this too.
        int padded = (json.length + 7) & ~7;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        AtomicFiles.write(file, out -> {
            out.write(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Slice s : slices) {
                writeFloats(out, chunk, s.source(), s.offset(), s.count());
            }
        });
    }

    private static void writeFloats(OutputStream out, ByteBuffer chunk, float[] src, int offset, int count)
            throws IOException {
        int perChunk = chunk.capacity() / Float.BYTES;
        for (int done = 0; done < count; ) {
            int n = Math.min(perChunk, count - done);
            chunk.clear();
            chunk.asFloatBuffer().put(src, offset + done, n);
            out.write(chunk.array(), 0, n * Float.BYTES);
            done += n;
        }
    }

    // ----------------------------------------------------------------------------------------- read

    /** Reads every tensor and the metadata (empty when the file has none). */
    public static Contents read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(file, channel);
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry e : header.entries()) {
                float[] data = new float[e.count()];
                readFloats(file, channel, header.dataStart() + e.begin(), data, 0, data.length);
                tensors.put(e.name(), new Tensor(e.name(), e.shape(), data));
            }
            return new Contents(header.metadata(), tensors);
        }
    }

    /**
     * Loads every tensor of the layout, by name, into its slice of flat. The file must hold exactly
     * the layout's tensors with the layout's shapes; this is checked before any of flat is written.
     * Returns the file's metadata.
     */
    public static Map<String, String> readInto(Path file, ParamLayout layout, float[] flat) throws IOException {
        return readInto(file, layout, Map.of("", flat), List.of());
    }

    /**
     * The reverse of {@link #write(Path, ParamLayout, Map, List, Map)}: loads each prefixed group of the
     * layout into its flat buffer and each extra tensor into its array (whose shape the file must have).
     * The file must hold exactly these tensors with these shapes; this is checked before any array is
     * written. Returns the file's metadata.
     */
    public static Map<String, String> readInto(Path file, ParamLayout layout, Map<String, float[]> groups,
                                               List<Tensor> extra) throws IOException {
        return read(file, slices(layout, groups, extra), false);
    }

    /**
     * Loads the layout's tensors, by name and with their shapes, into flat from a file that may hold
     * other tensors too (a checkpoint's optimizer state); returns the metadata.
     */
    public static Map<String, String> readParams(Path file, ParamLayout layout, float[] flat) throws IOException {
        return read(file, slices(layout, Map.of("", flat), List.of()), true);
    }

    /** Reads the wanted slices, checking names and shapes first; other tensors are an error unless allowed. */
    private static Map<String, String> read(Path file, List<Slice> wanted, boolean othersAllowed) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(file, channel);
            Map<String, Entry> byName = new HashMap<>();
            Set<String> expected = new HashSet<>();
            wanted.forEach(w -> expected.add(w.name()));
            for (Entry e : header.entries()) {
                if (!expected.contains(e.name()) && !othersAllowed) {
                    throw new SafetensorsException(file, "unexpected tensor " + quote(e.name())
                            + ": expected shape none (not a tensor of this model), found " + Arrays.toString(e.shape()));
                }
                byName.put(e.name(), e);
            }
            for (Slice w : wanted) {
                Entry e = byName.get(w.name());
                if (e == null) {
                    throw new SafetensorsException(file, "missing tensor " + quote(w.name())
                            + ": expected shape " + Arrays.toString(w.shape()) + ", found none");
                }
                if (!Arrays.equals(e.shape(), w.shape())) {
                    throw new SafetensorsException(file, "tensor " + quote(w.name()) + ": expected shape "
                            + Arrays.toString(w.shape()) + ", found " + Arrays.toString(e.shape()));
                }
            }
            for (Slice w : wanted) {
                Entry e = byName.get(w.name());
                readFloats(file, channel, header.dataStart() + e.begin(), w.source(), w.offset(), w.count());
            }
            return header.metadata();
        }
    }

    /** Only the metadata of a file (its header is checked in full; no tensor data is read). */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, channel).metadata();
        }
    }

    private static void requireHolds(ParamLayout layout, float[] flat) {
        if (flat.length < layout.size()) {
            throw new IllegalArgumentException("flat buffer has " + flat.length + " floats; the layout needs "
                    + layout.size());
        }
    }

    /** A tensor as the header describes it, already checked against the file. */
    private record Entry(String name, int[] shape, long begin, long end) {
        int count() {
            return (int) ((end - begin) / Float.BYTES);
        }
    }

    /** The checked header: metadata, entries sorted by data offset, and where the data starts. */
    private record Header(Map<String, String> metadata, List<Entry> entries, long dataStart) {}

    private static Header readHeader(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < Long.BYTES) {
            throw new SafetensorsException(file, "file has " + size
                    + " bytes, too short for the 8-byte header length a safetensors file starts with");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, channel, lengthBytes, 0);
        long headerLength = lengthBytes.getLong(0);
        if (headerLength < 0) {
            throw new SafetensorsException(file, "header length " + Long.toUnsignedString(headerLength)
                    + " is larger than any file (negative as a signed number)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new SafetensorsException(file, "header length " + headerLength + " is over the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (headerLength > size - Long.BYTES) {
            throw new SafetensorsException(file, "header length " + headerLength + " is larger than the "
                    + (size - Long.BYTES) + " bytes that follow it");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(file, channel, headerBytes, Long.BYTES);
        long dataStart = Long.BYTES + headerLength;
        long dataBytes = size - dataStart;

        JsonNode root = parseJson(file, headerBytes.flip());
        if (!root.isObject()) {
            throw new SafetensorsException(file, "header is not a JSON object");
        }
        int tensors = root.size() - (root.has(METADATA_KEY) ? 1 : 0);
        if (tensors > MAX_TENSORS) {
            throw new SafetensorsException(file, "header lists " + tensors + " tensors, over the limit of " + MAX_TENSORS);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(file, field.getValue(), metadata);
            } else {
                entries.add(entry(file, field.getKey(), field.getValue(), dataBytes));
            }
        }
        // Like the reference reader: the tensors must tile the data section exactly, with no overlap
        // (two tensors sharing bytes) and no gap, so every byte of the file is accounted for.
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        String previous = null;
        for (Entry e : entries) {
            if (e.begin() < expected) {
                throw new SafetensorsException(file, "tensor " + quote(e.name()) + " overlaps tensor "
                        + quote(previous) + ": it starts at data byte " + e.begin() + ", before " + expected);
            }
            if (e.begin() > expected) {
                throw new SafetensorsException(file, "tensor " + quote(e.name()) + " starts at data byte "
                        + e.begin() + ", leaving a gap after byte " + expected);
            }
            expected = e.end();
            previous = e.name();
        }
        if (expected != dataBytes) {
            throw new SafetensorsException(file, "the tensors cover " + expected
                    + " bytes but the data section has " + dataBytes);
        }
        return new Header(metadata, entries, dataStart);
    }

    private static JsonNode parseJson(Path file, ByteBuffer bytes) throws IOException {
        String text;
        try {
            // Strict UTF-8: Jackson on its own would guess UTF-16/32 from the first bytes.
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file, "header is not valid UTF-8", e);
        }
        try {
            return HEADER_READER.readTree(text);
        } catch (JacksonException e) {
            throw new SafetensorsException(file, "header is not valid JSON: " + oneLine(e.getOriginalMessage()), e);
        }
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> metadata) throws IOException {
        if (node.isNull()) {
            return; // the reference format allows an explicit null for "no metadata"
        }
        if (!node.isObject()) {
            throw new SafetensorsException(file, METADATA_KEY + " is not a JSON object");
        }
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw new SafetensorsException(file, METADATA_KEY + " value for key " + quote(field.getKey())
                        + " is not a string");
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
    }

    private static Entry entry(Path file, String name, JsonNode node, long dataBytes) throws IOException {
        String what = "tensor " + quote(name);
        if (!node.isObject()) {
            throw new SafetensorsException(file, "header entry " + quote(name) + " is not a JSON object");
        }
        JsonNode dtype = node.get("dtype");
        if (dtype == null || !dtype.isTextual()) {
            throw new SafetensorsException(file, what + " has no dtype string");
        }
        if (!dtype.textValue().equals(F32)) {
            throw new SafetensorsException(file, what + " has dtype " + quote(dtype.textValue())
                    + "; only F32 is supported");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafetensorsException(file, what + " has no shape array");
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                throw new SafetensorsException(file, what + " has shape entry " + oneLine(d.toString())
                        + "; each must be an integer in [0, " + Integer.MAX_VALUE + "]");
            }
            shape[i] = d.intValue();
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(0).canConvertToLong()
                || !offsets.get(1).isIntegralNumber() || !offsets.get(1).canConvertToLong()) {
            throw new SafetensorsException(file, what + " needs data_offsets [begin, end] of two integers");
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (begin < 0 || end < begin || end > dataBytes) {
            throw new SafetensorsException(file, what + " has data_offsets [" + begin + ", " + end
                    + "] outside the " + dataBytes + "-byte data section (or end before begin)");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(elements(shape), Float.BYTES);
        } catch (ArithmeticException e) {
            bytes = -1; // cannot match any real offsets
        }
        if (bytes != end - begin) {
            throw new SafetensorsException(file, what + " has shape " + Arrays.toString(shape)
                    + " that does not match its " + (end - begin) + " bytes of F32 data");
        }
        if (bytes / Float.BYTES > MAX_ARRAY_LENGTH) {
            throw new SafetensorsException(file, what + " has " + bytes / Float.BYTES
                    + " elements, more than one Java array holds");
        }
        return new Entry(name, shape, begin, end);
    }

    /** The number of elements of a shape; ArithmeticException when it overflows a long. */
    public static long elements(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Reads count little-endian floats at position into dst[offset...]. */
    private static void readFloats(Path file, FileChannel channel, long position, float[] dst, int offset, int count)
            throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, (long) count * Float.BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = Math.max(1, chunk.capacity() / Float.BYTES);
        for (int done = 0; done < count; ) {
            int n = Math.min(perChunk, count - done);
            chunk.clear().limit(n * Float.BYTES);
            readFully(file, channel, chunk, position + (long) done * Float.BYTES);
            chunk.flip().asFloatBuffer().get(dst, offset + done, n);
            done += n;
        }
    }

    /** Fills the rest of buffer with the file's bytes from position on. */
    private static void readFully(Path file, FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new SafetensorsException(file, "file ended early (was it changed while being read?)");
            }
            at += n;
        }
    }

    /** A name from the file, quoted and made safe for a one-line message. */
    private static String quote(String s) {
        return "'" + oneLine(s) + "'";
    }

    /** Control characters escaped and long text cut, so a hostile file cannot break a log line. */
    private static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String shown = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        StringBuilder b = new StringBuilder(shown.length());
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
