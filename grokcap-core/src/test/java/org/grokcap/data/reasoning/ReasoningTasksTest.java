package org.grokcap.data.reasoning;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.config.ConfigException;
import org.grokcap.data.DatasetFiles;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generators' splits: disjoint, no OOD inferred fact in training, test_hard derivable only by chaining. */
class ReasoningTasksTest {

    static Set<String> keys(List<Fact> facts) {
        Set<String> s = new HashSet<>();
        for (Fact f : facts) {
            assertTrue(s.add(f.key()), "a split holds a fact twice: " + f.key());
        }
        return s;
    }

    static void assertDisjoint(ReasoningData d, String a, String b) {
        Set<String> sa = keys(d.splits().get(a));
        for (Fact f : d.splits().get(b)) {
            assertFalse(sa.contains(f.key()), a + " and " + b + " share " + f.key());
        }
    }

    /** The inferred splits and test_hard are pairwise disjoint and no held-out fact is trained; atomic splits as documented. */
    static void assertSplitStructure(ReasoningData d, boolean oodAtomicTrained) {
        List<String> heldOut = new ArrayList<>(List.of("test_inferred_id", "test_inferred_ood"));
        if (d.splits().containsKey("test_hard")) {
            heldOut.add("test_hard");
        }
        for (String t : heldOut) {
            assertDisjoint(d, "train_inferred", t);
            assertDisjoint(d, "train_atomic", t);
            for (String u : heldOut) {
                if (t.compareTo(u) < 0) {
                    assertDisjoint(d, t, u);
                }
            }
        }
        assertDisjoint(d, "test_atomic_id", "test_atomic_ood");
        assertDisjoint(d, "train_atomic", "train_inferred");
        Set<String> trainAtomic = keys(d.splits().get("train_atomic"));
        Set<String> expected = keys(d.splits().get("test_atomic_id"));
        if (oodAtomicTrained) {
            expected.addAll(keys(d.splits().get("test_atomic_ood")));
        } else {
            assertDisjoint(d, "train_atomic", "test_atomic_ood");
        }
        assertEquals(expected, trainAtomic, "train_atomic is exactly the trained atomic facts");
        assertEquals(List.of("train_atomic", "train_inferred"), d.trainedSplits());
    }

    /** Fills tail and ood with the atomic facts of a composition task by "h,r": the tail, and whether the fact is OOD. */
    private static void atomicFacts(ReasoningData d, Map<String, Integer> tail, Map<String, Boolean> ood) {
        for (String s : List.of("test_atomic_id", "test_atomic_ood")) {
            for (Fact f : d.splits().get(s)) {
                String k = f.input()[0] + "," + f.input()[1];
                tail.put(k, f.answer()[0]);
                ood.put(k, s.endsWith("ood"));
            }
        }
    }

    @Test
    void compositionSplits() {
        CompositionTaskSpec task = new CompositionTaskSpec(60, 8, 6, 0.2, 3.0, 0.05, null, null);
        ReasoningData d = task.facts(7);
        assertSplitStructure(d, true);
        Map<String, Integer> tail = new HashMap<>();
        Map<String, Boolean> ood = new HashMap<>();
        atomicFacts(d, tail, ood);
        assertEquals(60 * 6, tail.size());
        assertEquals(Math.round(0.2 * 360), d.splits().get("test_atomic_ood").size());
        for (String s : List.of("train_inferred", "test_inferred_id", "test_inferred_ood")) {
            assertFalse(d.splits().get(s).isEmpty(), s + " is empty");
            for (Fact f : d.splits().get(s)) {
                String hop1 = f.input()[0] + "," + f.input()[1];
                int bridge = tail.get(hop1);
                String hop2 = bridge + "," + f.input()[2];
                assertEquals(tail.get(hop2), f.answer()[0], "the two-hop answer follows the chain");
                boolean wantOod = s.equals("test_inferred_ood");
                assertEquals(wantOod, ood.get(hop1), s + ": first hop OOD?");
                assertEquals(wantOod, ood.get(hop2), s + ": second hop OOD? (no OOD inferred fact is trained)");
            }
        }
        assertEquals(Math.round(3.0 * d.splits().get("test_atomic_id").size()), d.splits().get("train_inferred").size());
        TokenizedDataset data = task.generate(7);
        Split train = data.split("train");
        assertEquals(d.splits().get("train_atomic").size() + d.splits().get("train_inferred").size(), train.size());
        assertEquals(task.generate(7).hash(), data.hash(), "same seed, same data");
        assertFalse(task.generate(8).hash().equals(data.hash()), "another seed, other data");
    }

