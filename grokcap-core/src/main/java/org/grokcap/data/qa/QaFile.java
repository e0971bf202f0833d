package org.grokcap.data.qa;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.util.BadInputException;
import org.grokcap.io.CsvReader;
import org.grokcap.io.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a question–answer file: CSV with a header row, or JSON Lines with one object per line. Every
 * problem (no such file, a missing column, a malformed line, an empty question or answer) is a
 * {@link BadInputException} whose message starts with {@code file:line:} and names the problem.
 */
public final class QaFile {
    /** One row as text, with the line of the file it starts on. */
    public record Row(int line, String context, String question, String answer) {}

    /** The columns to read; context null means "the column 'context' if the file has it". */
    public record Columns(String context, String question, String answer) {}

    public static final String DEFAULT_CONTEXT = "context";

    private QaFile() {}

    /** Every row of the file, in order; format is "csv" or "jsonl". */
    public static List<Row> read(Path file, String format, Columns columns) {
        String text = readText(file);
        List<Row> rows = format.equals("csv") ? csv(text, file.toString(), columns) : jsonl(text, file.toString(), columns);
        if (rows.isEmpty()) {
            throw new BadInputException(file + ": no rows (the file holds no question–answer pairs)");
        }
        return rows;
    }

    /**
     * The longest line read: a question–answer pair with its context is a few kilobytes. Lines are
     * read as a stream and cut off here, so a 1 GB line is refused after 1 MiB instead of being
     * read whole (it cost 6.5 GB as one string and its copies).
     */
    static final int MAX_LINE_CHARS = 1 << 20;

    /**
     * The file's text, its lines joined by '\n' as in the file. Only a regular file is opened: opening
     * a FIFO (or a device) for reading waits for a writer that may never come.
     */
    private static String readText(Path file) {
        if (!Files.exists(file)) {
            throw new BadInputException("question–answer file not found: " + file + " (task.file)");
        }
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file + ": not a regular file (a directory, FIFO or device cannot be a "
                    + "question–answer file; task.file)");
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        StringBuilder text = new StringBuilder();
        int[] line = {1};
        int[] lineLength = {0};
        ByteBuffer bytes = ByteBuffer.allocate(1 << 16);
        CharBuffer chars = CharBuffer.allocate(1 << 16);
        // Decoded by hand rather than through a Reader: at a bad byte the decoder stops with every
        // character before it delivered, so the line of the bad byte is known.
        try (InputStream in = Files.newInputStream(file)) {
            boolean end = false;
            while (!end) {
                int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
                end = n < 0;
                bytes.position(bytes.position() + Math.max(n, 0)).flip();
                CoderResult result;
                do {
                    result = utf8.decode(bytes, chars, end);
                    append(file, chars, text, line, lineLength);
                    if (result.isError()) {
                        throw new BadInputException(file + ":" + line[0] + ": not UTF-8 text (save the file as UTF-8)");
                    }
                } while (result.isOverflow());
                bytes.compact();
            }
            utf8.flush(chars);
            append(file, chars, text, line, lineLength);
        } catch (IOException e) {
            throw new BadInputException("cannot read question–answer file " + file + ": " + e.getMessage(), e);
        }
        return text.toString();
    }

    /** Moves the decoded characters into text, counting lines; bad input at a line longer than {@link #MAX_LINE_CHARS}. */
    private static void append(Path file, CharBuffer chars, StringBuilder text, int[] line, int[] lineLength) {
        chars.flip();
        for (int i = chars.position(); i < chars.limit(); i++) {
            if (chars.get(i) == '\n') {
                line[0]++;
                lineLength[0] = 0;
            } else if (++lineLength[0] > MAX_LINE_CHARS) {
                throw new BadInputException(file + ":" + line[0] + ": a line longer than " + MAX_LINE_CHARS
                        + " characters; a question–answer file holds one pair (or part of one) per line");
            }
        }
        text.append(chars);
        chars.clear();
    }

    private static List<Row> csv(String text, String source, Columns columns) {
        List<CsvReader.Row> records = CsvReader.parse(text, source);
        if (records.isEmpty()) {
            throw new BadInputException(source + ": empty file (expected a header row naming the columns "
                    + columns.question() + ", " + columns.answer() + " and optionally context)");
        }
        CsvReader.Row header = records.get(0);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < header.fields().size(); i++) {
            String name = header.fields().get(i).strip();
            if (index.putIfAbsent(name, i) != null) {
                throw new BadInputException(source + ":" + header.line() + ": the header names column '" + name
                        + "' twice");
            }
        }
        int q = column(index, columns.question(), source, header);
        int a = column(index, columns.answer(), source, header);
        int c = columns.context() != null ? column(index, columns.context(), source, header)
                : index.getOrDefault(DEFAULT_CONTEXT, -1);
        List<Row> rows = new ArrayList<>();
        for (CsvReader.Row r : records.subList(1, records.size())) {
            if (r.fields().size() != header.fields().size()) {
                throw new BadInputException(source + ":" + r.line() + ": " + r.fields().size() + " fields, but the "
                        + "header has " + header.fields().size() + " (quote fields that contain commas)");
            }
            rows.add(row(source, r.line(), c < 0 ? "" : r.fields().get(c), r.fields().get(q), r.fields().get(a),
                    columns));
        }
        return rows;
    }

    private static int column(Map<String, Integer> index, String name, String source, CsvReader.Row header) {
        Integer i = index.get(name);
        if (i == null) {
            throw new BadInputException(source + ":" + header.line() + ": no column '" + name + "' in the header "
                    + header.fields() + " (set the task's column names to match)");
        }
        return i;
    }

    private static List<Row> jsonl(String text, String source, Columns columns) {
        List<Row> rows = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int line = i + 1;
            String l = lines[i].strip();
            if (i == 0 && l.startsWith("\uFEFF")) {
                l = l.substring(1).strip();
            }
            if (l.isEmpty()) {
                continue;
            }
            JsonNode node;
            try {
                node = Json.mapper().readTree(l);
            } catch (JacksonException e) {
                throw new BadInputException(source + ":" + line + ": not valid JSON: " + e.getOriginalMessage());
            }
            if (node == null || !node.isObject()) {
                throw new BadInputException(source + ":" + line + ": expected one JSON object per line");
            }
            String context = columns.context() != null ? field(node, columns.context(), source, line)
                    : node.hasNonNull(DEFAULT_CONTEXT) ? field(node, DEFAULT_CONTEXT, source, line) : "";
            rows.add(row(source, line, context, field(node, columns.question(), source, line),
                    field(node, columns.answer(), source, line), columns));
        }
        return rows;
    }

    private static String field(JsonNode node, String name, String source, int line) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            throw new BadInputException(source + ":" + line + ": no \"" + name + "\" field");
        }
        if (!v.isValueNode()) {
            throw new BadInputException(source + ":" + line + ": \"" + name + "\" must be text, not "
                    + (v.isArray() ? "an array" : "an object"));
        }
        return v.asText();
    }

    private static Row row(String source, int line, String context, String question, String answer, Columns columns) {
        if (question.isBlank()) {
            throw new BadInputException(source + ":" + line + ": empty question (column '" + columns.question() + "')");
        }
        if (answer.isBlank()) {
            throw new BadInputException(source + ":" + line + ": empty answer (column '" + columns.answer() + "')");
        }
        return new Row(line, context, question, answer);
    }
}
