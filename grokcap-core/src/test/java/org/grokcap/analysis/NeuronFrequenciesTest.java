package org.grokcap.analysis;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NeuronFrequenciesTest {

    @Test
    void plantedNeuronsAreClusteredByTheirFrequency() {
        int p = 31;
        FourierBasis basis = new FourierBasis(p);
        Random rng = new Random(9);
        // neurons 0, 1: frequency 4 (a sum and a product form); 2: frequency 9; 3: noise; 4: constant (dead)
        double[][] acts = new double[p * p][5];
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                double wa = 2 * Math.PI * a / p;
                double wb = 2 * Math.PI * b / p;
                double[] row = acts[a * p + b];
                row[0] = 2 + Math.cos(4 * (wa + wb));
                row[1] = Math.cos(4 * wa) * Math.sin(4 * wb) + 0.5 * Math.cos(4 * wa);
                row[2] = -3 * Math.sin(9 * (wa + wb) + 1);
                row[3] = rng.nextGaussian();
                row[4] = 7;
            }
        }
        NeuronFrequencies nf = NeuronFrequencies.of(basis, acts);
        assertArrayEquals(new int[] {4, 4, 9}, java.util.Arrays.copyOf(nf.bestFrequency(), 3));
        for (int m = 0; m < 3; m++) {
            assertEquals(1.0, nf.bestFraction()[m], 1e-9, "neuron " + m);
        }
        assertTrue(nf.bestFraction()[3] < 0.2, "noise spreads over all frequencies: " + nf.bestFraction()[3]);
        assertEquals(0.0, nf.bestFraction()[4], "a constant neuron has no variance to explain");
        assertEquals(List.of(new NeuronFrequencies.KeyFrequency(4, 2, 1.0), new NeuronFrequencies.KeyFrequency(9, 1, 1.0)),
                nf.keyFrequencies().stream().map(k -> new NeuronFrequencies.KeyFrequency(k.k(), k.neurons(),
                        Math.round(k.meanFraction() * 1e9) / 1e9)).toList());
        assertTrue(nf.keyFraction() > 0.5 && nf.keyFraction() < 1.0, "noise is the unexplained part: " + nf.keyFraction());
    }
}
