package org.grokcap.data.profiles;

/**
 * The value pools of a profile: first, middle and last names, birth cities, universities, employers.
 * Each has a bundled list (resource {@code org/grokcap/data/profiles/<resource>}, written by
 * {@code scripts/make_profile_pools.py}) and a default size, Allen-Zhu &amp; Li's bioS sizes.
 */
public enum Pool {
    FIRST("first", "first-names.txt", 4000, 400),
    MIDDLE("middle", "middle-names.txt", 4000, 400),
    LAST("last", "last-names.txt", 20000, 1000),
    CITY("city", "cities.txt", 1000, 200),
    UNIVERSITY("university", "universities.txt", 500, 300),
    EMPLOYER("employer", "employers.txt", 500, 263);

    private final String key;
    private final String resource;
    private final int bundledSize;
    private final int defaultSize;

    Pool(String key, String resource, int bundledSize, int defaultSize) {
        this.key = key;
        this.resource = resource;
        this.bundledSize = bundledSize;
        this.defaultSize = defaultSize;
    }

    /** The name of this pool in configs and in dataset.json. */
    public String key() {
        return key;
    }

    public String resource() {
        return resource;
    }

    /** How many values the bundled list holds. */
    public int bundledSize() {
        return bundledSize;
    }

    /** The size used when a config names neither a size nor a file. */
    public int defaultSize() {
        return defaultSize;
    }
}
