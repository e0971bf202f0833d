package org.grokcap.backend.cpu;

import org.grokcap.backend.Buf;

/** SwiGLU ({@link org.grokcap.kernels.Swiglu}) forward and backward, split by rows. */
final class SwigluJob implements WorkerPool.Job {
    private final SpanMath math;
    private boolean backward;
    private Buf out, dinp, inp, dout;
    private int N, M;

    SwigluJob(SpanMath math) {
        this.math = math;
    }

    void forward(Buf out, Buf inp, int N, int M) {
        this.backward = false;
        this.out = out;
        this.inp = inp;
        this.N = N;
        this.M = M;
    }

    void backward(Buf dinp, Buf inp, Buf dout, int N, int M) {
        this.backward = true;
        this.dinp = dinp;
        this.inp = inp;
        this.dout = dout;
        this.N = N;
        this.M = M;
    }

    void clear() {
        out = dinp = inp = dout = null;
    }

    @Override
    public void run(int part, int parts) {
        for (int n = Split.even(N, part, parts), to = Split.even(N, part + 1, parts); n < to; n++) {
            int g = inp.offset() + n * 2 * M;
            if (backward) {
                math.swigluBackRow(dinp.host(), dinp.offset() + n * 2 * M, inp.host(), g, dout.host(),
                        dout.offset() + n * M, M);
            } else {
                math.swigluRow(out.host(), out.offset() + n * M, inp.host(), g, M);
            }
        }
    }
}
