package org.grokcap.backend.cpu;

import org.grokcap.backend.Buf;

/**
 * Rotary position embedding ({@link org.grokcap.kernels.Rotary}) forward and backward, split by
 * rows: each row's q and k heads turn by their own position's angles, and v passes through.
 */
final class RotaryJob implements WorkerPool.Job {
    private final SpanMath math;
    private boolean backward;
    private Buf x, y, cos, sin;
    private int N, T, C, H;

    RotaryJob(SpanMath math) {
        this.math = math;
    }

    /** Forward: x = out, y = inp. Backward: x = dinp (added into), y = dout. */
    void set(boolean backward, Buf x, Buf y, Buf cos, Buf sin, int N, int T, int C, int H) {
        this.backward = backward;
        this.x = x;
        this.y = y;
        this.cos = cos;
        this.sin = sin;
        this.N = N;
        this.T = T;
        this.C = C;
        this.H = H;
    }

    void clear() {
        x = y = cos = sin = null;
    }

    @Override
    public void run(int part, int parts) {
        int hs = C / H;
        int half = hs / 2;
        float[] xs = x.host();
        float[] ys = y.host();
        for (int n = Split.even(N, part, parts), to = Split.even(N, part + 1, parts); n < to; n++) {
            int cs = (n % T) * half;
            int row = n * 3 * C;
            for (int qk = 0; qk < 2; qk++) {
                for (int h = 0; h < H; h++) {
                    int base = row + qk * C + h * hs;
                    if (backward) {
                        math.rotateBack(xs, x.offset() + base, ys, y.offset() + base, cos.host(), cos.offset() + cs,
                                sin.host(), sin.offset() + cs, half);
                    } else {
                        math.rotate(xs, x.offset() + base, ys, y.offset() + base, cos.host(), cos.offset() + cs,
                                sin.host(), sin.offset() + cs, half);
                    }
                }
            }
            if (backward) {
                math.addTo(xs, x.offset() + row + 2 * C, ys, y.offset() + row + 2 * C, C);
            } else {
                System.arraycopy(ys, y.offset() + row + 2 * C, xs, x.offset() + row + 2 * C, C);
            }
        }
    }
}
