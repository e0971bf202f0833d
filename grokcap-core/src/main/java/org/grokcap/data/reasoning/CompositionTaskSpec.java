package org.grokcap.data.reasoning;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonTypeName;
import org.apache.commons.rng.UniformRandomProvider;
import org.grokcap.config.Check;
import org.grokcap.config.ConfigException;
import org.grokcap.util.Rngs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two-hop composition over a random knowledge graph (docs/science.md §2, Wang et al. 2024).
 *
 * <p>Each entity h has factsPerEntity distinct relations r, each to a uniform random tail t: the atomic
 * facts {@code <h><r> → <t></a>}. A fraction oodFraction of them is OOD, the rest ID. Every chain
 * h –r1→ b –r2→ t is a two-hop fact {@code <h><r1><r2> → <t></a>}: both hops ID → test_inferred_id with
 * probability testInferredIdFraction, else the pool; both hops OOD → test_inferred_ood; mixed →
 * dropped, unless mixedSplits: then first hop OOD and second ID → test_inferred_ood_first, first ID and
 * second OOD → test_inferred_ood_second (Ye et al. 2025). Training = every atomic fact +
 * round(phi·|ID atomic|) facts drawn from the pool.
 *
 * <p>Splits: train_atomic (every atomic fact, all trained), train_inferred (the drawn facts),
 * test_atomic_id and test_atomic_ood (the ID and OOD atomic facts: trained, so these measure
 * memorisation; together they are train_atomic), test_inferred_id, test_inferred_ood (never trained),
 * and with mixedSplits test_inferred_ood_first and test_inferred_ood_second (never trained; every
 * mixed chain, shuffled, so train.evalMaxPerSplit evaluates a uniform sample of them). The mixed
 * splits draw from the random stream only after everything else, so the other splits are the same
 * with and without them.
 *
 * @param entities               |E|, 2..1,000,000; paper 2000
 * @param relations              |R|, 1..100,000; paper 200
 * @param factsPerEntity         relations per entity, 1..relations; paper 20
 * @param oodFraction            fraction of atomic facts that are OOD, [0, 1); paper 0.05
 * @param phi                    inferred/atomic ratio φ of the training set, ≥ 0; paper 3.6..18, default 18
 * @param testInferredIdFraction chance that an ID–ID chain is held out for test_inferred_id, [0, 1); paper 0.005
 * @param dataSeed               seed of the knowledge graph and its splits; default the run's seed
 * @param mixedSplits            keep the two-hop facts with one OOD hop as two more held-out splits; default false
 */
