package org.grokcap.data.profiles;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.grokcap.config.Check;

/**
 * How many values of each pool a dataset draws from; null means the default: the bundled default
 * size (bioS: 400 first, 400 middle, 1000 last names, 200 cities, 300 universities, 263 employers), or
 * every line of a user's file. A size may not exceed the list it takes values from (checked when the
 * lists are read, see {@link ValuePools}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PoolSizes(Integer first, Integer middle, Integer last, Integer city, Integer university,
                        Integer employer) {
    public PoolSizes {
        positive("first", first);
        positive("middle", middle);
        positive("last", last);
        positive("city", city);
        positive("university", university);
        positive("employer", employer);
    }

    public static PoolSizes defaults() {
        return new PoolSizes(null, null, null, null, null, null);
    }

    /** The configured size of a pool, or null. */
    public Integer size(Pool pool) {
        return switch (pool) {
            case FIRST -> first;
            case MIDDLE -> middle;
            case LAST -> last;
            case CITY -> city;
            case UNIVERSITY -> university;
            case EMPLOYER -> employer;
        };
    }

    private static void positive(String field, Integer v) {
        if (v != null) {
            Check.between(field, v, 1, 10_000_000);
        }
    }
}
