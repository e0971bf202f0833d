package org.grokcap.io;

import org.grokcap.util.BadInputException;

import java.util.ArrayList;
import java.util.List;

/**
 * Comma-separated values as RFC 4180 writes them: fields separated by commas, records by LF or CRLF,
 * a field in double quotes may hold commas, line breaks and doubled quotes ({@code ""} for one
 * {@code "}). Blank lines are skipped and a leading byte-order mark is dropped. Anything else (a quote
 * inside an unquoted field, text after a closing quote, a quote never closed) is an error naming the
 * source, the line and the problem, never a silently shifted column.
 *
 * <p>Why not Jackson's CSV module: tried (2.22), it gives no start line per record, reads a record
 * holding one quoted empty field as no fields, and accepts stray quotes silently, so the errors of a
 * question–answer file could not name their line.
 */
public final class CsvReader {
    /** One record: the line it starts on (1-based) and its fields. */
    public record Row(int line, List<String> fields) {}

    private CsvReader() {}

    /** Every non-blank record of text, in order; source names the file in error messages. */
    public static List<Row> parse(String text, String source) {
        List<Row> rows = new ArrayList<>();
        int i = text.startsWith("\uFEFF") ? 1 : 0;
        int n = text.length();
        int line = 1;
        while (i < n) {
            int start = line;
            List<String> fields = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean quotedField = false;
            boolean endOfRecord = false;
            while (!endOfRecord) {
                if (i < n && text.charAt(i) == '"' && field.isEmpty() && !quotedField) {
                    int opened = line;
                    quotedField = true;
                    i++;
                    while (true) {
                        if (i >= n) {
                            throw new BadInputException(source + ":" + opened + ": the quoted field "
                                    + (fields.size() + 1) + " opened here is never closed");
                        }
                        char c = text.charAt(i++);
                        if (c == '"') {
                            if (i < n && text.charAt(i) == '"') {
                                field.append('"');
                                i++;
                            } else {
                                break;
                            }
                        } else {
                            if (c == '\n') {
                                line++;
                            }
                            field.append(c);
                        }
                    }
                    if (i < n && !isDelimiter(text.charAt(i))) {
                        throw new BadInputException(source + ":" + line + ": text after the closing quote of field "
                                + (fields.size() + 1) + " (a quote inside a quoted field must be doubled: \"\")");
                    }
                    continue;
                }
                char c = i < n ? text.charAt(i) : '\n';
                i++;
                if (c == ',') {
                    fields.add(field.toString());
                    field.setLength(0);
                    quotedField = false;
                } else if (c == '\n' || c == '\r') {
                    if (c == '\r' && i < n && text.charAt(i) == '\n') {
                        i++;
                    }
                    if (i <= n) {
                        line++;
                    }
                    fields.add(field.toString());
                    endOfRecord = true;
                } else if (c == '"') {
                    throw new BadInputException(source + ":" + line + ": a quote inside unquoted field "
                            + (fields.size() + 1) + " (quote the whole field and double the quotes inside it)");
                } else {
                    field.append(c);
                }
            }
            boolean blank = fields.size() == 1 && fields.get(0).isEmpty() && !quotedField;
            if (!blank) {
                rows.add(new Row(start, List.copyOf(fields)));
            }
        }
        return rows;
    }

    private static boolean isDelimiter(char c) {
        return c == ',' || c == '\n' || c == '\r';
    }
}
