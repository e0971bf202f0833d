package org.grokcap.backend.cpu;

/** Where part p of parts starts, for the jobs that split rows, columns or elements among threads. */
final class Split {
    private Split() {}

    /** Start of part p of n whole items (rows): contiguous, as even as integers allow. */
    static int even(int n, int part, int parts) {
        return (int) ((long) n * part / parts);
    }

    /**
     * Start of part p of n floats, a multiple of 64: a vector kernel then covers the same elements with
     * lanes, and the same last few with its scalar tail, however many parts there are.
     */
    static int aligned(int n, int part, int parts) {
        return part == parts ? n : (int) ((long) n * part / parts) & ~63;
    }
}
