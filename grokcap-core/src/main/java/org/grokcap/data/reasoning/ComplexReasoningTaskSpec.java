package org.grokcap.data.reasoning;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonTypeName;
import org.apache.commons.rng.UniformRandomProvider;
import org.grokcap.config.Check;
import org.grokcap.config.ConfigException;
import org.grokcap.util.Rngs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Complex reasoning (docs/science.md §2, Wang et al. 2024): the comparison knowledge base, but the OOD atomic
 * facts are not trained. Training = the ID atomic facts + each ID–ID comparison with probability
 * idIdFraction + each ID–OOD comparison (either order) with probability idOodFraction.
 *
 * <p>test_hard holds hardPerLabel OOD–OOD comparisons per label (lt, eq, gt; over all attributes) that
 * are derivable from the training facts by chaining — e1 ≥ i (a trained comparison), val(i) ≥ val(j)
 * (trained atomic facts), j ≥ e2 (a trained comparison), strict somewhere for lt/gt, both ways for eq
 * — and not derivable from the trained comparisons alone (no chain of trained comparisons proves
 * its label). Other splits: train_atomic = test_atomic_id (the trained ID atomic facts),
 * test_atomic_ood (never trained), train_inferred, test_inferred_id (untrained ID–ID comparisons) and
 * test_inferred_ood (the other OOD–OOD comparisons), the last two at most maxTestPerSplit each.
 *
 * @param entities       |E|, 2..100,000; paper 1000
 * @param attributes     1..1000; paper 20
 * @param values         values per attribute, 1..10,000; paper 20
 * @param oodFraction    fraction of entities that are OOD per attribute, [0, 1); paper 0.1
 * @param idIdFraction   chance an ID–ID comparison is trained, [0, 1]; paper 0.03
 * @param idOodFraction  chance an ID–OOD comparison is trained, [0, 1]; paper 0.03
 * @param hardPerLabel   test_hard queries per label, ≥ 1; paper 50
 * @param maxTestPerSplit cap on test_inferred_id and test_inferred_ood, ≥ 1; default 10,000
 * @param dataSeed       seed of the knowledge base and splits; default the run's seed
 */
