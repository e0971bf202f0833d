package org.grokcap.util;

/** Error text as the user reads it. */
public final class Messages {
    /** The longest line of an error message; longer lines lose their middle part. */
    public static final int MAX_LINE = 1000;

    private Messages() {}

    /**
     * message with every line cut to {@link #MAX_LINE} characters: messages quote the input they
     * refuse, and a 300 KB field name or an 8 MB value must not become a 300 KB error line. The start
     * (which names the file and field) and the end (which says what is allowed) are kept.
     */
    public static String cap(String message) {
        if (message == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        for (String line : message.split("\n", -1)) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            if (line.length() <= MAX_LINE) {
                out.append(line);
            } else {
                int keep = MAX_LINE / 2 - 40;
                out.append(line, 0, keep).append(" … (").append(line.length() - 2 * keep)
                        .append(" characters left out) … ").append(line, line.length() - keep, line.length());
            }
        }
        return out.toString();
    }
}
