package org.grokcap.backend.cpu;

import org.grokcap.backend.Buf;
import org.grokcap.backend.IntBuf;

/**
 * Embedding forward, split by rows of (B·T): out[r] = wte[tokens[r]] + wpe[r mod T]. Backward here is
 * only the position half, split by position: dwpe[t] += dout[b,t] for b = 0, 1, …, the reference's
 * order; the token half repeats rows and goes through {@link ScatterAddJob}.
 */
final class EmbeddingJob implements WorkerPool.Job {
    private final SpanMath math;
    private boolean backward;
    private Buf out, wte, wpe, dwpe, dout;
    private IntBuf tokens;
    private int B, T, C;

    EmbeddingJob(SpanMath math) {
        this.math = math;
    }

    void forward(Buf out, IntBuf tokens, Buf wte, Buf wpe, int B, int T, int C) {
        this.backward = false;
        this.out = out;
        this.tokens = tokens;
        this.wte = wte;
        this.wpe = wpe;
        this.B = B;
        this.T = T;
        this.C = C;
    }

    void positionsBackward(Buf dwpe, Buf dout, int B, int T, int C) {
        this.backward = true;
        this.dwpe = dwpe;
        this.dout = dout;
        this.B = B;
        this.T = T;
        this.C = C;
    }

    void clear() {
        out = wte = wpe = dwpe = dout = null;
        tokens = null;
    }

    @Override
    public void run(int part, int parts) {
        if (backward) {
            int from = Split.even(T, part, parts);
            int to = Split.even(T, part + 1, parts);
            for (int t = from; t < to; t++) {
                for (int b = 0; b < B; b++) {
                    math.addTo(dwpe.host(), dwpe.offset() + t * C, dout.host(), dout.offset() + (b * T + t) * C, C);
                }
            }
            return;
        }
        int from = Split.even(B * T, part, parts);
        int to = Split.even(B * T, part + 1, parts);
        int[] tok = tokens.host();
        for (int r = from; r < to; r++) {
            math.add(out.host(), out.offset() + r * C, wte.host(), wte.offset() + tok[tokens.offset() + r] * C,
                    wpe.host(), wpe.offset() + (r % T) * C, C);
        }
    }
}