    /** The facts of a split as keys, in order. */
    private static List<String> factKeys(ReasoningData d, String split) {
        return d.splits().get(split).stream().map(Fact::key).toList();
    }

    /**
     * Without mixedSplits (left out or false) the data is what the generator made before the option
     * existed: the SHA-256 of the tokenized data, written down from that generator (dataset.json of
     * {@code grokcap generate}), for the tiny task of {@link #compositionSplits} and for
     * conf/composition-small.json's knobs.
     */
    @Test
    void compositionDataWithoutMixedSplitsIsAsBefore() {
        for (Boolean mixed : new Boolean[]{null, false}) {
            assertEquals("69d600ba908685bee4d7d02bdd7ac503c931a9d55c25dd0a1687f00e9819208f",
                    new CompositionTaskSpec(60, 8, 6, 0.2, 3.0, 0.05, null, mixed).generate(7).hash(), "tiny, " + mixed);
            assertEquals("0182cdc3c5136a0be2e0902da9a035bcf9411028a60386392010b0628701bcfe",
                    new CompositionTaskSpec(100, 20, 20, 0.05, 18.0, 0.02, null, mixed).generate(0).hash(),
                    "composition-small, " + mixed);
        }
    }

    /**
     * mixedSplits keeps every two-hop fact with one OOD hop: first hop OOD and second ID in
     * test_inferred_ood_first, the reverse in test_inferred_ood_second (checked against the atomic
     * facts' OOD flags, and counted chain by chain); never trained, disjoint from every other split;
     * the other splits are fact for fact those without the option; the same for a seed.
     */
    @Test
    void compositionMixedSplits() {
        CompositionTaskSpec plain = new CompositionTaskSpec(60, 8, 6, 0.2, 3.0, 0.05, null, null);
        CompositionTaskSpec mixed = new CompositionTaskSpec(60, 8, 6, 0.2, 3.0, 0.05, null, true);
        ReasoningData p = plain.facts(7);
        ReasoningData d = mixed.facts(7);
        String first = CompositionTaskSpec.OOD_FIRST;
        String second = CompositionTaskSpec.OOD_SECOND;
        List<String> names = new ArrayList<>(p.splits().keySet());
        names.addAll(List.of(first, second));
        assertEquals(names, List.copyOf(d.splits().keySet()));
        for (String s : p.splits().keySet()) {
            assertEquals(factKeys(p, s), factKeys(d, s), s + " as without mixedSplits");
        }
        assertSplitStructure(d, true);
        for (String held : List.of(first, second)) {
            for (String other : d.splits().keySet()) {
                if (!other.equals(held)) {
                    assertDisjoint(d, held, other);
                }
            }
        }
        Map<String, Integer> tail = new HashMap<>();
        Map<String, Boolean> ood = new HashMap<>();
        atomicFacts(d, tail, ood);
        Map<Integer, Integer> idFactsOf = new HashMap<>(); // by entity: its ID and its OOD atomic facts
        Map<Integer, Integer> oodFactsOf = new HashMap<>();
        for (Map.Entry<String, Boolean> e : ood.entrySet()) {
            int h = Integer.parseInt(e.getKey().split(",")[0]);
            (e.getValue() ? oodFactsOf : idFactsOf).merge(h, 1, Integer::sum);
        }
        for (String s : List.of(first, second)) {
            for (Fact f : d.splits().get(s)) {
                String hop1 = f.input()[0] + "," + f.input()[1];
                String hop2 = tail.get(hop1) + "," + f.input()[2];
                assertEquals(tail.get(hop2), f.answer()[0], s + ": the two-hop answer follows the chain");
                assertEquals(s.equals(first), ood.get(hop1), s + ": first hop OOD?");
                assertEquals(s.equals(second), ood.get(hop2), s + ": second hop OOD?");
            }
        }
        // every chain h -r1-> b -r2-> t with one OOD hop is kept: per first hop, the second hops of b of the other kind
        long wantFirst = 0;
        long wantSecond = 0;
        for (Map.Entry<String, Boolean> hop1 : ood.entrySet()) {
            int b = tail.get(hop1.getKey());
            wantFirst += hop1.getValue() ? idFactsOf.getOrDefault(b, 0) : 0;
            wantSecond += hop1.getValue() ? 0 : oodFactsOf.getOrDefault(b, 0);
        }
        assertTrue(wantFirst > 0 && wantSecond > 0);
        assertEquals(wantFirst, d.splits().get(first).size(), first + " holds every such chain");
        assertEquals(wantSecond, d.splits().get(second).size(), second + " holds every such chain");
        ReasoningData again = mixed.facts(7);
        for (String s : d.splits().keySet()) {
            assertEquals(factKeys(d, s), factKeys(again, s), s + ": same seed, same facts in the same order");
        }
        assertEquals(mixed.generate(7).hash(), mixed.generate(7).hash());
        assertFalse(mixed.generate(7).hash().equals(plain.generate(7).hash()), "the new splits are in the data");
        assertFalse(factKeys(mixed.facts(8), first).equals(factKeys(d, first)), "another seed, other facts");
        assertTrue(mixed.splitNote().contains(first) && !plain.splitNote().contains(first));
    }

