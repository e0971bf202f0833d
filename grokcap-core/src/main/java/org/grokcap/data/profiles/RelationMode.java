package org.grokcap.data.profiles;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How relation targets are drawn. {@code uniform}: every relation of every profile points to an
 * independent uniformly random profile (itself included). {@code bipartite}: relations are consistent
 * and mutual, shaped as {@link Relations.Shape} says.
 */
public enum RelationMode {
    UNIFORM("uniform"), BIPARTITE("bipartite");

    private final String json;

    RelationMode(String json) {
        this.json = json;
    }

    @JsonValue
    public String json() {
        return json;
    }

    @JsonCreator
    public static RelationMode of(String s) {
        for (RelationMode m : values()) {
            if (m.json.equals(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("must be uniform or bipartite");
    }
}
