package org.grokcap.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * Memory segments over (array, offset) pairs, made once and then looked up, so that a training step
 * that calls the platform BLAS allocates nothing: a step calls it on the same buffers at the same
 * offsets every time, and a segment made per call (two small objects per operand) was garbage the
 * JIT could not remove. Open addressing, a short probe, the oldest guess evicted when the probe is
 * full. One cache per worker thread: not thread-safe. It holds its arrays only as long as its device
 * lives.
 */
final class SegmentCache {
    private static final int SLOTS = 4096; // a power of two; a step uses a few hundred pairs
    private static final int PROBE = 8;
    private final float[][] arrays = new float[SLOTS][];
    private final int[] offsets = new int[SLOTS];
    private final MemorySegment[] segments = new MemorySegment[SLOTS];

    /** The segment of a from element off to its end. */
    MemorySegment slice(float[] a, int off) {
        int h = (System.identityHashCode(a) * 0x9E3779B9 + off * 0x85EBCA6B) >>> 20; // 12 bits
        for (int p = 0; p < PROBE; p++) {
            int i = (h + p) & (SLOTS - 1);
            if (arrays[i] == a && offsets[i] == off) {
                return segments[i];
            }
            if (arrays[i] == null) {
                return put(i, a, off);
            }
        }
        return put(h & (SLOTS - 1), a, off);
    }

    private MemorySegment put(int i, float[] a, int off) {
        arrays[i] = a;
        offsets[i] = off;
        segments[i] = MemorySegment.ofArray(a).asSlice(4L * off);
        return segments[i];
    }
}
