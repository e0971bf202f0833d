package org.grokcap.io;

import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A full disk, simulated for tests: inside {@link #limit}, the files this package writes on the
 * calling thread (atomic writes and metrics appends) may use only so many more bytes; the write that
 * crosses the limit writes what fits, then fails like a real full disk ("No space left on device").
 * Outside a limit, {@link #wrap} returns the stream unchanged.
 */
public final class SimulatedDisk {
    private static final ThreadLocal<long[]> LEFT = new ThreadLocal<>();

    private SimulatedDisk() {}

    /** Allows bytesLeft more bytes on this thread until the returned scope is closed. */
    public static Closeable limit(long bytesLeft) {
        long[] previous = LEFT.get();
        LEFT.set(new long[]{bytesLeft});
        return () -> LEFT.set(previous);
    }

    /** out, counting against this thread's limit if one is set. */
    static OutputStream wrap(OutputStream out) {
        long[] left = LEFT.get();
        return left == null ? out : new Limited(out, left);
    }

    private static final class Limited extends FilterOutputStream {
        private final long[] left;

        Limited(OutputStream out, long[] left) {
            super(out);
            this.left = left;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int fits = (int) Math.min(len, Math.max(0, left[0]));
            out.write(b, off, fits);
            left[0] -= fits;
            if (fits < len) {
                out.flush();
                throw new IOException("No space left on device (simulated)");
            }
        }
    }
}
