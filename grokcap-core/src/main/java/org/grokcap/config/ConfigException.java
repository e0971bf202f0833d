package org.grokcap.config;

/**
 * A configuration value that cannot be used. The message names the field, the bad value and what is
 * allowed, so that a user can fix the file without reading code.
 */
public final class ConfigException extends org.grokcap.util.BadInputException {
    private final String field;

    public ConfigException(String field, Object value, String allowed) {
        super(field + " = " + render(value) + ": " + allowed);
        this.field = field;
    }

    public ConfigException(String message) {
        super(message);
        this.field = "";
    }

    /** The dotted field name, relative to the record that raised it. */
    public String field() {
        return field;
    }

    private static String render(Object value) {
        return value instanceof String s ? '"' + s + '"' : String.valueOf(value);
    }
}
