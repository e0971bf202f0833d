package org.grokcap.capacity;

import org.grokcap.data.profiles.Attribute;
import org.grokcap.data.profiles.RelationMode;
import org.grokcap.data.profiles.Relations;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The information content, in bits, of a profiles dataset (docs/science.md §3), under an encoding scheme
 * for 2-hop answers and a selection scheme for the name and birth-date sets, exact and approximate.
 *
 * <p>Per subject a, over all n profiles (bits = n·H_a where the profiles are independent):
 * <ul>
 *   <li>birth_city, university, employer: n·log2(pool size).</li>
 *   <li>birth_date: n·log2(d), an index into the set of the d dates that occur (selection optimal or
 *       enumerate), or n·log2 67,200 (independent).</li>
 *   <li>a relation, uniform mode: n·log2 n, an index into the set of names (optimal, enumerate), or
 *       n·log2 N_names (independent).</li>
 *   <li>a relation, bipartite mode: the log of the number of possible structures: a perfect matching
 *       (mutual relations; with odd n one person unmatched): log2(n! / (2^m·m!)), m = ⌊n/2⌋; a cyclic
 *       permutation (inverse pairs and one-to-one relations): log2 (n−1)!; the second half of an
 *       inverse pair adds 0 (it is the first half inverted). Independent selection: each of the m (or
 *       n) edges costs log2 N_names.</li>
 * </ul>
 * Plus, once: the name set (optimal: log2 C(N_names, n); enumerate: n·log2 N_names; independent: 0) and
 * the birth-date set (optimal: log2 C(67,200, d); enumerate: d·log2 67,200; independent: 0), and the
 * 2-hop content of the {@link EncodingScheme}.
 *
 * <p>The approximate form is the original's: log2 C(N, n) ≈ n·log2 N − n·log2 n ("approximation
 * n·log N − n·log n"), and a bipartite structure ≈ edges·log2 n; everything else is the same in both
 * forms. Note that the optimal date scheme (the set, then an index per profile) costs more than the
 * independent one when almost every date is distinct; grokcap reports it as defined, not the minimum.
 */
public final class DatasetEntropy {
    private DatasetEntropy() {}

    /** One line of the breakdown: bits in total, per profile, and in the approximate form. */
    public record Component(String name, double bits, double bitsPerProfile, double approximateBits) {}

