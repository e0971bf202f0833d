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
 * them, and divided by the real parameter count.
 *
 * <p>Clamping each fact at 0 (the original does not) keeps a fact the model gets worse than chance
 * from cancelling one it knows. Crediting a selection cost in proportion, rather than all or nothing,
 * is grokcap's reading of "once the names are learned": a model that holds half of the relation
 * content (whose answers are names) has learned about half of which names exist.
 *
 * @param attributes     per attribute, in dataset order
 * @param selectionBits  selection costs credited, by name (e.g. names, birth dates)
 * @param factBits       Σ over facts of max(0, H_a − L_a)
 * @param totalBits      factBits + Σ selectionBits
 * @param datasetBits    the dataset's entropy under the same scheme (the most a model could hold)
 * @param parameters     real parameter count
 * @param bitsPerParameter totalBits / parameters
 */
public record ModelCapacity(List<AttributeCapacity> attributes, Map<String, Double> selectionBits, double factBits,
                            double totalBits, double datasetBits, long parameters, double bitsPerParameter) {

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
     * @param attributeOfAnswer per answer: its attribute's name
     * @param lossBits          per answer: the model's loss in bits (answer tokens summed)
     * @param entropyBits       H_a per attribute name; every answer's attribute must be here
     * @param selections        selection costs and the attributes whose learning credits them
     * @param datasetBits       the dataset's total entropy, for the report
     * @param parameters        real parameter count (&gt; 0)
     */
    public static ModelCapacity of(String[] attributeOfAnswer, double[] lossBits, Map<String, Double> entropyBits,
                                   List<Selection> selections, double datasetBits, long parameters) {
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
            double[] a = acc.get(attributeOfAnswer[i]);
            if (a == null) {
                throw new IllegalArgumentException("answer " + i + " is of attribute '" + attributeOfAnswer[i]
                        + "', which has no entropy; have " + entropyBits.keySet());
            }
            double l = lossBits[i];
            if (!(l >= 0) || Double.isInfinite(l)) {
                throw new IllegalArgumentException("answer " + i + " has loss " + l + " bits; losses are finite and ≥ 0");
            }
            double h = entropyBits.get(attributeOfAnswer[i]);
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
        return new ModelCapacity(List.copyOf(attrs), credited, factBits, total, datasetBits, parameters,
                total / parameters);
    }
}
