package org.grokcap.data.profiles;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.grokcap.config.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A user's own value lists, one value per line (UTF-8), replacing bundled pools. A relative path is
 * read from the config file's directory ({@link #relativeTo}); the resolved config records the
 * absolute path, so run.json and dataset.json still find the file. Surrounding whitespace of a line is
 * dropped; an empty line, a repeated value or a value that is one of the task's own words is an error
 * naming the file and line (nothing is silently dropped).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PoolFiles(String first, String middle, String last, String city, String university, String employer) {

    public static PoolFiles none() {
        return new PoolFiles(null, null, null, null, null, null);
    }

    public String file(Pool pool) {
        return switch (pool) {
            case FIRST -> first;
            case MIDDLE -> middle;
            case LAST -> last;
            case CITY -> city;
            case UNIVERSITY -> university;
            case EMPLOYER -> employer;
        };
    }

    /** Relative paths made absolute against dir; every named file must exist. */
    public PoolFiles relativeTo(Path dir) {
        if (dir == null) {
            return this;
        }
        return new PoolFiles(resolve(Pool.FIRST, dir), resolve(Pool.MIDDLE, dir), resolve(Pool.LAST, dir),
                resolve(Pool.CITY, dir), resolve(Pool.UNIVERSITY, dir), resolve(Pool.EMPLOYER, dir));
    }

    private String resolve(Pool pool, Path dir) {
        String f = file(pool);
        if (f == null) {
            return null;
        }
        Path p = dir.resolve(f).toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new ConfigException("poolFiles." + pool.key(), f, "no such file (" + p
                    + "; relative paths are read from the config file's directory)");
        }
        return p.toString();
    }
}
