package org.grokcap.analysis;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GiniTest {

    @Test
    void matchesHandComputedExamples() {
        // Σ_i Σ_j |x_i − x_j| / (2 n Σx):
        // {0,0,0,1}: the 6 ordered pairs with the 1 differ by 1 → 6 / (2·4·1) = 0.75
        assertEquals(0.75, Gini.of(new double[] {0, 1, 0, 0}), 1e-15);
        // {1,2,3,4}: pair differences 1,2,3,1,2,1 (×2 ordered) = 20 → 20 / (2·4·10) = 0.25
        assertEquals(0.25, Gini.of(new double[] {3, 1, 4, 2}), 1e-15);
        // {2,2,2}: no inequality
        assertEquals(0.0, Gini.of(new double[] {2, 2, 2}), 1e-15);
        // {1,3}: |1−3|·2 / (2·2·4) = 0.25
        assertEquals(0.25, Gini.of(new double[] {1, 3}), 1e-15);
        assertEquals(0.0, Gini.of(new double[] {0, 0}), 0.0);
    }

    @Test
    void refusesNegativeAndEmptyInput() {
        assertThrows(IllegalArgumentException.class, () -> Gini.of(new double[] {1, -1}));
        assertThrows(IllegalArgumentException.class, () -> Gini.of(new double[0]));
    }
}
