package org.grokcap.analysis;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FourierBasisTest {

    @Property(tries = 60)
    void rowsAreOrthonormal(@ForAll @IntRange(min = 2, max = 80) int p) {
        FourierBasis f = new FourierBasis(p);
        for (int r = 0; r < p; r++) {
            for (int s = 0; s < p; s++) {
                double dot = 0;
                for (int x = 0; x < p; x++) {
                    dot += f.at(r, x) * f.at(s, x);
                }
                assertEquals(r == s ? 1.0 : 0.0, dot, 1e-12, "row " + r + " · row " + s + " at p = " + p);
            }
        }
    }

    @Property(tries = 30)
    void everyRowBelongsToExactlyOneFrequencyOrTheConstant(@ForAll @IntRange(min = 2, max = 80) int p) {
        FourierBasis f = new FourierBasis(p);
        int[] owner = new int[p];
        java.util.Arrays.fill(owner, -1);
        owner[0] = 0;
        for (int k = 1; k <= f.frequencies(); k++) {
            for (int r : f.rowsOf(k)) {
                assertEquals(-1, owner[r], "row " + r + " claimed twice");
                owner[r] = k;
                for (int x = 0; x < p; x++) { // the row is a multiple of cos or sin of 2πkx/p
                    double c = Math.cos(2 * Math.PI * k * x / p);
                    double s = Math.sin(2 * Math.PI * k * x / p);
                    double scale = Math.sqrt(2.0 / p) / (2 * k == p ? Math.sqrt(2) : 1);
                    double expected = (r == 2 * k && 2 * k != p ? s : c) * scale;
                    assertEquals(expected, f.at(r, x), 1e-12);
                }
            }
        }
        for (int r = 0; r < p; r++) {
            assertTrue(owner[r] >= 0, "row " + r + " has no frequency");
        }
    }

    @Test
    void aPlantedSingleFrequencyEmbeddingIsRecovered() {
        int p = 97;
        int k = 17;
        int C = 24;
        Random rng = new Random(5);
        double[] u = new double[C];
        double[] v = new double[C];
        for (int c = 0; c < C; c++) {
            u[c] = rng.nextGaussian();
            v[c] = rng.nextGaussian();
        }
        double[][] embedding = new double[p][C]; // token x ↦ cos(w_k x)·u + sin(w_k x)·v
        for (int x = 0; x < p; x++) {
            for (int c = 0; c < C; c++) {
                double w = 2 * Math.PI * k * x / p;
                embedding[x][c] = Math.cos(w) * u[c] + Math.sin(w) * v[c];
            }
        }
        double[] norms = new FourierBasis(p).frequencyNorms(embedding);
        assertEquals(p / 2 + 1, norms.length);
        double total = 0;
        for (int c = 0; c < C; c++) {
            total += (u[c] * u[c] + v[c] * v[c]) * p / 2; // Σ_x of the squared entries
        }
        assertEquals(Math.sqrt(total), norms[k], 1e-9 * Math.sqrt(total), "all of the norm sits at k");
        for (int j = 0; j < norms.length; j++) {
            if (j != k) {
                assertEquals(0.0, norms[j], 1e-9, "frequency " + j);
            }
        }
        double[] freqs = java.util.Arrays.copyOfRange(norms, 1, norms.length);
        assertEquals((freqs.length - 1.0) / freqs.length, Gini.of(freqs), 1e-9, "one frequency: maximal Gini");
    }
}
