package org.grokcap.capacity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The capacity of a trained model in bits (docs/science.md §3): Σ over the dataset's facts of
 * max(0, H_a − L_a), where H_a is the entropy of the fact's attribute and L_a the model's loss in bits
 * on the fact's answer (its answer tokens' losses summed), plus the one-off selection costs (which
 * names, which birth dates exist) credited in the proportion the model holds the content that needs
 * them, plus what the {@link EncodingScheme} counts for 2-hop answers ({@link TwoHop}), and divided by
 * the real parameter count.
 *
 * <p>Clamping each fact at 0 (the original does not) keeps a fact the model gets worse than chance
 * from cancelling one it knows. Crediting a selection cost in proportion, rather than all or nothing,
 * is grokcap's reading of "once the names are learned": a model that holds half of the relation
 * content (whose answers are names) has learned about half of which names exist. The selection costs
 * are credited from the 1-hop facts only, under every encoding scheme: which names exist is learned
 * from the relations' own answers, not again from the 2-hop ones.
 *
 * @param attributes     per attribute, in dataset order (the 1-hop facts)
 * @param selectionBits  selection costs credited, by name (e.g. names, birth dates)
 * @param factBits       Σ over facts of max(0, H_a − L_a)
 * @param twoHop         the 2-hop answers' share: what was credited for them and from what
 * @param totalBits      factBits + Σ selectionBits + twoHop.creditedBits
 * @param datasetBits    the dataset's entropy under the same scheme (the most a model could hold)
 * @param parameters     real parameter count
 * @param bitsPerParameter totalBits / parameters
 */
