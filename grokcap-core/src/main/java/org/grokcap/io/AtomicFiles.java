package org.grokcap.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes a file so that readers see either the old content or the complete new content, never a
 * half-written file: a killed run must not leave a truncated checkpoint or run.json behind.
 *
 * <p>The bytes go to a temporary file in the target's directory (a rename is only atomic within one
 * file system), are forced to disk, and the temporary file is then renamed over the target.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** The name of write's temporary files: "." + the target's name + ".tmp-" + a random hex number. */
    private static final Pattern TEMPORARY = Pattern.compile("\\..+\\.tmp-[0-9a-f]{1,16}");

    /** Whether a file name is that of a write's temporary file. */
    public static boolean isTemporary(String name) {
        return TEMPORARY.matcher(name).matches();
    }

    /**
     * Deletes the temporary files that writes into dir interrupted by a kill left behind (not in its
     * subfolders), if last modified at least minAge ago; returns how many. They are as large as what
     * was being written (a checkpoint), and nothing else ever removes them. Only for a folder no other
     * process writes now (a run directory under its lock), or with a minAge longer than any write.
     */
    public static int removeLeftovers(Path dir, Duration minAge) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        Instant before = Instant.now().minus(minAge);
        int removed = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> isTemporary(f.getFileName().toString())).toList()) {
                if (!Files.getLastModifiedTime(f).toInstant().isAfter(before) && Files.deleteIfExists(f)) {
                    removed++;
                }
            }
        }
        return removed;
    }

    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /**
     * Calls body with a stream to a temporary file, then moves that file over target. If body or
     * anything else fails, the temporary file is deleted and target is left as it was. Closing the
     * stream inside body is allowed and has no effect.
     */
    public static void write(Path target, IoConsumer<OutputStream> body) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        // Our own name instead of Files.createTempFile: that one creates the file with mode 0600,
        // which the rename would carry over to the target; CREATE_NEW gives the usual umask mode.
        Path tmp = dir.resolve("." + absolute.getFileName() + ".tmp-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream buffered = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
                body.accept(new UncloseableStream(SimulatedDisk.wrap(buffered)));
                buffered.flush();
                channel.force(true);
            }
            String kind = CrashPoints.armed() ? CrashPoints.kind(absolute) : null;
            CrashPoints.reach(kind);
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
            forceDirectory(dir);
            CrashPoints.reach(kind + ".done");
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException suppressed) {
                    // the original failure is the one worth reporting
                }
            }
        }
    }

    /**
     * Makes the rename itself durable. Best effort: some platforms (Windows) cannot open a
     * directory as a channel, and the file's content is already safe on disk at this point.
     */
    private static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // nothing more can be done; the target is in place
        }
    }

    /**
     * Lets body close its stream (many encoders do) without closing the file before it is forced
     * to disk. Bulk writes are passed on whole; FilterOutputStream would split them into bytes.
     */
    private static final class UncloseableStream extends FilterOutputStream {
        UncloseableStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
