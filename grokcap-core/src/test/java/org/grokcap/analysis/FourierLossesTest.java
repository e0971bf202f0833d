package org.grokcap.analysis;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FourierLossesTest {
    private static final int P = 23;
    private final FourierBasis basis = new FourierBasis(P);
    private final int[] labels = IntStream.range(0, P * P).map(i -> (i / P + i % P) % P).toArray();
    private final int[] all = IntStream.rangeClosed(1, P / 2).toArray();

    /** Logits that depend on (a+b) mod p only: Σ_k amp_k cos(w_k(a+b−c)) plus a bias per class (Nanda's form). */
    private double[][] sumOnlyLogits(int[] freqs, long seed, double scale) {
        Random rng = new Random(seed);
        double[] amp = new double[P / 2 + 1];
        for (int k : freqs) {
            amp[k] = scale * (1 + rng.nextDouble());
        }
        double[] bias = rng.doubles(P).toArray();
        double[][] z = new double[P * P][P];
        for (int a = 0; a < P; a++) {
            for (int b = 0; b < P; b++) {
                for (int c = 0; c < P; c++) {
                    double v = bias[c];
                    for (int k : freqs) {
                        v += amp[k] * Math.cos(2 * Math.PI * k * (a + b - c) / P);
                    }
                    z[a * P + b][c] = v;
                }
            }
        }
        return z;
    }

    @Test
    void keepingEveryFrequencyOfLogitsThatDependOnTheSumKeepsThemAndTheLoss() {
        double[][] z = sumOnlyLogits(new int[] {2, 7, 11}, 1, 1);
        double[][] r = FourierLosses.restricted(basis, z, all);
        for (int i = 0; i < z.length; i++) {
            assertArrayEquals(z[i], r[i], 1e-9);
        }
        assertEquals(FourierLosses.crossEntropy(z, labels, null), FourierLosses.crossEntropy(r, labels, null), 1e-9);
        // excluding every frequency leaves the per-class mean only
        double[][] e = FourierLosses.excluded(basis, z, all);
        for (int c = 0; c < P; c++) {
            double mean = 0;
            for (double[] row : z) {
                mean += row[c] / (P * P);
            }
            for (double[] row : e) {
                assertEquals(mean, row[c], 1e-9);
            }
        }
    }

    @Test
    void aSingleFrequencyCircuitIsAllRestrictedAndNothingExcluded() {
        // one frequency separates the answer from its nearest rival (5d ≡ ±1) by only 1 − cos(2π/23): a large amplitude
        double[][] z = sumOnlyLogits(new int[] {5}, 2, 300);
        double full = FourierLosses.crossEntropy(z, labels, null);
        assertEquals(full, FourierLosses.crossEntropy(FourierLosses.restricted(basis, z, new int[] {5}), labels, null), 1e-9);
        assertEquals(full, FourierLosses.crossEntropy(FourierLosses.excluded(basis, z, new int[] {3, 4}), labels, null), 1e-9,
                "removing frequencies the logits lack changes nothing");
        // removing frequency 5 leaves only the class bias, the same for every pair: at best as good as its best class
        double[][] e = FourierLosses.excluded(basis, z, new int[] {5});
        for (double[] row : e) {
            assertArrayEquals(e[0], row, 1e-9);
        }
        double rest = FourierLosses.crossEntropy(FourierLosses.restricted(basis, z, new int[] {3}), labels, null);
        assertTrue(full < 0.1 && rest > 2, "keeping the wrong frequency loses the answer: " + rest + " vs " + full);
    }

    @Test
    void restrictedLogitsDependOnTheSumAloneEvenWhenTheModelsDoNot() {
        Random rng = new Random(3);
        double[][] z = new double[P * P][P];
        for (double[] row : z) {
            for (int c = 0; c < P; c++) {
                row[c] = rng.nextGaussian();
            }
        }
        double[][] r = FourierLosses.restricted(basis, z, all);
        for (int a = 0; a < P; a++) {
            for (int b = 0; b < P; b++) {
                assertArrayEquals(r[((a + b) % P) * P], r[a * P + b], 1e-9, "pair (" + a + "," + b + ")");
            }
        }
        // restricted + excluded with the same frequencies add back up to the logits plus the class mean
        double[][] e = FourierLosses.excluded(basis, z, all);
        double[][] mean = FourierLosses.restricted(basis, z, new int[0]);
        for (int i = 0; i < z.length; i++) {
            for (int c = 0; c < P; c++) {
                assertEquals(z[i][c] + mean[i][c], r[i][c] + e[i][c], 1e-9);
            }
        }
    }

    @Test
    void crossEntropyOfUniformLogitsIsLnP() {
        double[][] z = new double[P * P][P];
        assertEquals(Math.log(P), FourierLosses.crossEntropy(z, labels, null), 1e-12);
    }
}