    /**
     * @param subjects        one component per attribute, then per relation
     * @param nameSet         the one-off cost of the set of names
     * @param birthDateSet    the one-off cost of the set of birth dates (0 without birth_date)
     * @param twoHop          the extra content of 2-hop answers under the encoding scheme
     * @param totalBits       exact total
     * @param approximateBits total in the approximate form
     */
    public record Breakdown(EncodingScheme scheme, SelectionScheme selection, long n, List<Component> subjects,
                            Component nameSet, Component birthDateSet, Component twoHop, double totalBits,
                            double approximateBits) {
        /** The bits of one subject by name. */
        public Component subject(String name) {
            return subjects.stream().filter(c -> c.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no subject " + name));
        }

        /** Total per profile: totalBits / n. */
        public double bitsPerProfile() {
            return totalBits / n;
        }
    }

    public static Breakdown compute(DatasetShape shape, EncodingScheme scheme, SelectionScheme selection) {
        long n = shape.n();
        double log2Names = Log2.of(shape.possibleNames());
        boolean independent = selection == SelectionScheme.INDEPENDENT;
        List<Component> subjects = new ArrayList<>();
        for (Map.Entry<String, Long> e : shape.attributeValues().entrySet()) {
            double perProfile = e.getKey().equals(Attribute.BIRTH_DATE.key()) && !independent
                    ? Log2.of(shape.distinctBirthDates()) : Log2.of(e.getValue());
            subjects.add(component(e.getKey(), n * perProfile, n * perProfile, n));
        }
        double relationBits = 0;
        double relationApprox = 0;
        for (String r : shape.relations()) {
            double exact;
            double approx;
            if (shape.relationMode() == RelationMode.UNIFORM) {
                exact = n * (independent ? log2Names : Log2.of(n));
                approx = exact;
            } else if (Relations.derived(r, shape.relations())) {
                exact = 0;
                approx = 0;
            } else {
                boolean mutual = Relations.shape(r) == Relations.Shape.MUTUAL;
                long m = n / 2;
                long edges = mutual ? m : n;
                if (independent) {
                    exact = edges * log2Names;
                    approx = exact;
                } else {
                    exact = mutual ? Math.max(0, Log2.factorial(n) - m - Log2.factorial(m)) : Log2.factorial(n - 1);
                    approx = edges * Log2.of(n);
                }
            }
            subjects.add(component(r, exact, approx, n));
            relationBits += exact;
            relationApprox += approx;
        }
        Component nameSet = switch (selection) {
            case OPTIMAL -> component("name set", Log2.binomial(shape.possibleNames(), n),
                    n * log2Names - n * Log2.of(n), n);
            case ENUMERATE -> component("name set", n * log2Names, n * log2Names, n);
            case INDEPENDENT -> component("name set", 0, 0, n);
        };
        Component dateSet;
        if (!shape.hasBirthDate() || independent) {
            dateSet = component("birth-date set", 0, 0, n);
        } else {
            long dates = shape.attributeValues().get(Attribute.BIRTH_DATE.key());
            long d = shape.distinctBirthDates();
            double enumerate = d * Log2.of(dates);
            dateSet = selection == SelectionScheme.OPTIMAL
                    ? component("birth-date set", Log2.binomial(dates, d), enumerate - d * Log2.of(d), n)
                    : component("birth-date set", enumerate, enumerate, n);
        }
        double subjectBits = subjects.stream().mapToDouble(Component::bits).sum();
        double subjectApprox = subjects.stream().mapToDouble(Component::approximateBits).sum();
        int r = shape.relations().size();
        Component twoHop = !shape.twoHop() ? component("2-hop (" + scheme.json() + ")", 0, 0, n) : switch (scheme) {
            case OPTIMAL -> component("2-hop (optimal)", 0, 0, n);
            case TWO_HOP_BIG_HASH -> component("2-hop (two-hop-big-hash)", r * subjectBits, r * subjectApprox, n);
            case TWO_HOP_DOUBLE -> component("2-hop (two-hop-double)", subjectBits + relationBits,
                    subjectApprox + relationApprox, n);
        };
        double total = subjectBits + nameSet.bits() + dateSet.bits() + twoHop.bits();
        double approx = subjectApprox + nameSet.approximateBits() + dateSet.approximateBits() + twoHop.approximateBits();
        return new Breakdown(scheme, selection, n, subjects, nameSet, dateSet, twoHop, total, approx);
    }

    private static Component component(String name, double bits, double approx, long n) {
        return new Component(name, bits, bits / n, approx);
    }

    /** The breakdown as a JSON-ready map: totals, then each component's exact and approximate bits. */
    public static Map<String, Object> toJson(Breakdown b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scheme", b.scheme().json());
        m.put("selection", b.selection().json());
        m.put("n", b.n());
        m.put("total_bits", b.totalBits());
        m.put("total_bits_approx", b.approximateBits());
        m.put("bits_per_profile", b.bitsPerProfile());
        Map<String, Object> subjects = new LinkedHashMap<>();
        for (Component c : b.subjects()) {
            subjects.put(c.name(), parts(c));
        }
        m.put("subjects", subjects);
        m.put("name_set", parts(b.nameSet()));
        m.put("birth_date_set", parts(b.birthDateSet()));
        m.put("two_hop", parts(b.twoHop()));
        return m;
    }

    private static Map<String, Object> parts(Component c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bits", c.bits());
        m.put("bits_per_profile", c.bitsPerProfile());
        m.put("bits_approx", c.approximateBits());
        return m;
    }
}