    @Test
    void compositionRefusesAPhiThePoolCannotHold() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new CompositionTaskSpec(30, 4, 2, 0.05, 18.0, null, null, null).facts(0));
        assertTrue(e.getMessage().contains("phi"), e.getMessage());
    }

    @Test
    void comparisonSplits() {
        ComparisonTaskSpec task = new ComparisonTaskSpec(40, 3, 6, 0.25, 2.0, 0.1, 10_000, null);
        ReasoningData d = task.facts(3);
        assertSplitStructure(d, true);
        AttributeKnowledge kb = new AttributeKnowledge(40, 3, 6, 0.25, org.grokcap.util.Rngs.stream(3, "data.comparison"));
        for (String s : List.of("train_inferred", "test_inferred_id", "test_inferred_ood")) {
            assertFalse(d.splits().get(s).isEmpty(), s);
            for (Fact f : d.splits().get(s)) {
                int[] q = kb.decode(f);
                boolean wantOod = s.equals("test_inferred_ood");
                assertEquals(wantOod, kb.ood[q[0]][q[1]], s);
                assertEquals(wantOod, kb.ood[q[0]][q[2]], s);
                assertEquals(3 * q[0] + kb.label(q[0], q[1], q[2]), f.answer()[0], "label token");
            }
        }
    }

    /**
     * test_hard, checked by an independent search: a graph whose nodes are entities and values, with
     * x ≥ y edges from the trained comparisons, entity = value edges from the trained atomic facts
     * and value k+1 > value k; a query's label is derivable when the matching path exists.
     */
    @Test
    void complexReasoningHardQueriesNeedTheAtomicFacts() {
        ComplexReasoningTaskSpec task = new ComplexReasoningTaskSpec(80, 2, 8, 0.25, 0.005, 0.06, 4, 10_000, null);
        ReasoningData d = task.facts(5);
        assertSplitStructure(d, false);
        AttributeKnowledge kb = new AttributeKnowledge(80, 2, 8, 0.25, org.grokcap.util.Rngs.stream(5, "data.complex"));
        List<Fact> hard = d.splits().get("test_hard");
        assertEquals(12, hard.size());
        int[] perLabel = new int[3];
        for (Fact f : hard) {
            int[] q = kb.decode(f);
            int a = q[0];
            assertTrue(kb.ood[a][q[1]] && kb.ood[a][q[2]], "test_hard compares two OOD entities");
            int label = f.answer()[0] - 3 * a;
            assertEquals(kb.label(a, q[1], q[2]), label);
            perLabel[label]++;
            Graph full = graph(d, kb, a, true);
            Graph comparisonsOnly = graph(d, kb, a, false);
            assertTrue(full.proves(q[1], q[2], label), "derivable from the training facts: " + f.key());
            for (int l = 0; l < 3; l++) {
                assertFalse(comparisonsOnly.proves(q[1], q[2], l), "derivable from comparisons alone: " + f.key());
            }
        }
        assertEquals(List.of(4, 4, 4), List.of(perLabel[0], perLabel[1], perLabel[2]));
        for (Fact f : d.splits().get("train_inferred")) {
            int[] q = kb.decode(f);
            assertFalse(kb.ood[q[0]][q[1]] && kb.ood[q[0]][q[2]], "no OOD–OOD comparison is trained");
        }
    }

    /** x ≥ y edges (strict or not) over nodes 0..E-1 (entities) and E..E+V-1 (values). */
    record Graph(List<List<int[]>> edges) {
        boolean reaches(int from, int to, boolean needStrict) {
            int n = edges.size();
            boolean[][] seen = new boolean[2][n];
            java.util.ArrayDeque<int[]> q = new java.util.ArrayDeque<>();
            q.add(new int[]{from, 0});
            seen[0][from] = true;
            while (!q.isEmpty()) {
                int[] c = q.poll();
                if (c[0] == to && (!needStrict || c[1] == 1)) {
                    return true;
                }
                for (int[] e : edges.get(c[0])) {
                    int s = c[1] | e[1];
                    if (!seen[s][e[0]]) {
                        seen[s][e[0]] = true;
                        q.add(new int[]{e[0], s});
                    }
                }
            }
            return false;
        }

        boolean proves(int x, int y, int label) {
            return switch (label) {
                case AttributeKnowledge.GT -> reaches(x, y, true);
                case AttributeKnowledge.LT -> reaches(y, x, true);
                default -> reaches(x, y, false) && reaches(y, x, false);
            };
        }
    }

    static Graph graph(ReasoningData d, AttributeKnowledge kb, int attribute, boolean withAtomic) {
        int E = kb.entities;
        int V = kb.valueCount;
        List<List<int[]>> edges = new ArrayList<>();
        for (int i = 0; i < E + V; i++) {
            edges.add(new ArrayList<>());
        }
        for (Fact f : d.splits().get("train_inferred")) {
            int[] q = kb.decode(f);
            if (q[0] != attribute) {
                continue;
            }
            int label = f.answer()[0] - 3 * attribute;
            if (label != AttributeKnowledge.LT) {
                edges.get(q[1]).add(new int[]{q[2], label == AttributeKnowledge.GT ? 1 : 0});
            }
            if (label != AttributeKnowledge.GT) {
                edges.get(q[2]).add(new int[]{q[1], label == AttributeKnowledge.LT ? 1 : 0});
            }
        }
        if (withAtomic) {
            List<String> vocab = d.vocabulary();
            for (Fact f : d.splits().get("train_atomic")) {
                int e = Integer.parseInt(vocab.get(f.input()[0]).replaceAll("\\D", ""));
                String attr = vocab.get(f.input()[1]);
                if (!attr.equals("<a" + attribute + ">")) {
                    continue;
                }
                int v = Integer.parseInt(vocab.get(f.answer()[0]).replaceAll("\\D", ""));
                edges.get(e).add(new int[]{E + v, 0});
                edges.get(E + v).add(new int[]{e, 0});
            }
            for (int v = 1; v < V; v++) {
                edges.get(E + v).add(new int[]{E + v - 1, 1});
            }
        }
        return new Graph(edges);
    }

    @Test
    void generateWritesReadableJsonlAndMetadata(@TempDir Path dir) throws Exception {
        CompositionTaskSpec task = new CompositionTaskSpec(20, 4, 3, 0.1, 1.0, 0.1, 9L, null);
        Map<String, Object> meta = task.writeGenerated(0, dir);
        JsonNode written = Json.mapper().readTree(dir.resolve(DatasetFiles.METADATA).toFile());
        assertEquals(20, written.get("task").get("entities").asInt());
        assertEquals(9, written.get("task").get("dataSeed").asInt());
        assertEquals(task.generate(0).hash(), written.get("hash").asText());
        assertEquals(meta.get("hash"), written.get("hash").asText());
        List<String> lines = Files.readAllLines(dir.resolve("test_inferred_id.jsonl"));
        assertEquals(written.get("splits").get("test_inferred_id").asInt(), lines.size());
        JsonNode row = Json.mapper().readTree(lines.get(0));
        assertEquals(3, row.get("input").size());
        assertTrue(row.get("input").get(0).asText().matches("<e\\d+>"), row.toString());
        assertTrue(row.get("input").get(1).asText().matches("<r\\d+>"), row.toString());
        assertEquals("</a>", row.get("target").get(1).asText());
        for (String s : List.of("train_atomic", "train_inferred", "test_atomic_id", "test_atomic_ood", "test_inferred_ood")) {
            assertTrue(Files.exists(dir.resolve(s + ".jsonl")), s);
        }
    }
}
