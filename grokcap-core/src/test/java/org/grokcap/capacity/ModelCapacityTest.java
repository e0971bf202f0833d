package org.grokcap.capacity;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelCapacityTest {

    private static Map<String, Double> entropies() {
        Map<String, Double> h = new LinkedHashMap<>();
        h.put("birth_city", 8.0);
        h.put("parent", 10.0);
        return h;
    }

    @Test
    void sumsClampedPerFactGainsAndCreditsSelectionInProportion() {
        String[] attr = {"birth_city", "birth_city", "birth_city", "parent", "parent"};
        // city: gains 8, 5, and −4 clamped to 0; parent: gains 10 and 0 (loss 10 = entropy).
        double[] loss = {0.0, 3.0, 12.0, 0.0, 10.0};
        ModelCapacity c = ModelCapacity.of(attr, loss, entropies(),
                List.of(new ModelCapacity.Selection("names", 100.0, List.of("parent"))), 500.0, 40);
        assertEquals(2, c.attributes().size());
        ModelCapacity.AttributeCapacity city = c.attributes().get(0);
        assertEquals("birth_city", city.name());
        assertEquals(3, city.facts());
        assertEquals(13.0, city.capacityBits(), 1e-12);
        assertEquals(5.0, city.meanLossBits(), 1e-12);
        assertEquals(10.0, c.attributes().get(1).capacityBits(), 1e-12);
        assertEquals(23.0, c.factBits(), 1e-12);
        // parent holds 10 of its 20 content bits: half the name-selection cost is credited.
        assertEquals(50.0, c.selectionBits().get("names"), 1e-12);
        assertEquals(73.0, c.totalBits(), 1e-12);
        assertEquals(73.0 / 40, c.bitsPerParameter(), 1e-12);
    }

    @Test
    void perfectModelHoldsTheFullContentAndChanceHoldsNothing() {
        String[] attr = {"birth_city", "parent"};
        ModelCapacity perfect = ModelCapacity.of(attr, new double[] {0, 0}, entropies(), List.of(), 18, 9);
        assertEquals(18.0, perfect.totalBits(), 1e-12);
        ModelCapacity chance = ModelCapacity.of(attr, new double[] {8, 10}, entropies(), List.of(), 18, 9);
        assertEquals(0.0, chance.totalBits(), 1e-12);
    }

    /**
     * The 1-hop facts of the test above, plus three distinct 2-hop questions: birth_city with loss 2
     * (holds 8 − 2 = 6 bits), parent with loss 12 (0: worse than chance) and birth_city with loss 8 (0):
     * held 6 of Σ H = 8 + 10 + 8 = 26 bits.
     */
    private static ModelCapacity withTwoHop(EncodingScheme scheme, double contentBits) {
        String[] attr = {"birth_city", "birth_city", "birth_city", "parent", "parent"};
        double[] loss = {0.0, 3.0, 12.0, 0.0, 10.0};
        ModelCapacity.TwoHop twoHop = new ModelCapacity.TwoHop(scheme, new String[] {"birth_city", "parent", "birth_city"},
                new double[] {2.0, 12.0, 8.0}, contentBits);
        return ModelCapacity.of(attr, loss, entropies(),
                List.of(new ModelCapacity.Selection("names", 100.0, List.of("parent"))), twoHop, 500.0, 40);
    }

    @Test
    void twoHopAnswersAreCreditedAsTheEncodingSchemeSays() {
        // optimal: the 1-hop facts only, 23 + 50 = 73 bits as without 2-hop answers.
        ModelCapacity optimal = withTwoHop(EncodingScheme.OPTIMAL, 52.0);
        assertEquals(73.0, optimal.totalBits(), 1e-12);
        assertEquals(0.0, optimal.twoHop().creditedBits(), 0.0);
        assertEquals(3, optimal.twoHop().questions());
        assertEquals(6.0, optimal.twoHop().heldBits(), 1e-12);
        assertEquals(26.0, optimal.twoHop().entropyBits(), 1e-12);
        // big hash: each 2-hop question is a fact of its own: + 6 bits.
        ModelCapacity bigHash = withTwoHop(EncodingScheme.TWO_HOP_BIG_HASH, 52.0);
        assertEquals(6.0, bigHash.twoHop().creditedBits(), 1e-12);
        assertEquals(79.0, bigHash.totalBits(), 1e-12);
        assertEquals(79.0 / 40, bigHash.bitsPerParameter(), 1e-12);
        // double: the fixed 2-hop content, 52 bits, in the proportion held 6 / 26: + 12 bits.
        ModelCapacity dbl = withTwoHop(EncodingScheme.TWO_HOP_DOUBLE, 52.0);
        assertEquals(12.0, dbl.twoHop().creditedBits(), 1e-12);
        assertEquals(85.0, dbl.totalBits(), 1e-12);
        // The selection credit and the 1-hop facts are the same under every scheme.
        for (ModelCapacity c : List.of(optimal, bigHash, dbl)) {
            assertEquals(23.0, c.factBits(), 1e-12);
            assertEquals(50.0, c.selectionBits().get("names"), 1e-12);
        }
        // Without 2-hop answers, or with none of them held, double credits nothing.
        ModelCapacity none = ModelCapacity.of(new String[] {"parent"}, new double[] {0}, entropies(), List.of(),
                new ModelCapacity.TwoHop(EncodingScheme.TWO_HOP_DOUBLE, new String[0], new double[0], 52.0), 1, 1);
        assertEquals(10.0, none.totalBits(), 0.0);
        ModelCapacity chance = ModelCapacity.of(new String[] {"parent"}, new double[] {0}, entropies(), List.of(),
                new ModelCapacity.TwoHop(EncodingScheme.TWO_HOP_DOUBLE, new String[] {"parent"}, new double[] {10.0},
                        52.0), 1, 1);
        assertEquals(10.0, chance.totalBits(), 0.0);
    }

    @Test
    void badInputIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCapacity.of(
                new String[] {"employer"}, new double[] {1}, entropies(), List.of(), 1, 1));
        assertTrue(e.getMessage().contains("employer"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelCapacity.of(
                new String[] {"parent"}, new double[] {Double.NaN}, entropies(), List.of(), 1, 1));
        IllegalArgumentException twoHop = assertThrows(IllegalArgumentException.class, () -> ModelCapacity.of(
                new String[] {"parent"}, new double[] {1}, entropies(), List.of(), new ModelCapacity.TwoHop(
                        EncodingScheme.TWO_HOP_BIG_HASH, new String[] {"employer"}, new double[] {1}, 0), 1, 1));
        assertTrue(twoHop.getMessage().contains("2-hop answer 0") && twoHop.getMessage().contains("employer"),
                twoHop.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelCapacity.of(new String[] {"parent"}, new double[] {1},
                entropies(), List.of(), new ModelCapacity.TwoHop(EncodingScheme.TWO_HOP_DOUBLE, new String[] {"parent"},
                        new double[] {-1}, 0), 1, 1));
    }

    @Test
    void convergenceIsTheSlopeOverTheLastEvaluations() {
        List<Map<String, Double>> falling = List.of(row(0, 5.0), row(1000, 4.0), row(2000, 3.0), row(3000, 2.0));
        Convergence c = Convergence.of(falling, "train_loss", 3, 0.01);
        assertFalse(c.converged(), c.reason());
        assertEquals(-1000.0 / 1000 * 1.0, c.slopePer1000(), 1e-9);
        List<Map<String, Double>> flat = List.of(row(0, 5.0), row(1000, 1.0), row(2000, 1.001), row(3000, 0.999),
                row(4000, 1.0));
        Convergence f = Convergence.of(flat, "train_loss", 4, 0.01);
        assertTrue(f.converged(), f.reason());
        Convergence few = Convergence.of(flat.subList(0, 2), "train_loss", 4, 0.01);
        assertFalse(few.converged());
        assertTrue(few.reason().contains("only 2"), few.reason());
    }

    private static Map<String, Double> row(double step, double loss) {
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("step", step);
        r.put("train_loss", loss);
        return r;
    }
}
