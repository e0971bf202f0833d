package org.grokcap.analysis;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearProbeTest {

    /** Labels a linear function of the features decides, plus a little noise in the features. */
    private static double[][] separable(int n, int d, int classes, int[] y, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] centres = new double[classes][d];
        for (double[] c : centres) {
            for (int j = 0; j < d; j++) {
                c[j] = 3 * r.nextGaussian();
            }
        }
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(classes);
            for (int j = 0; j < d; j++) {
                x[i][j] = centres[y[i]][j] + 0.3 * r.nextGaussian();
            }
        }
        return x;
    }

    @Test
    void findsALinearlyDecodableLabel() {
        int n = 300;
        int[] y = new int[n];
        double[][] x = separable(n, 6, 5, y, 1);
        LinearProbe.Result r = LinearProbe.crossValidated(x, y, 5, new double[] {1e-3, 1e-1, 10}, 3, 0.25, 7);
        assertTrue(r.testAccuracy() > 0.95, "accuracy " + r.testAccuracy());
        assertTrue(r.testBits() < 0.3 * r.unigramBits(), r.testBits() + " vs unigram " + r.unigramBits());
        assertEquals(3, r.cvBits().length);
        assertTrue(r.lambda() < 10, "the heaviest penalty should not win on clean data: " + r.lambda());
    }

    @Test
    void noiseFeaturesDoNoBetterThanTheUnigramBaseline() {
        int n = 300;
        SplittableRandom r = new SplittableRandom(3);
        double[][] x = new double[n][4];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(4);
            for (int j = 0; j < 4; j++) {
                x[i][j] = r.nextGaussian();
            }
        }
        LinearProbe.Result res = LinearProbe.crossValidated(x, y, 4, new double[] {1e-3, 1e-1, 10}, 3, 0.25, 7);
        assertTrue(res.testBits() > 0.9 * res.unigramBits(), res.testBits() + " vs unigram " + res.unigramBits());
        assertEquals(2.0, res.unigramBits(), 0.2, "4 balanced classes: about 2 bits");
    }
}
