package org.grokcap.capacity;

import org.grokcap.data.profiles.Attribute;
import org.grokcap.data.profiles.BirthDates;
import org.grokcap.data.profiles.Pool;
import org.grokcap.data.profiles.ProfilesData;
import org.grokcap.data.profiles.ProfilesTaskSpec;
import org.grokcap.data.profiles.RelationMode;
import org.grokcap.data.profiles.ValuePools;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the entropy of a profiles dataset depends on: counts only, never the values themselves.
 *
 * @param n                  profiles
 * @param possibleNames      N_names = first × middle × last pool sizes
 * @param distinctBirthDates how many different birth dates occur (≤ min(n, 67,200)); ignored without birth_date
 * @param attributeValues    for each non-relation attribute, how many values it can take (birth_date: 67,200)
 * @param relations          relation names, in the dataset's order
 * @param twoHop             whether the dataset has 2-hop questions (the encoding scheme matters only then)
 */
public record DatasetShape(long n, long possibleNames, long distinctBirthDates, Map<String, Long> attributeValues,
                           List<String> relations, RelationMode relationMode, boolean twoHop) {
    public DatasetShape {
        attributeValues = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attributeValues));
        relations = List.copyOf(relations);
        if (n < 1 || possibleNames < n) {
            throw new IllegalArgumentException("need 1 ≤ n ≤ possibleNames, have n = " + n + ", possibleNames = "
                    + possibleNames);
        }
        if (hasBirthDate(attributeValues) && (distinctBirthDates < 1 || distinctBirthDates > Math.min(n,
                attributeValues.get(Attribute.BIRTH_DATE.key())))) {
            throw new IllegalArgumentException("distinctBirthDates = " + distinctBirthDates + " with n = " + n);
        }
        for (Map.Entry<String, Long> e : attributeValues.entrySet()) {
            if (e.getValue() < 1) {
                throw new IllegalArgumentException(e.getKey() + " has " + e.getValue() + " possible values");
            }
        }
    }

    private static boolean hasBirthDate(Map<String, Long> attributeValues) {
        return attributeValues.containsKey(Attribute.BIRTH_DATE.key());
    }

    public boolean hasBirthDate() {
        return hasBirthDate(attributeValues);
    }

    /** The shape of generated data: its pools and the birth dates that actually occur. */
    public static DatasetShape of(ProfilesData data) {
        return of(data.spec(), data.pools(), data.profiles().n(), data.profiles().distinctBirthDates());
    }

    /**
     * The shape a spec would have with n profiles and a given number of distinct birth dates (for
     * planning: {@link #expectedDistinctDates}).
     */
    public static DatasetShape of(ProfilesTaskSpec spec, ValuePools pools, long n, long distinctBirthDates) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (Attribute a : spec.attributeList()) {
            values.put(a.key(), a.pool() == null ? (long) BirthDates.COUNT : (long) pools.size(a.pool()));
        }
        return new DatasetShape(n, pools.possibleNames(), distinctBirthDates, values, spec.relations(),
                spec.relationMode(), spec.twoHopFraction() > 0 && !spec.relations().isEmpty());
    }

    /** E[distinct values] when n values are drawn uniformly from 67,200: D·(1 − (1 − 1/D)^n), rounded. */
    public static long expectedDistinctDates(long n) {
        double d = BirthDates.COUNT;
        return Math.max(1, Math.min(n, Math.round(-d * Math.expm1(n * Math.log1p(-1 / d)))));
    }

    /** The shape dataset.json records (written by {@code grokcap generate} for the profiles task). */
    public static DatasetShape fromMetadata(JsonNode meta) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (JsonNode a : required(meta, "attributes")) {
            Attribute attr = Attribute.of(a.asText());
            values.put(attr.key(), attr.pool() == null ? required(meta, "possibleBirthDates").asLong()
                    : required(required(required(meta, "pools"), attr.pool().key()), "size").asLong());
        }
        List<String> relations = new ArrayList<>();
        required(meta, "relations").forEach(r -> relations.add(r.asText()));
        long possibleNames = 1;
        for (Pool p : List.of(Pool.FIRST, Pool.MIDDLE, Pool.LAST)) {
            possibleNames *= required(required(required(meta, "pools"), p.key()), "size").asLong();
        }
        return new DatasetShape(required(meta, "n").asLong(), possibleNames,
                values.containsKey(Attribute.BIRTH_DATE.key()) ? required(meta, "distinctBirthDates").asLong() : 1,
                values, relations, RelationMode.of(required(meta, "relationMode").asText()),
                required(meta, "twoHopFraction").asDouble() > 0 && !relations.isEmpty());
    }

    private static JsonNode required(JsonNode node,
                                                                    String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing field '" + field + "'");
        }
        return v;
    }

    public DatasetShape withN(long newN, long newDistinctDates) {
        return new DatasetShape(newN, possibleNames, newDistinctDates, attributeValues, relations, relationMode, twoHop);
    }
}
