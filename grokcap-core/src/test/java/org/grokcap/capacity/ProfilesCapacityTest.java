package org.grokcap.capacity;

import org.grokcap.data.profiles.AnswerSpans;
import org.grokcap.data.profiles.RelationMode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The capacity of a profiles model under every encoding and selection scheme, from synthetic answer
 * losses on a hand-sized dataset: 4 profiles, birth_city from 8 values (3 bits), one uniform relation
 * parent (log2 4 = 2 bits, or log2 16 = 4 bits under independent selection, with 2 × 2 × 4 = 16
 * possible names), no birth date.
 */
class ProfilesCapacityTest {
    private static final List<String> SUBJECTS = List.of("birth_city", "parent");
    private static final List<String> RELATIONS = List.of("parent");
    private static final int CITY = 0;
    private static final int PARENT = 1;
    private static final long PARAMETERS = 10;

    private static DatasetShape shape(boolean twoHop) {
        return new DatasetShape(4, 16, 1, Map.of("birth_city", 8L), RELATIONS, RelationMode.UNIFORM, twoHop);
    }

    /** Builds spans row by row: sequence i, no positions needed (the losses are given). */
    private static final class Spans {
        final List<int[]> rows = new ArrayList<>(); // subject, hops, person, relation
        final List<Double> losses = new ArrayList<>();

        Spans oneHop(int person, int subject, double loss) {
            rows.add(new int[] {subject, 1, person, -1});
            losses.add(loss);
            return this;
        }

        Spans twoHop(int person, int subject, double loss) {
            rows.add(new int[] {subject, 2, person, 0});
            losses.add(loss);
            return this;
        }

        AnswerSpans spans() {
            int n = rows.size();
            int[] seq = new int[n];
            int[] zero = new int[n];
            int[] subject = new int[n];
            int[] hops = new int[n];
            int[] person = new int[n];
            int[] relation = new int[n];
            for (int i = 0; i < n; i++) {
                seq[i] = i;
                subject[i] = rows.get(i)[0];
                hops[i] = rows.get(i)[1];
                person[i] = rows.get(i)[2];
                relation[i] = rows.get(i)[3];
            }
            return new AnswerSpans(seq, zero, zero, subject, hops, person, relation, relation);
        }

        double[] losses() {
            return losses.stream().mapToDouble(d -> d).toArray();
        }

        RunCapacity.Answers answers() {
            return RunCapacity.Answers.of(spans(), losses(), SUBJECTS, RELATIONS.size());
        }
    }

    /**
     * 1-hop: city losses 0, 1, 3, 4 hold 3 + 2 + 0 + 0 = 5 bits; parent losses 0, 1, 2, 0.5 hold
     * 2 + 1 + 0 + 1.5 = 4.5 of 8 bits (H 2), or 4 + 3 + 2 + 3.5 = 12.5 of 16 (H 4). A second answer to
     * (0, city) is the same fact and is not counted. 2-hop: (0, parent, city) loss 1 (asked twice, the
     * second time with loss 0: counted once, at the first), (1, parent, parent) loss 0.5 and
     * (2, parent, city) loss 5: held 2 + 1.5 + 0 = 3.5 of Σ H = 3 + 2 + 3 = 8 bits, or 2 + 3.5 + 0 = 5.5
     * of 10 under independent selection.
     */
    private static Spans oneHop() {
        return new Spans().oneHop(0, CITY, 0).oneHop(1, CITY, 1).oneHop(2, CITY, 3).oneHop(3, CITY, 4)
                .oneHop(0, PARENT, 0).oneHop(1, PARENT, 1).oneHop(2, PARENT, 2).oneHop(3, PARENT, 0.5)
                .oneHop(0, CITY, 2.5);
    }

    private static Spans withTwoHop() {
        return oneHop().twoHop(0, CITY, 1).twoHop(1, PARENT, 0.5).twoHop(0, CITY, 0).twoHop(2, CITY, 5);
    }

    private static ModelCapacity capacity(Spans s, boolean twoHop, EncodingScheme scheme, SelectionScheme selection) {
        return RunCapacity.profilesCapacity(s.answers(), shape(twoHop), SUBJECTS, RELATIONS, scheme, selection,
                PARAMETERS);
    }

