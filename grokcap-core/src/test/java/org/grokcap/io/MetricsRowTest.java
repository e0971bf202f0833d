package org.grokcap.io;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class MetricsRowTest {
    private static Map<String, Double> flat() {
        Map<String, Double> row = new LinkedHashMap<>();
        row.put("step", 12.0);
        row.put("train_loss", 0.25);
        row.put("train_accuracy", 1.0);
        row.put("train_collapse", 0.125);
        row.put("test_loss", Double.NaN);
        row.put("test_accuracy", 0.5);
        return row;
    }

    @Test
    void typedRowNamesEachSplitsLossAndAccuracy() {
        MetricsRow row = MetricsRow.of(flat());
        assertEquals(12, row.step());
        assertEquals(List.of("train", "test"), row.splitNames());
        assertEquals(0.25, row.loss("train"));
        assertEquals(0.5, row.accuracy("test"));
        assertNull(row.accuracy("val"));
        assertEquals(0.125, row.collapse("train"));
        assertNull(row.collapse("test"));
    }

    @Test
    void flatRowComesBackKeyForKeyAndByteForByte() throws Exception {
        Map<String, Double> flat = flat();
        Map<String, Double> back = MetricsRow.of(flat).toMap();
        assertEquals(List.copyOf(flat.keySet()), List.copyOf(back.keySet()));
        assertEquals(Json.mapper().writeValueAsString(flat), Json.mapper().writeValueAsString(back));
    }
}
