package org.grokcap.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonLinesTest {
    @TempDir
    Path dir;

    private static Map<String, Object> row(int step, double loss, double accuracy) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", step);
        row.put("train_loss", loss);
        row.put("train_accuracy", accuracy);
        return row;
    }

    private static Map<String, Double> doubles(Map<String, Object> row) {
        Map<String, Double> out = new LinkedHashMap<>();
        row.forEach((k, v) -> out.put(k, ((Number) v).doubleValue()));
        return out;
    }

    @Test
    void threeRowsRoundTrip() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        List<Map<String, Object>> rows = List.of(row(0, 4.6, 0.01), row(100, 1.25, 0.5), row(200, 1e-7, 1.0));
        try (MetricsWriter w = new MetricsWriter(file)) {
            for (Map<String, Object> r : rows) {
                w.write(r);
            }
        }
        assertEquals(3, Files.readAllLines(file).size());
        List<Map<String, Double>> back = JsonLines.readMetrics(file);
        assertEquals(rows.stream().map(JsonLinesTest::doubles).toList(), back);
        assertEquals(List.of("step", "train_loss", "train_accuracy"), List.copyOf(back.get(0).keySet()));
    }

    @Test
    void rowsAreVisibleBeforeClose() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsWriter w = new MetricsWriter(file)) {
            w.write(row(1, 2.0, 0.5));
            assertEquals(1, JsonLines.readMetrics(file).size());
        }
    }

    @Test
    void partialTrailingLineIsSkipped() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"step\":0,\"train_loss\":3.0}\n{\"step\":1,\"train_loss\":2.0}\n{\"step\":2,\"tra");
        List<Map<String, Double>> rows = JsonLines.readMetrics(file);
        assertEquals(2, rows.size());
        assertEquals(1.0, rows.get(1).get("step"));
    }

    @Test
    void completeLastLineWithoutNewlineIsKept() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"step\":0}\n{\"step\":1}");
        assertEquals(2, JsonLines.readMetrics(file).size());
    }

    @Test
    void badLineInTheMiddleIsAnError() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"step\":0}\n{\"step\":\n{\"step\":2}\n");
        IOException e = assertThrows(IOException.class, () -> JsonLines.readMetrics(file));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void appendingAfterAKilledWriterDropsThePartialLine() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"step\":0,\"train_loss\":3.0}\n{\"step\":1,\"tra");
        try (MetricsWriter w = new MetricsWriter(file)) {
            w.write(row(1, 2.0, 0.5));
        }
        List<Map<String, Double>> rows = JsonLines.readMetrics(file);
        assertEquals(List.of(0.0, 1.0), rows.stream().map(r -> r.get("step")).toList());
        assertEquals(2.0, rows.get(1).get("train_loss"));
    }

    @Test
    void appendingAfterACompleteUnterminatedRowKeepsIt() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"step\":0}\n{\"step\":1}", StandardOpenOption.CREATE);
        try (MetricsWriter w = new MetricsWriter(file)) {
            w.write(Map.of("step", 2));
        }
        assertEquals(List.of(0.0, 1.0, 2.0), JsonLines.readMetrics(file).stream().map(r -> r.get("step")).toList());
    }

    @Test
    void nonNumericValuesAreLeftOut() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"step\":3,\"phase\":\"warmup\",\"lr\":null,\"train_loss\":0.5}\n");
        assertEquals(List.of(Map.of("step", 3.0, "train_loss", 0.5)), JsonLines.readMetrics(file));
    }

    @Test
    void nonFiniteValuesRoundTrip() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsWriter w = new MetricsWriter(file)) {
            w.write(row(5, Double.NaN, Double.POSITIVE_INFINITY));
        }
        assertEquals("{\"step\":5,\"train_loss\":\"NaN\",\"train_accuracy\":\"Infinity\"}",
                Files.readString(file).strip(), "Jackson writes non-finite doubles as strings");
        Map<String, Double> back = JsonLines.readMetrics(file).get(0);
        assertTrue(back.get("train_loss").isNaN());
        assertEquals(Double.POSITIVE_INFINITY, back.get("train_accuracy"));
    }
}
