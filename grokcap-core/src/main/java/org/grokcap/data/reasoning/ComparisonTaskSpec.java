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
 * Comparison (docs/science.md §2, Wang et al. 2024): every entity has a uniform random value 0..values-1 per
 * attribute; per attribute the entities are split into ID and OOD (redrawn per attribute). Every
 * atomic fact {@code <e><attr> → <v></a>} is trained. Every unordered pair of distinct entities gives
 * two comparisons {@code <attr><q><e1><mask><e2> → <label></a>} (both orders, one label token per
 * attribute and relation): an ID–ID pair goes to test_inferred_id with probability
 * testInferredIdFraction, else to the pool; an OOD–OOD pair goes to test_inferred_ood; mixed pairs are
 * dropped. Training = all atomic facts + round(phi·|ID atomic|) comparisons drawn from the pool.
 *
 * <p>Splits as for composition: train_atomic (all atomic facts) = test_atomic_id ⊎ test_atomic_ood
 * (trained: memorisation), train_inferred, test_inferred_id, test_inferred_ood (never trained; each at
 * most maxTestPerSplit facts, a uniform sample).
 *
 * @param entities               |E|, 2..100,000; paper 1000
 * @param attributes             attributes, 1..1000; paper 20
 * @param values                 values per attribute, 1..10,000; paper 20
 * @param oodFraction            fraction of entities that are OOD per attribute, [0, 1); paper 0.1
 * @param phi                    inferred/atomic ratio of the training set, ≥ 0; default 18
 * @param testInferredIdFraction chance that an ID–ID pair is held out, [0, 1); paper 0.1
 * @param maxTestPerSplit        cap on each held-out comparison split, ≥ 1; default 10,000
 * @param dataSeed               seed of the knowledge base and splits; default the run's seed
 */
@JsonTypeName("comparison")
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ComparisonTaskSpec(Integer entities, Integer attributes, Integer values, Double oodFraction, Double phi,
                                 Double testInferredIdFraction, Integer maxTestPerSplit, Long dataSeed)
        implements ReasoningTaskSpec {

    public ComparisonTaskSpec {
        entities = Check.between("entities", Check.present("entities", entities), 2, 100_000);
        attributes = Check.between("attributes", Check.present("attributes", attributes), 1, 1000);
        values = Check.between("values", Check.present("values", values), 1, 10_000);
        oodFraction = Check.halfOpen("oodFraction", oodFraction == null ? 0.1 : oodFraction, 0.0, 1.0);
        phi = Check.finiteAtLeast("phi", phi == null ? 18.0 : phi, 0.0);
        testInferredIdFraction = Check.halfOpen("testInferredIdFraction",
                testInferredIdFraction == null ? 0.1 : testInferredIdFraction, 0.0, 1.0);
        maxTestPerSplit = Check.between("maxTestPerSplit", maxTestPerSplit == null ? 10_000 : maxTestPerSplit, 1,
                100_000_000);
        if ((long) entities * entities * attributes > 400_000_000L) {
            throw new ConfigException("entities", entities, "gives " + (long) entities * entities * attributes
                    + " comparisons; at most 400,000,000 are supported");
        }
    }

    public ReasoningData facts(long seed) {
        UniformRandomProvider rng = Rngs.stream(dataSeed != null ? dataSeed : seed, "data.comparison");
        AttributeKnowledge kb = new AttributeKnowledge(entities, attributes, values, oodFraction, rng);
        List<Fact> atomicId = new ArrayList<>();
        List<Fact> atomicOod = new ArrayList<>();
        for (int a = 0; a < attributes; a++) {
            for (int e = 0; e < entities; e++) {
                (kb.ood[a][e] ? atomicOod : atomicId).add(kb.atomic(a, e));
            }
        }
        AttributeKnowledge.Codes pool = new AttributeKnowledge.Codes();
        AttributeKnowledge.Codes testId = new AttributeKnowledge.Codes();
        AttributeKnowledge.Codes testOod = new AttributeKnowledge.Codes();
        for (int a = 0; a < attributes; a++) {
            for (int e1 = 0; e1 < entities; e1++) {
                for (int e2 = e1 + 1; e2 < entities; e2++) {
                    boolean o1 = kb.ood[a][e1];
                    if (o1 != kb.ood[a][e2]) {
                        continue; // mixed pairs are dropped
                    }
                    AttributeKnowledge.Codes to = o1 ? testOod : rng.nextDouble() < testInferredIdFraction ? testId : pool;
                    to.add(kb.code(a, e1, e2));
                    to.add(kb.code(a, e2, e1));
                }
            }
        }
        long want = Math.round(phi * atomicId.size());
        if (want > pool.n) {
            throw new ConfigException("phi", phi, "asks for " + want + " comparisons in training (phi × "
                    + atomicId.size() + " ID atomic facts) but the pool holds only " + pool.n
                    + "; raise entities or lower phi");
        }
        List<Fact> trainInferred = kb.sample(pool.a, pool.n, (int) want, rng);
        List<Fact> trainAtomic = new ArrayList<>(atomicId);
        trainAtomic.addAll(atomicOod);
        ReasoningData.shuffle(trainAtomic, rng);
        ReasoningData.shuffle(atomicId, rng);
        ReasoningData.shuffle(atomicOod, rng);
        Map<String, List<Fact>> splits = new LinkedHashMap<>();
        splits.put("train_atomic", trainAtomic);
        splits.put("train_inferred", trainInferred);
        splits.put("test_atomic_id", atomicId);
        splits.put("test_atomic_ood", atomicOod);
        splits.put("test_inferred_id", kb.sample(testId.a, testId.n, maxTestPerSplit, rng));
        splits.put("test_inferred_ood", kb.sample(testOod.a, testOod.n, maxTestPerSplit, rng));
        return new ReasoningData(kb.vocabulary(), kb.outputVocab(), splits, List.of("train_atomic", "train_inferred"));
    }

    @Override
    public String splitNote() {
        return "test_atomic_id and test_atomic_ood are the ID and OOD atomic facts; all atomic facts are "
                + "trained, so together they are train_atomic and measure memorisation; held-out "
                + "comparison splits are uniform samples of at most maxTestPerSplit facts";
    }
}
