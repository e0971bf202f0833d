package org.grokcap.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON lines files: one JSON object per line. Written with {@link MetricsWriter}; read back here.
 * A row counts once its newline is written; a process killed mid-write leaves at most one broken
 * last line, which is skipped.
 */
public final class JsonLines {
    private JsonLines() {}

    /**
     * The rows of a metrics file (such as metrics.jsonl) in file order, each with its keys in file
     * order. Numbers are read as doubles, and so are the strings "NaN", "Infinity" and "-Infinity"
     * (how Jackson writes those doubles); other values (labels, nulls, nested objects) are left out of
     * the row. Blank lines are skipped; a last line without newline that is not a JSON object is
     * skipped; any other line that is not a JSON object is an IOException naming the file and line.
     */
    public static List<Map<String, Double>> readMetrics(Path file) throws IOException {
        return parseMetrics(Files.readAllBytes(file), file);
    }

    /** The rows of the bytes of a metrics file, read as {@link #readMetrics} reads the file named file. */
    public static List<Map<String, Double>> parseMetrics(byte[] bytes, Path file) throws IOException {
        List<Map<String, Double>> rows = new ArrayList<>();
        // Lenient decoding: a writer killed inside a multi-byte character must not make the whole
        // file unreadable; the broken character only spoils its (last) line.
        String text = new String(bytes, StandardCharsets.UTF_8);
        int start = 0;
        int lineNumber = 0;
        while (start < text.length()) {
            lineNumber++;
            int newline = text.indexOf('\n', start);
            boolean terminated = newline >= 0;
            int end = terminated ? newline : text.length();
            String line = text.substring(start, end);
            start = end + 1;
            if (line.isBlank()) {
                continue;
            }
            Map<String, Double> row = parseRow(line);
            if (row == null) {
                if (!terminated) {
                    break; // the partial line a killed writer leaves behind
                }
                throw new IOException(file + ": line " + lineNumber + " is not a JSON object");
            }
            rows.add(row);
        }
        return rows;
    }

    /** The numbers of the line, or null when the line is not a JSON object. Shared with {@link MetricsWriter}. */
    static Map<String, Double> parseRow(String line) {
        JsonNode node;
        try {
            node = Json.mapper().readTree(line);
        } catch (JacksonException e) {
            return null;
        }
        if (node == null || !node.isObject()) {
            return null;
        }
        Map<String, Double> row = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            Double value = number(field.getValue());
            if (value != null) {
                row.put(field.getKey(), value);
            }
        }
        return row;
    }

    /** The value as a double, or null when it is not a number. */
    private static Double number(JsonNode value) {
        if (value.isNumber()) {
            return value.doubleValue();
        }
        if (value.isTextual()) {
            return switch (value.textValue()) {
                case "NaN" -> Double.NaN;
                case "Infinity" -> Double.POSITIVE_INFINITY;
                case "-Infinity" -> Double.NEGATIVE_INFINITY;
                default -> null;
            };
        }
        return null;
    }
}
