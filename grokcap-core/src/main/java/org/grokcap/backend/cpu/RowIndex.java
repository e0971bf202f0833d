package org.grokcap.backend.cpu;

import java.util.Arrays;

/**
 * The inverse of a row index for a scatter-add d[rows[r]] += s[r]: for each destination row, its
 * source rows in increasing order. Threads can then own whole destination rows and still add the
 * sources in the reference's order, so repeated rows give the same bits for any thread count.
 * Built by a stable counting sort; its arrays grow and are reused.
 */
final class RowIndex {
    /** start[d] .. start[d+1]: the slice of order holding destination d's sources. */
    private int[] start = new int[1];
    private int[] order = new int[0];
    private int destinations;
    private int sources;

    /** Indexes rows[off .. off+R), each in [0, D). */
    void build(int[] rows, int off, int R, int D) {
        if (start.length < D + 1) {
            start = new int[D + 1];
        }
        if (order.length < R) {
            order = new int[R];
        }
        destinations = D;
        sources = R;
        Arrays.fill(start, 0, D + 1, 0);
        for (int r = 0; r < R; r++) {
            int d = rows[off + r];
            if (d < 0 || d >= D) {
                throw new IllegalArgumentException("row index " + d + " outside [0, " + D + ")");
            }
            start[d + 1]++;
        }
        for (int d = 0; d < D; d++) {
            start[d + 1] += start[d];
        }
        // placing moves each start[d] to its end, which is start[d+1]; shifting back restores the starts
        for (int r = 0; r < R; r++) {
            order[start[rows[off + r]]++] = r;
        }
        System.arraycopy(start, 0, start, 1, D);
        start[0] = 0;
    }

    /** First destination of part p: the parts get about equal numbers of sources. */
    int boundary(int part, int parts) {
        if (part == parts) {
            return destinations;
        }
        long target = (long) sources * part / parts;
        int lo = 0;
        int hi = destinations;
        while (lo < hi) { // the first d with start[d] ≥ target
            int mid = (lo + hi) >>> 1;
            if (start[mid] < target) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** d[dest] += s[source] for destinations [from, to), each destination's sources in increasing order. */
    void scatterAdd(SpanMath math, float[] d, int dOff, float[] s, int sOff, int C, int from, int to) {
        for (int dest = from; dest < to; dest++) {
            for (int k = start[dest]; k < start[dest + 1]; k++) {
                math.addTo(d, dOff + dest * C, s, sOff + order[k] * C, C);
            }
        }
    }
}
