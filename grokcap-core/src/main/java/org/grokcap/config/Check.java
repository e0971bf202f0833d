package org.grokcap.config;

/** The one place config records turn a bad value into a {@link ConfigException}. */
public final class Check {
    private Check() {}

    public static int atLeast(String field, int value, int min) {
        if (value < min) {
            throw new ConfigException(field, value, "must be at least " + min);
        }
        return value;
    }

    public static int between(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ConfigException(field, value, "must be in [" + min + ", " + max + "]");
        }
        return value;
    }

    public static double finiteAtLeast(String field, double value, double min) {
        if (!Double.isFinite(value) || value < min) {
            throw new ConfigException(field, value, "must be a finite number ≥ " + min);
        }
        return value;
    }

    /** value in the open interval (lo, hi). */
    public static double openInterval(String field, double value, double lo, double hi) {
        if (!Double.isFinite(value) || value <= lo || value >= hi) {
            throw new ConfigException(field, value, "must be in (" + lo + ", " + hi + ")");
        }
        return value;
    }

    /** value in the half-open interval [lo, hi). */
    public static double halfOpen(String field, double value, double lo, double hi) {
        if (!Double.isFinite(value) || value < lo || value >= hi) {
            throw new ConfigException(field, value, "must be in [" + lo + ", " + hi + ")");
        }
        return value;
    }

    /** value in the closed interval [lo, hi]. */
    public static double closedInterval(String field, double value, double lo, double hi) {
        if (!Double.isFinite(value) || value < lo || value > hi) {
            throw new ConfigException(field, value, "must be in [" + lo + ", " + hi + "]");
        }
        return value;
    }

    /** value one of the allowed names. */
    public static String oneOf(String field, String value, java.util.List<String> allowed) {
        if (!allowed.contains(value)) {
            throw new ConfigException(field, value, "must be one of " + String.join(", ", allowed));
        }
        return value;
    }

    public static <T> T present(String field, T value) {
        if (value == null) {
            throw new ConfigException(field, null, "is required");
        }
        return value;
    }
}
