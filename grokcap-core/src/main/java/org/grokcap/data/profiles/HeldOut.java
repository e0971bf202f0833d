package org.grokcap.data.profiles;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.grokcap.config.Check;

import java.util.List;

/**
 * The 2-hop held-out sets of docs/science.md §3. A 2-hop question (p1, r, a) asks for attribute a of
 * p2 = r(p1). Each non-empty set below gives one evaluation split of up to {@code questionsPerSplit}
 * 2-hop questions that match it, and no 2-hop training question matches any of them. 1-hop questions
 * are all trained: the held-out sets test whether known facts compose, not whether facts are known.
 *
 * @param firstPeople                fraction of people (exact count, rounded) never the p1 of a 2-hop training question
 * @param relations                  relations never the r of a 2-hop training question
 * @param personRelationPairs        fraction of (p1, r) pairs held out (each pair independently, by a seeded hash)
 * @param secondPeople               fraction of people never the bridge p2 of a 2-hop training question
 * @param secondAttributes           subjects (attributes or relations) never asked in a 2-hop training question
 * @param secondPersonAttributePairs fraction of (p2, a) pairs held out (each independently)
 * @param tuples                     fraction of complete (p1, r, a) tuples held out (each independently)
 * @param questionsPerSplit          most questions in each held-out split; default 256
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HeldOut(Double firstPeople, List<String> relations, Double personRelationPairs, Double secondPeople,
                      List<String> secondAttributes, Double secondPersonAttributePairs, Double tuples,
                      Integer questionsPerSplit) {
    public HeldOut {
        firstPeople = fraction("firstPeople", firstPeople);
        relations = relations == null ? List.of() : List.copyOf(relations);
        personRelationPairs = fraction("personRelationPairs", personRelationPairs);
        secondPeople = fraction("secondPeople", secondPeople);
        secondAttributes = secondAttributes == null ? List.of() : List.copyOf(secondAttributes);
        secondPersonAttributePairs = fraction("secondPersonAttributePairs", secondPersonAttributePairs);
        tuples = fraction("tuples", tuples);
        questionsPerSplit = Check.between("questionsPerSplit", questionsPerSplit == null ? 256 : questionsPerSplit,
                1, 1_000_000);
    }

    public static HeldOut none() {
        return new HeldOut(null, null, null, null, null, null, null, null);
    }

    private static Double fraction(String field, Double f) {
        return Check.halfOpen(field, f == null ? 0.0 : f, 0.0, 1.0);
    }
}
