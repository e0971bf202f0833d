package org.grokcap.backend.cpu;

import org.grokcap.backend.Buf;
import org.grokcap.backend.IntBuf;

/**
 * dst[rows[r],:] += src[r,:] for r in [0, R): gatherRowsBackward, and the token-embedding half of
 * embeddingBackward. Rows may repeat, so threads split the destination rows through a {@link RowIndex}
 * and add each destination's sources in increasing order, the reference's order; one part alone
 * walks the sources in order directly, which gives the same bits without building the index.
 */
final class ScatterAddJob implements WorkerPool.Job {
    private final SpanMath math;
    private final RowIndex index = new RowIndex();
    private Buf dst, src;
    private IntBuf rows;
    private int R, C;

    ScatterAddJob(SpanMath math) {
        this.math = math;
    }

    void set(Buf dst, Buf src, IntBuf rows, int R, int C) {
        this.dst = dst;
        this.src = src;
        this.rows = rows;
        this.R = R;
        this.C = C;
    }

    /** Needed before running in more than one part. */
    void buildIndex() {
        index.build(rows.host(), rows.offset(), R, C == 0 ? 0 : dst.size() / C);
    }

    void clear() {
        dst = src = null;
        rows = null;
    }

    @Override
    public void run(int part, int parts) {
        float[] d = dst.host();
        float[] s = src.host();
        if (parts == 1) {
            int[] rw = rows.host();
            for (int r = 0; r < R; r++) {
                math.addTo(d, dst.offset() + rw[rows.offset() + r] * C, s, src.offset() + r * C, C);
            }
            return;
        }
        index.scatterAdd(math, d, dst.offset(), s, src.offset(), C, index.boundary(part, parts),
                index.boundary(part + 1, parts));
    }
}
