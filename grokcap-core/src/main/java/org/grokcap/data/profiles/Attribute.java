package org.grokcap.data.profiles;

import java.util.List;

/** The attributes of a profile that are not relations, and the pool each takes its values from. */
public enum Attribute {
    BIRTH_DATE("birth_date", null),
    BIRTH_CITY("birth_city", Pool.CITY),
    UNIVERSITY("university", Pool.UNIVERSITY),
    EMPLOYER("employer", Pool.EMPLOYER);

    public static final List<String> NAMES = List.of("birth_date", "birth_city", "university", "employer");

    private final String key;
    private final Pool pool;

    Attribute(String key, Pool pool) {
        this.key = key;
        this.pool = pool;
    }

    public String key() {
        return key;
    }

    /** The pool of values, or null for the birth date. */
    public Pool pool() {
        return pool;
    }

    public static Attribute of(String key) {
        for (Attribute a : values()) {
            if (a.key.equals(key)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown attribute '" + key + "'; use " + NAMES);
    }
}
