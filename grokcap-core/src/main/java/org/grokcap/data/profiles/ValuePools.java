package org.grokcap.data.profiles;

import org.grokcap.config.ConfigException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The values each pool draws from, read once: the first {@code size} lines of the bundled list or of
 * the user's file. Immutable.
 */
public final class ValuePools {
    private final Map<Pool, List<String>> values;
    private final Map<Pool, String> sources;

    private ValuePools(Map<Pool, List<String>> values, Map<Pool, String> sources) {
        this.values = values;
        this.sources = sources;
    }

    /**
     * Reads every pool; reserved are the task's own words, which no value may equal (they would be
     * the same token). Errors name the field ("pools.first", "poolFiles.first"), the file and line.
     */
    public static ValuePools load(PoolSizes sizes, PoolFiles files, Set<String> reserved) {
        Map<Pool, List<String>> values = new EnumMap<>(Pool.class);
        Map<Pool, String> sources = new EnumMap<>(Pool.class);
        for (Pool pool : Pool.values()) {
            String file = files.file(pool);
            List<String> all = file == null ? bundled(pool) : userList(pool, file);
            Integer size = sizes.size(pool);
            int n = size != null ? size : file == null ? pool.defaultSize() : all.size();
            if (n > all.size()) {
                throw new ConfigException("pools." + pool.key(), n, "the " + (file == null ? "bundled list" : "file "
                        + file) + " has only " + all.size() + " values");
            }
            List<String> used = List.copyOf(all.subList(0, n));
            for (String v : used) {
                if (reserved.contains(v)) {
                    throw new ConfigException((file == null ? "pools." : "poolFiles.") + pool.key(), file,
                            "value '" + v + "' is one of the task's own words " + reserved);
                }
            }
            values.put(pool, used);
            sources.put(pool, file == null ? "bundled:" + pool.resource() : file);
        }
        return new ValuePools(values, sources);
    }

    public List<String> values(Pool pool) {
        return values.get(pool);
    }

    public int size(Pool pool) {
        return values.get(pool).size();
    }

    /** "bundled:first-names.txt" or the absolute path of the user's file. */
    public String source(Pool pool) {
        return sources.get(pool);
    }

    /** How many distinct full names (first × middle × last) the pools can make. */
    public long possibleNames() {
        return (long) size(Pool.FIRST) * size(Pool.MIDDLE) * size(Pool.LAST);
    }

    static List<String> bundled(Pool pool) {
        try (InputStream in = ValuePools.class.getResourceAsStream(pool.resource())) {
            if (in == null) {
                throw new IllegalStateException("bundled pool " + pool.resource() + " is missing from the jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "pools." + pool.key(),
                    "bundled:" + pool.resource());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled pool " + pool.resource(), e);
        }
    }

    private static List<String> userList(Pool pool, String file) {
        String field = "poolFiles." + pool.key();
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new ConfigException(field, file, "no such file");
        }
        try {
            return parse(Files.readString(path, StandardCharsets.UTF_8), field, file);
        } catch (IOException e) {
            throw new ConfigException(field, file, "cannot be read: " + e.getMessage());
        }
    }

    /** One value per line, surrounding whitespace dropped; empty lines and repeats are errors. */
    static List<String> parse(String text, String field, String file) {
        List<String> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        String[] lines = text.split("\n", -1);
        int count = text.endsWith("\n") ? lines.length - 1 : lines.length;
        for (int i = 0; i < count; i++) {
            String v = lines[i].strip();
            if (v.isEmpty()) {
                throw new ConfigException(field, file, "line " + (i + 1) + " is empty (one value per line, no blank lines)");
            }
            Integer first = seen.putIfAbsent(v, i + 1);
            if (first != null) {
                throw new ConfigException(field, file, "line " + (i + 1) + " repeats '" + v + "' of line " + first);
            }
            out.add(v);
        }
        if (out.isEmpty()) {
            throw new ConfigException(field, file, "holds no values");
        }
        return out;
    }
}
