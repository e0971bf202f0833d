package org.grokcap.io;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;

/**
 * The one configured Jackson mapper of grokcap, for configs, run.json, metrics and safetensors
 * headers. Reconfiguring it would change every file grokcap reads and writes, so callers who need
 * other settings take {@code Json.mapper().copy()} or an {@code ObjectReader}/{@code ObjectWriter}.
 */
public final class Json {
    private Json() {}

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            // A misspelt config field must be an error, not silently ignored.
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // "{...} garbage" is a broken file, not a valid one followed by noise.
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // One object per line in metrics.jsonl; pretty output is asked for explicitly.
            .disable(SerializationFeature.INDENT_OUTPUT)
            // Fields in declaration / insertion order, so that files read in the order they were made.
            .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .disable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    static {
        rejectFractionsForIntegers(MAPPER);
    }

    /**
     * Makes mapper refuse a floating-point number (1.5, also 2.0 or 1e3) for an integer field instead
     * of Jackson's default, which truncates: "steps": 1.5 trained 1 step without a word.
     */
    public static void rejectFractionsForIntegers(ObjectMapper mapper) {
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    }

    /** Whether a Jackson target type is one that {@link #rejectFractionsForIntegers} guards. */
    public static boolean isWholeNumberType(Class<?> type) {
        return type == int.class || type == Integer.class || type == long.class || type == Long.class
                || type == short.class || type == Short.class || type == java.math.BigInteger.class;
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Writes value as indented JSON with a final newline, atomically (see {@link AtomicFiles}). */
    public static void writePretty(Path file, Object value) throws IOException {
        AtomicFiles.write(file, withNewline(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(value)));
    }

    /** json with a final newline, as one array (so that a metrics row is one write). */
    static byte[] withNewline(byte[] json) {
        byte[] line = Arrays.copyOf(json, json.length + 1);
        line[json.length] = '\n';
        return line;
    }

    /**
     * Where two JSON trees first differ: the dotted path (or "" at the root) and each side's value as
     * JSON text, "absent" where a side lacks the field.
     */
    public record Difference(String path, String first, String second) {}

    /** The first path, in a's field order then b's extra fields, at which a and b differ; null when they are the same. */
    public static Difference firstDifference(String path, JsonNode a, JsonNode b) {
        if (a != null && b != null && a.isObject() && b.isObject()) {
            for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                Difference d = firstDifference(path.isEmpty() ? k : path + "." + k, a.get(k), b.get(k));
                if (d != null) {
                    return d;
                }
            }
            for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!a.has(k)) {
                    return new Difference(path.isEmpty() ? k : path + "." + k, "absent", b.get(k).toString());
                }
            }
            return null;
        }
        String first = a == null ? "absent" : a.toString();
        String second = b == null ? "absent" : b.toString();
        return first.equals(second) ? null : new Difference(path, first, second);
    }
}