@JsonTypeName("complex-reasoning")
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ComplexReasoningTaskSpec(Integer entities, Integer attributes, Integer values, Double oodFraction,
                                       Double idIdFraction, Double idOodFraction, Integer hardPerLabel,
                                       Integer maxTestPerSplit, Long dataSeed) implements ReasoningTaskSpec {

    public ComplexReasoningTaskSpec {
        entities = Check.between("entities", Check.present("entities", entities), 2, 100_000);
        attributes = Check.between("attributes", Check.present("attributes", attributes), 1, 1000);
        values = Check.between("values", Check.present("values", values), 1, 10_000);
        oodFraction = Check.openInterval("oodFraction", oodFraction == null ? 0.1 : oodFraction, 0.0, 1.0);
        idIdFraction = unit("idIdFraction", idIdFraction == null ? 0.03 : idIdFraction);
        idOodFraction = unit("idOodFraction", idOodFraction == null ? 0.03 : idOodFraction);
        hardPerLabel = Check.between("hardPerLabel", hardPerLabel == null ? 50 : hardPerLabel, 1, 1_000_000);
        maxTestPerSplit = Check.between("maxTestPerSplit", maxTestPerSplit == null ? 10_000 : maxTestPerSplit, 1,
                100_000_000);
        if ((long) entities * entities * attributes > 400_000_000L) {
            throw new ConfigException("entities", entities, "gives " + (long) entities * entities * attributes
                    + " comparisons; at most 400,000,000 are supported");
        }
    }

    private static double unit(String field, double v) {
        if (!(v >= 0.0 && v <= 1.0)) {
            throw new ConfigException(field, v, "must be in [0, 1]");
        }
        return v;
    }

    public ReasoningData facts(long seed) {
        UniformRandomProvider rng = Rngs.stream(dataSeed != null ? dataSeed : seed, "data.complex");
        AttributeKnowledge kb = new AttributeKnowledge(entities, attributes, values, oodFraction, rng);
        int E = entities;
        List<Fact> atomicId = new ArrayList<>();
        List<Fact> atomicOod = new ArrayList<>();
        for (int a = 0; a < attributes; a++) {
            for (int e = 0; e < E; e++) {
                (kb.ood[a][e] ? atomicOod : atomicId).add(kb.atomic(a, e));
            }
        }
        List<Fact> trainInferred = new ArrayList<>();
        AttributeKnowledge.Codes testId = new AttributeKnowledge.Codes();
        AttributeKnowledge.Codes testOod = new AttributeKnowledge.Codes();
        AttributeKnowledge.Codes[] hard = {new AttributeKnowledge.Codes(), new AttributeKnowledge.Codes(),
                new AttributeKnowledge.Codes()};
        for (int a = 0; a < attributes; a++) {
            boolean[] ood = kb.ood[a];
            // trained comparisons of this attribute, as "≥" edges for the comparisons-only closure
            List<List<int[]>> geq = new ArrayList<>(E); // geq[x] holds {y, strict}: x ≥ y (x > y if strict)
            for (int e = 0; e < E; e++) {
                geq.add(new ArrayList<>());
            }
            // bounds of each OOD entity's value from trained ID–OOD comparisons: lo ≤ val ≤ hi, with strictness
            int[] lo = new int[E];
            int[] hi = new int[E];
            boolean[] loStrict = new boolean[E];
            boolean[] hiStrict = new boolean[E];
            java.util.Arrays.fill(lo, Integer.MIN_VALUE);
            java.util.Arrays.fill(hi, Integer.MAX_VALUE);
            for (int e1 = 0; e1 < E; e1++) {
                for (int e2 = 0; e2 < E; e2++) {
                    if (e1 == e2) {
                        continue;
                    }
                    boolean o1 = ood[e1];
                    boolean o2 = ood[e2];
                    if (o1 && o2) {
                        testOod.add(kb.code(a, e1, e2));
                        continue;
                    }
                    double p = o1 || o2 ? idOodFraction : idIdFraction;
                    if (rng.nextDouble() >= p) {
                        if (!o1 && !o2) {
                            testId.add(kb.code(a, e1, e2));
                        }
                        continue;
                    }
                    trainInferred.add(kb.comparison(a, e1, e2));
                    int label = kb.label(a, e1, e2);
                    addEdges(geq, e1, e2, label);
                    if (o1 != o2) {
                        int o = o1 ? e1 : e2;
                        int i = o1 ? e2 : e1;
                        int rel = o1 ? label : 2 - label; // how o compares with i
                        int v = kb.values[a][i];
                        if (rel != AttributeKnowledge.LT) { // o ≥ i
                            boolean strict = rel == AttributeKnowledge.GT;
                            if (v > lo[o] || (v == lo[o] && strict)) {
                                lo[o] = v;
                                loStrict[o] = strict;
                            }
                        }
                        if (rel != AttributeKnowledge.GT) { // o ≤ i
                            boolean strict = rel == AttributeKnowledge.LT;
                            if (v < hi[o] || (v == hi[o] && strict)) {
                                hi[o] = v;
                                hiStrict[o] = strict;
                            }
                        }
                    }
                }
            }
            boolean[][][] reachOf = new boolean[E][][]; // closure of each OOD entity, made when first needed
            for (int e1 = 0; e1 < E; e1++) {
                if (!ood[e1]) {
                    continue;
                }
                for (int e2 = 0; e2 < E; e2++) {
                    if (!ood[e2] || e1 == e2) {
                        continue;
                    }
                    int label = derivedLabel(lo, hi, loStrict, hiStrict, e1, e2);
                    if (label < 0 || label != kb.label(a, e1, e2)) {
                        continue;
                    }
                    if (comparisonsProve(geq, reachOf, e1, e2)) {
                        continue; // the trained comparisons alone decide this query
                    }
                    hard[label].add(kb.code(a, e1, e2));
                }
            }
        }
        Map<String, List<Fact>> splits = new LinkedHashMap<>();
        List<Fact> trainAtomic = new ArrayList<>(atomicId);
        ReasoningData.shuffle(trainAtomic, rng);
        ReasoningData.shuffle(trainInferred, rng);
        ReasoningData.shuffle(atomicId, rng);
        ReasoningData.shuffle(atomicOod, rng);
        splits.put("train_atomic", trainAtomic);
        splits.put("train_inferred", trainInferred);
        splits.put("test_atomic_id", atomicId);
        splits.put("test_atomic_ood", atomicOod);
        List<Fact> testHard = new ArrayList<>();
        java.util.Set<Long> hardCodes = new java.util.HashSet<>();
        for (int label = 0; label < 3; label++) {
            if (hard[label].n < hardPerLabel) {
                throw new ConfigException("hardPerLabel", hardPerLabel, "only " + hard[label].n + " test_hard queries with "
                        + "label " + AttributeKnowledge.LABELS[label] + " exist (OOD–OOD pairs that the training facts "
                        + "decide and the trained comparisons alone do not); lower hardPerLabel, idIdFraction or "
                        + "idOodFraction, or raise entities");
            }
            ReasoningData.shuffle(hard[label].a, hard[label].n, rng);
            for (int i = 0; i < hardPerLabel; i++) {
                hardCodes.add(hard[label].a[i]);
                testHard.add(kb.comparison(hard[label].a[i]));
            }
        }
        ReasoningData.shuffle(testHard, rng);
        AttributeKnowledge.Codes otherOod = new AttributeKnowledge.Codes(); // test_hard's queries stay out of it
        for (int i = 0; i < testOod.n; i++) {
            if (!hardCodes.contains(testOod.a[i])) {
                otherOod.add(testOod.a[i]);
            }
        }
        splits.put("test_inferred_id", kb.sample(testId.a, testId.n, maxTestPerSplit, rng));
        splits.put("test_inferred_ood", kb.sample(otherOod.a, otherOod.n, maxTestPerSplit, rng));
        splits.put("test_hard", testHard);
        return new ReasoningData(kb.vocabulary(), kb.outputVocab(), splits, List.of("train_atomic", "train_inferred"));
    }

    /** The label a chain through ID values proves for e1 vs e2 (OOD both), or -1 when none does. */
    static int derivedLabel(int[] lo, int[] hi, boolean[] loStrict, boolean[] hiStrict, int e1, int e2) {
        if (gt(lo, hi, loStrict, hiStrict, e1, e2)) {
            return AttributeKnowledge.GT;
        }
        if (gt(lo, hi, loStrict, hiStrict, e2, e1)) {
            return AttributeKnowledge.LT;
        }
        if (geqProved(lo, hi, e1, e2) && geqProved(lo, hi, e2, e1)) {
            return AttributeKnowledge.EQ;
        }
        return -1;
    }

    /** val(x) > val(y) proved: x ≥ i, val(i) ≥ val(j), j ≥ y, strict somewhere. */
    private static boolean gt(int[] lo, int[] hi, boolean[] loStrict, boolean[] hiStrict, int x, int y) {
        if (lo[x] == Integer.MIN_VALUE || hi[y] == Integer.MAX_VALUE) {
            return false;
        }
        return lo[x] > hi[y] || (lo[x] == hi[y] && (loStrict[x] || hiStrict[y]));
    }

    private static boolean geqProved(int[] lo, int[] hi, int x, int y) {
        return lo[x] != Integer.MIN_VALUE && hi[y] != Integer.MAX_VALUE && lo[x] >= hi[y];
    }

    /** x ≥ y edges of a trained comparison "x label y". */
    private static void addEdges(List<List<int[]>> geq, int x, int y, int label) {
        if (label != AttributeKnowledge.LT) {
            geq.get(x).add(new int[]{y, label == AttributeKnowledge.GT ? 1 : 0});
        }
        if (label != AttributeKnowledge.GT) {
            geq.get(y).add(new int[]{x, label == AttributeKnowledge.LT ? 1 : 0});
        }
    }

    /** Entities reachable from start along ≥ edges: [0] with no strict edge on the way, [1] with one. */
    static boolean[][] closure(List<List<int[]>> geq, int start) {
        int n = geq.size();
        boolean[][] seen = new boolean[2][n];
        ArrayDeque<int[]> queue = new ArrayDeque<>();
        seen[0][start] = true;
        queue.add(new int[]{start, 0});
        while (!queue.isEmpty()) {
            int[] cur = queue.poll();
            for (int[] edge : geq.get(cur[0])) {
                int s = cur[1] | edge[1];
                if (!seen[s][edge[0]]) {
                    seen[s][edge[0]] = true;
                    queue.add(new int[]{edge[0], s});
                }
            }
        }
        seen[0][start] = false;
        return seen;
    }

    /** Whether chains of trained comparisons alone prove some label for x vs y (x > y, x < y or x = y). */
    private static boolean comparisonsProve(List<List<int[]>> geq, boolean[][][] reachOf, int x, int y) {
        for (int e : new int[]{x, y}) {
            if (reachOf[e] == null) {
                reachOf[e] = closure(geq, e);
            }
        }
        boolean gt = reachOf[x][1][y];
        boolean lt = reachOf[y][1][x];
        boolean eq = (reachOf[x][0][y] || reachOf[x][1][y]) && (reachOf[y][0][x] || reachOf[y][1][x]);
        return gt || lt || eq;
    }

    @Override
    public String splitNote() {
        return "OOD atomic facts are not trained; test_hard queries are OOD–OOD comparisons derivable by "
                + "chaining trained ID–OOD comparisons through ID atomic facts and not derivable from the "
                + "trained comparisons alone; train_atomic = test_atomic_id";
    }
}
