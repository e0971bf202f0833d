package org.grokcap.util;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StatsTest {
    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, Stats.median(new double[]{3, 1, 2}));
        assertEquals(2.5, Stats.median(new double[]{4, 1, 3, 2}));
    }

    @Test
    void infinitiesSortLastAndCarryThrough() {
        double inf = Double.POSITIVE_INFINITY;
        assertEquals(3.0, Stats.median(new double[]{inf, 1, 3, inf, 2}), "two of five never: the middle is finite");
        assertEquals(inf, Stats.median(new double[]{inf, 1, 3, inf}), "half never: the median is never");
        assertThrows(IllegalArgumentException.class, () -> Stats.median(new double[0]));
    }
}