@JsonTypeName("composition")
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CompositionTaskSpec(Integer entities, Integer relations, Integer factsPerEntity, Double oodFraction,
                                  Double phi, Double testInferredIdFraction, Long dataSeed, Boolean mixedSplits)
        implements ReasoningTaskSpec {

    /** The split of two-hop facts whose first hop is OOD and second ID (with {@code mixedSplits}). */
    public static final String OOD_FIRST = "test_inferred_ood_first";
    /** The split of two-hop facts whose first hop is ID and second OOD (with {@code mixedSplits}). */
    public static final String OOD_SECOND = "test_inferred_ood_second";

    public CompositionTaskSpec {
        entities = Check.between("entities", Check.present("entities", entities), 2, 1_000_000);
        relations = Check.between("relations", Check.present("relations", relations), 1, 100_000);
        factsPerEntity = Check.between("factsPerEntity", Check.present("factsPerEntity", factsPerEntity), 1, relations);
        oodFraction = Check.halfOpen("oodFraction", oodFraction == null ? 0.05 : oodFraction, 0.0, 1.0);
        phi = Check.finiteAtLeast("phi", phi == null ? 18.0 : phi, 0.0);
        testInferredIdFraction = Check.halfOpen("testInferredIdFraction",
                testInferredIdFraction == null ? 0.005 : testInferredIdFraction, 0.0, 1.0);
        mixedSplits = mixedSplits != null && mixedSplits;
        if ((long) entities * factsPerEntity * factsPerEntity > 200_000_000L) {
            throw new ConfigException("entities", entities, "gives " + (long) entities * factsPerEntity * factsPerEntity
                    + " two-hop chains; at most 200,000,000 are supported");
        }
    }

    /** The token of entity e is e; then {@code </a>}; then the relations; then {@code <pad>}. */
    private List<String> vocabulary() {
        List<String> v = new ArrayList<>(ReasoningData.tokens("e", entities));
        v.add(ReasoningData.END);
        v.addAll(ReasoningData.tokens("r", relations));
        v.add(ReasoningData.PAD);
        return v;
    }

    /** The facts of every split (see the class comment). */
    public ReasoningData facts(long seed) {
        long s = dataSeed != null ? dataSeed : seed;
        UniformRandomProvider rng = Rngs.stream(s, "data.composition");
        int E = entities;
        int f = factsPerEntity;
        int end = E;
        int rel0 = E + 1;
        // tails[h][k] by relation rel[h][k]; ood[h][k] whether that atomic fact is OOD
        int[][] rel = new int[E][f];
        int[][] tail = new int[E][f];
        int[] perm = new int[relations];
        for (int h = 0; h < E; h++) {
            for (int i = 0; i < relations; i++) {
                perm[i] = i;
            }
            for (int k = 0; k < f; k++) { // partial Fisher–Yates: f distinct relations
                int j = k + rng.nextInt(relations - k);
                int tmp = perm[k];
                perm[k] = perm[j];
                perm[j] = tmp;
                rel[h][k] = perm[k];
                tail[h][k] = rng.nextInt(E);
            }
        }
        int nAtomic = E * f;
        int[] order = new int[nAtomic];
        for (int i = 0; i < nAtomic; i++) {
            order[i] = i;
        }
        ReasoningData.shuffle(order, nAtomic, rng);
        int nOod = (int) Math.round(oodFraction * nAtomic);
        boolean[][] ood = new boolean[E][f];
        List<Fact> atomicId = new ArrayList<>();
        List<Fact> atomicOod = new ArrayList<>();
        for (int i = 0; i < nAtomic; i++) {
            int h = order[i] / f;
            int k = order[i] % f;
            ood[h][k] = i < nOod;
            Fact fact = new Fact(new int[]{h, rel0 + rel[h][k]}, new int[]{tail[h][k], end});
            (ood[h][k] ? atomicOod : atomicId).add(fact);
        }
        List<Fact> pool = new ArrayList<>();
        List<Fact> testId = new ArrayList<>();
        List<Fact> testOod = new ArrayList<>();
        List<Fact> oodFirst = new ArrayList<>();
        List<Fact> oodSecond = new ArrayList<>();
        for (int h = 0; h < E; h++) {
            for (int k1 = 0; k1 < f; k1++) {
                int b = tail[h][k1];
                for (int k2 = 0; k2 < f; k2++) {
                    boolean o1 = ood[h][k1];
                    boolean o2 = ood[b][k2];
                    if (o1 != o2 && !mixedSplits) {
                        continue; // mixed chains are dropped
                    }
                    Fact fact = new Fact(new int[]{h, rel0 + rel[h][k1], rel0 + rel[b][k2]}, new int[]{tail[b][k2], end});
                    if (o1 != o2) {
                        (o1 ? oodFirst : oodSecond).add(fact); // draws nothing: the other splits stay as without
                    } else if (o1) {
                        testOod.add(fact);
                    } else if (rng.nextDouble() < testInferredIdFraction) {
                        testId.add(fact);
                    } else {
                        pool.add(fact);
                    }
                }
            }
        }
        long want = Math.round(phi * atomicId.size());
        if (want > pool.size()) {
            throw new ConfigException("phi", phi, "asks for " + want + " inferred training facts (phi × "
                    + atomicId.size() + " ID atomic facts) but only " + pool.size()
                    + " ID two-hop facts are available; raise factsPerEntity or lower phi");
        }
        ReasoningData.shuffle(pool, rng);
        List<Fact> trainInferred = new ArrayList<>(pool.subList(0, (int) want));
        List<Fact> trainAtomic = new ArrayList<>(atomicId);
        trainAtomic.addAll(atomicOod);
        ReasoningData.shuffle(trainAtomic, rng);
        ReasoningData.shuffle(atomicId, rng);
        ReasoningData.shuffle(atomicOod, rng);
        ReasoningData.shuffle(testId, rng);
        ReasoningData.shuffle(testOod, rng);
        Map<String, List<Fact>> splits = new LinkedHashMap<>();
        splits.put("train_atomic", trainAtomic);
        splits.put("train_inferred", trainInferred);
        splits.put("test_atomic_id", atomicId);
        splits.put("test_atomic_ood", atomicOod);
        splits.put("test_inferred_id", testId);
        splits.put("test_inferred_ood", testOod);
        if (mixedSplits) {
            ReasoningData.shuffle(oodFirst, rng);
            ReasoningData.shuffle(oodSecond, rng);
            splits.put(OOD_FIRST, oodFirst);
            splits.put(OOD_SECOND, oodSecond);
        }
        return new ReasoningData(vocabulary(), E + 1, splits, List.of("train_atomic", "train_inferred"));
    }

    @Override
    public String splitNote() {
        return "test_atomic_id and test_atomic_ood are the ID and OOD atomic facts; all atomic facts are "
                + "trained, so together they are train_atomic and measure memorisation"
                + (mixedSplits ? "; " + OOD_FIRST + " holds the two-hop facts whose first hop is OOD and second ID, "
                + OOD_SECOND + " those whose first hop is ID and second OOD" : "");
    }
}