public record ModelCapacity(List<AttributeCapacity> attributes, Map<String, Double> selectionBits, double factBits,
                            TwoHopCapacity twoHop, double totalBits, double datasetBits, long parameters,
                            double bitsPerParameter) {

    /**
     * One attribute's share.
     *
     * @param name          attribute or relation
     * @param facts         answers evaluated
     * @param entropyBits   H_a, bits per fact
     * @param meanLossBits  the model's mean answer loss in bits
     * @param capacityBits  Σ max(0, H_a − L)
     */
    public record AttributeCapacity(String name, int facts, double entropyBits, double meanLossBits,
                                    double capacityBits) {
        /** The most this attribute can contribute: facts × H_a. */
        public double contentBits() {
            return facts * entropyBits;
        }
    }

    /**
     * A selection cost (bits) that is credited in the proportion of the content of some attributes the
     * model holds: {@code bits × Σ capacity(a) / Σ content(a)} over those attributes.
     */
    public record Selection(String name, double bits, List<String> creditedBy) {}

    /**
     * The distinct 2-hop questions (person, relation, subject) of the training split, each once, and how
     * the encoding scheme counts them:
     * <ul>
     *   <li>{@code optimal}: a 2-hop answer follows from two 1-hop facts, so it adds nothing.</li>
     *   <li>{@code two-hop-big-hash}: every distinct 2-hop question is a fact of its own with its
     *       subject's H_a; it credits max(0, H_a − L) like a 1-hop fact.</li>
     *   <li>{@code two-hop-double}: the dataset's 2-hop content is fixed ({@code contentBits}: the
     *       subject content plus the relation content once more, as {@link DatasetEntropy} counts it); it
     *       is credited in the proportion Σ max(0, H_a − L) / Σ H_a over the distinct 2-hop questions,
     *       the share of their content the model holds.</li>
     * </ul>
     *
     * @param scheme            the encoding scheme
     * @param subjectOfAnswer   per distinct 2-hop question: its subject's name (an attribute of entropyBits)
     * @param lossBits          per distinct 2-hop question: the model's loss in bits on its answer
     * @param contentBits       the dataset's 2-hop content under the scheme (used by two-hop-double)
     */
    public record TwoHop(EncodingScheme scheme, String[] subjectOfAnswer, double[] lossBits, double contentBits) {
        /** No 2-hop questions (or the optimal scheme with none given): nothing to credit. */
        public static final TwoHop NONE = new TwoHop(EncodingScheme.OPTIMAL, new String[0], new double[0], 0.0);
    }

    /**
     * What the 2-hop answers added.
     *
     * @param questions     distinct 2-hop questions evaluated
     * @param heldBits      Σ max(0, H_a − L) over them
     * @param entropyBits   Σ H_a over them
     * @param creditedBits  what the scheme credits: 0 (optimal), heldBits (two-hop-big-hash),
     *                      contentBits × heldBits / entropyBits (two-hop-double)
     */
    public record TwoHopCapacity(EncodingScheme scheme, int questions, double heldBits, double entropyBits,
                                 double creditedBits) {}

    /**
     * @param attributeOfAnswer per answer: its attribute's name
     * @param lossBits          per answer: the model's loss in bits (answer tokens summed)
     * @param entropyBits       H_a per attribute name; every answer's attribute must be here
     * @param selections        selection costs and the attributes whose learning credits them
     * @param datasetBits       the dataset's total entropy, for the report
     * @param parameters        real parameter count (&gt; 0)
     */
    public static ModelCapacity of(String[] attributeOfAnswer, double[] lossBits, Map<String, Double> entropyBits,
                                   List<Selection> selections, double datasetBits, long parameters) {
        return of(attributeOfAnswer, lossBits, entropyBits, selections, TwoHop.NONE, datasetBits, parameters);
    }

    /**
     * As {@link #of(String[], double[], Map, List, double, long)}, with the 2-hop answers counted as
     * twoHop's scheme says.
     */
    public static ModelCapacity of(String[] attributeOfAnswer, double[] lossBits, Map<String, Double> entropyBits,
                                   List<Selection> selections, TwoHop twoHop, double datasetBits, long parameters) {
        if (attributeOfAnswer.length != lossBits.length) {
            throw new IllegalArgumentException(attributeOfAnswer.length + " attributes for " + lossBits.length + " losses");
        }
        if (parameters <= 0) {
            throw new IllegalArgumentException("parameters must be > 0, got " + parameters);
        }
        Map<String, double[]> acc = new LinkedHashMap<>(); // name → {facts, loss sum, capacity}
        for (String a : entropyBits.keySet()) {
            acc.put(a, new double[3]);
        }
        for (int i = 0; i < lossBits.length; i++) {
            double h = entropyOf(entropyBits, attributeOfAnswer[i], "answer " + i);
            double l = checkedLoss(lossBits[i], "answer " + i);
            double[] a = acc.get(attributeOfAnswer[i]);
            a[0] += 1;
            a[1] += l;
            a[2] += Math.max(0.0, h - l);
        }
        List<AttributeCapacity> attrs = new ArrayList<>();
        double factBits = 0;
        for (Map.Entry<String, double[]> e : acc.entrySet()) {
            double[] a = e.getValue();
            if (a[0] == 0) {
                continue;
            }
            attrs.add(new AttributeCapacity(e.getKey(), (int) a[0], entropyBits.get(e.getKey()), a[1] / a[0], a[2]));
            factBits += a[2];
        }
        Map<String, Double> credited = new LinkedHashMap<>();
        double total = factBits;
        for (Selection s : selections) {
            double held = 0;
            double content = 0;
            for (AttributeCapacity a : attrs) {
                if (s.creditedBy().contains(a.name())) {
                    held += a.capacityBits();
                    content += a.contentBits();
                }
            }
            double bits = content > 0 ? s.bits() * held / content : 0.0;
            credited.put(s.name(), bits);
            total += bits;
        }
        TwoHopCapacity twoHopCapacity = twoHop(twoHop, entropyBits);
        total += twoHopCapacity.creditedBits();
        return new ModelCapacity(List.copyOf(attrs), credited, factBits, twoHopCapacity, total, datasetBits, parameters,
                total / parameters);
    }

    private static TwoHopCapacity twoHop(TwoHop t, Map<String, Double> entropyBits) {
        if (t.subjectOfAnswer().length != t.lossBits().length) {
            throw new IllegalArgumentException(t.subjectOfAnswer().length + " 2-hop subjects for " + t.lossBits().length
                    + " losses");
        }
        double held = 0;
        double entropy = 0;
        for (int i = 0; i < t.lossBits().length; i++) {
            double h = entropyOf(entropyBits, t.subjectOfAnswer()[i], "2-hop answer " + i);
            double l = checkedLoss(t.lossBits()[i], "2-hop answer " + i);
            held += Math.max(0.0, h - l);
            entropy += h;
        }
        double credited = switch (t.scheme()) {
            case OPTIMAL -> 0.0;
            case TWO_HOP_BIG_HASH -> held;
            case TWO_HOP_DOUBLE -> entropy > 0 ? t.contentBits() * held / entropy : 0.0;
        };
        return new TwoHopCapacity(t.scheme(), t.lossBits().length, held, entropy, credited);
    }

    private static double entropyOf(Map<String, Double> entropyBits, String attribute, String what) {
        Double h = entropyBits.get(attribute);
        if (h == null) {
            throw new IllegalArgumentException(what + " is of attribute '" + attribute + "', which has no entropy; have "
                    + entropyBits.keySet());
        }
        return h;
    }

    private static double checkedLoss(double l, String what) {
        if (!(l >= 0) || Double.isInfinite(l)) {
            throw new IllegalArgumentException(what + " has loss " + l + " bits; losses are finite and ≥ 0");
        }
        return l;
    }
}
