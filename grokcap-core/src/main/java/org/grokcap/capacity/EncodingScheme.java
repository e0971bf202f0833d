package org.grokcap.capacity;

import com.fasterxml.jackson.annotation.JsonValue;
import org.grokcap.util.BadInputException;

import java.util.Arrays;

/**
 * How the content of 2-hop answers is counted (docs/science.md §3). {@code optimal}: a 2-hop answer follows
 * from two 1-hop facts, so it adds nothing. {@code two-hop-big-hash}: every 2-hop answer is memorised
 * on its own, R copies of the 1-hop subject content. {@code two-hop-double}: each hop is a lookup in a
 * second copy of the tables, the relation tables for the first hop and every subject table for the
 * second (the subject content once more plus the relation content once more). Both add nothing when
 * the dataset has no 2-hop questions.
 */
public enum EncodingScheme {
    OPTIMAL("optimal"), TWO_HOP_BIG_HASH("two-hop-big-hash"), TWO_HOP_DOUBLE("two-hop-double");

    private final String json;

    EncodingScheme(String json) {
        this.json = json;
    }

    @JsonValue
    public String json() {
        return json;
    }

    public static EncodingScheme of(String s) {
        for (EncodingScheme e : values()) {
            if (e.json.equals(s)) {
                return e;
            }
        }
        throw new BadInputException("--scheme " + s + ": must be one of "
                + Arrays.stream(values()).map(EncodingScheme::json).toList());
    }
}
