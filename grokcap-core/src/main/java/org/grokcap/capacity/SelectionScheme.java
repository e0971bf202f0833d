package org.grokcap.capacity;

import com.fasterxml.jackson.annotation.JsonValue;
import org.grokcap.util.BadInputException;

import java.util.Arrays;

/**
 * How the one-off cost of which names (and which birth dates) exist is counted (docs/science.md §3).
 * {@code optimal}: the set, log2 C(N_names, n); {@code enumerate}: an ordered list, n·log2 N_names;
 * {@code independent}: nothing, but each relation target then costs log2 N_names instead of log2 n,
 * and each birth date log2 67,200 instead of an index into the set of dates that occur.
 */
public enum SelectionScheme {
    OPTIMAL("optimal"), ENUMERATE("enumerate"), INDEPENDENT("independent");

    private final String json;

    SelectionScheme(String json) {
        this.json = json;
    }

    @JsonValue
    public String json() {
        return json;
    }

    public static SelectionScheme of(String s) {
        for (SelectionScheme e : values()) {
            if (e.json.equals(s)) {
                return e;
            }
        }
        throw new BadInputException("--selection " + s + ": must be one of "
                + Arrays.stream(values()).map(SelectionScheme::json).toList());
    }
}
