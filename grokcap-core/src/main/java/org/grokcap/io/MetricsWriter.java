package org.grokcap.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Appends one JSON object per line to a metrics file, each line flushed to the operating system as
 * it is written (not fsynced: a line per evaluation is cheap, a disk sync is not, and a lost last
 * line is harmless). A resumed run opens the same file again and continues it.
 */
public final class MetricsWriter implements Closeable {
    /** A broken last line longer than this is not worth parsing: it is dropped. */
    private static final int MAX_REPAIRED_LINE = 1 << 20;

    private final OutputStream out;

    public MetricsWriter(Path file) throws IOException {
        repairLastLine(file);
        // Unbuffered on purpose: each row is one write of a whole line, so nothing waits in memory.
        out = SimulatedDisk.wrap(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND));
    }

    /** Writes row as one line of compact JSON, keys in the map's order. */
    public void write(Map<String, ?> row) throws IOException {
        byte[] line = Json.withNewline(Json.mapper().writeValueAsBytes(row));
        if (CrashPoints.armed()) { // a test's kill in the middle of a row: half of it reaches the file
            out.write(line, 0, line.length / 2);
            out.flush();
            CrashPoints.reach("metrics");
            out.write(line, line.length / 2, line.length - line.length / 2);
        } else {
            out.write(line);
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /**
     * A process killed while writing may leave a last line without its newline. Appending to it
     * would glue the next row onto it and spoil both, so before appending: a last line that is a
     * complete row gets its newline, anything else after the last newline is cut off.
     */
    private static void repairLastLine(Path file) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            long lineStart = startOfLastLine(channel, size);
            if (lineStart == size) {
                return; // empty, or ends with a newline
            }
            long length = size - lineStart;
            if (length <= MAX_REPAIRED_LINE) {
                ByteBuffer tail = ByteBuffer.allocate((int) length);
                while (tail.hasRemaining() && channel.read(tail, lineStart + tail.position()) >= 0) {
                    // read until full
                }
                String line = new String(tail.array(), 0, tail.position(), StandardCharsets.UTF_8);
                if (JsonLines.parseRow(line) != null) {
                    channel.write(ByteBuffer.wrap(new byte[] {'\n'}), size);
                    return;
                }
            }
            channel.truncate(lineStart);
        }
    }

    /** The position just after the last newline (0 if there is none; size if the file ends with one). */
    private static long startOfLastLine(FileChannel channel, long size) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(8192);
        long end = size;
        while (end > 0) {
            long begin = Math.max(0, end - chunk.capacity());
            chunk.clear().limit((int) (end - begin));
            while (chunk.hasRemaining() && channel.read(chunk, begin + chunk.position()) >= 0) {
                // read until full
            }
            for (int i = chunk.position() - 1; i >= 0; i--) {
                if (chunk.get(i) == '\n') {
                    return begin + i + 1;
                }
            }
            end = begin;
        }
        return 0;
    }
}