    @Test
    void everySchemeCountsTheHandWorkedBits() {
        double nameSet = Math.log(1820) / Math.log(2); // log2 C(16, 4)
        double optimalNames = nameSet * 4.5 / 8;
        Map<String, double[]> expected = new LinkedHashMap<>(); // capacity, dataset entropy
        // dataset: subjects 4·3 + 4·2 = 20 (independent 12 + 16 = 28); relations 8 (16); name set
        // log2 C(16, 4), 16 or 0; 2-hop: big hash R × subjects = 20 (28), double subjects + relations 28 (44).
        expected.put("optimal/optimal", new double[] {9.5 + optimalNames, 20 + nameSet});
        expected.put("optimal/enumerate", new double[] {9.5 + 16 * 4.5 / 8, 20 + 16});
        expected.put("optimal/independent", new double[] {5 + 12.5, 28});
        expected.put("two-hop-big-hash/optimal", new double[] {9.5 + optimalNames + 3.5, 40 + nameSet});
        expected.put("two-hop-big-hash/enumerate", new double[] {9.5 + 9 + 3.5, 40 + 16});
        expected.put("two-hop-big-hash/independent", new double[] {17.5 + 5.5, 56});
        expected.put("two-hop-double/optimal", new double[] {9.5 + optimalNames + 28 * 3.5 / 8, 48 + nameSet});
        expected.put("two-hop-double/enumerate", new double[] {9.5 + 9 + 28 * 3.5 / 8, 48 + 16});
        expected.put("two-hop-double/independent", new double[] {17.5 + 44 * 5.5 / 10, 72});
        RunCapacity.Answers answers = withTwoHop().answers();
        assertEquals(8, answers.factAttribute().length, "4 profiles × 2 subjects, the repeated fact once");
        assertEquals(List.of("birth_city", "parent", "birth_city"), List.of(answers.twoHopSubject()));
        assertEquals(List.of(1.0, 0.5, 5.0), java.util.Arrays.stream(answers.twoHopLoss()).boxed().toList(),
                "the 2-hop question asked twice counts once, at its first answer");
        for (RunCapacity.Schemes c : all()) {
            ModelCapacity m = capacity(withTwoHop(), true, c.scheme(), c.selection());
            double[] e = expected.get(c.key());
            assertEquals(e[0], m.totalBits(), 1e-9, c.key());
            assertEquals(e[0] / PARAMETERS, m.bitsPerParameter(), 1e-9, c.key());
            assertEquals(e[1], m.datasetBits(), 1e-9, c.key());
            assertEquals(3, m.twoHop().questions(), c.key());
            assertTrue(m.totalBits() <= m.datasetBits(), c.key());
        }
    }

    @Test
    void withoutTwoHopQuestionsEveryEncodingSchemeGivesTheSameCapacity() {
        for (SelectionScheme t : SelectionScheme.values()) {
            ModelCapacity optimal = capacity(oneHop(), false, EncodingScheme.OPTIMAL, t);
            assertTrue(optimal.totalBits() > 0);
            for (EncodingScheme e : EncodingScheme.values()) {
                ModelCapacity m = capacity(oneHop(), false, e, t);
                assertEquals(optimal.totalBits(), m.totalBits(), 0.0, e + "/" + t);
                assertEquals(optimal.datasetBits(), m.datasetBits(), 0.0, e + "/" + t);
                assertEquals(0, m.twoHop().questions());
            }
        }
    }

    /** The default (optimal/optimal) equals, bit for bit, the computation before 2-hop answers were counted. */
    @Test
    void optimalOptimalIsThePreviousComputationExactly() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 20; trial++) {
            Spans s = new Spans();
            for (int i = 0; i < 60; i++) {
                int person = rnd.nextInt(4);
                int subject = rnd.nextInt(2);
                double loss = rnd.nextDouble() * 6;
                if (rnd.nextBoolean()) {
                    s.oneHop(person, subject, loss);
                } else {
                    s.twoHop(person, subject, loss);
                }
            }
            s.oneHop(0, CITY, 1); // at least one fact
            ModelCapacity now = capacity(s, true, EncodingScheme.OPTIMAL, SelectionScheme.OPTIMAL);
            ModelCapacity before = previous(s.spans(), s.losses(), shape(true));
            assertEquals(before.totalBits(), now.totalBits(), 0.0);
            assertEquals(before.factBits(), now.factBits(), 0.0);
            assertEquals(before.selectionBits(), now.selectionBits());
            assertEquals(before.datasetBits(), now.datasetBits(), 0.0);
            assertEquals(before.attributes(), now.attributes());
        }
    }

    /** RunCapacity.of's profiles computation as it was before the schemes, kept here as the reference. */
    private static ModelCapacity previous(AnswerSpans spans, double[] lossBits, DatasetShape shape) {
        DatasetEntropy.Breakdown entropy = DatasetEntropy.compute(shape, EncodingScheme.OPTIMAL, SelectionScheme.OPTIMAL);
        List<String> attr = new ArrayList<>();
        List<Double> loss = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        int subjects = SUBJECTS.size();
        for (int i = 0; i < spans.size(); i++) {
            if (spans.hops()[i] != 1 || !seen.add((long) spans.person()[i] * subjects + spans.subject()[i])) {
                continue;
            }
            attr.add(SUBJECTS.get(spans.subject()[i]));
            loss.add(lossBits[i]);
        }
        Map<String, Double> h = new LinkedHashMap<>();
        for (String s : SUBJECTS) {
            h.put(s, entropy.subject(s).bitsPerProfile());
        }
        List<ModelCapacity.Selection> selections = List.of(
                new ModelCapacity.Selection(entropy.nameSet().name(), entropy.nameSet().bits(), RELATIONS),
                new ModelCapacity.Selection(entropy.birthDateSet().name(), entropy.birthDateSet().bits(),
                        List.of("birth_date")));
        return ModelCapacity.of(attr.toArray(String[]::new), loss.stream().mapToDouble(d -> d).toArray(), h, selections,
                entropy.totalBits(), PARAMETERS);
    }

    private static List<RunCapacity.Schemes> all() {
        return new RunCapacity.Options(5, 0.01, null, EncodingScheme.OPTIMAL, SelectionScheme.OPTIMAL, true)
                .combinations();
    }
}
