package org.grokcap.backend.cpu;

import org.grokcap.backend.Buf;
import org.grokcap.kernels.GradClip;

/**
 * The optimizer's passes over all parameters: AdamW, the gradient scale and axpy (split on 64-float
 * boundaries; elementwise, so the reference's bits), the sum of squares and the dot product. The sums
 * are taken over fixed blocks of {@link #BLOCK} floats, each in double, then the block sums in block
 * order: a partition that does not depend on the thread count, so neither does the result.
 */
final class OptimizerJob implements WorkerPool.Job {
    static final int ADAMW = 0;
    static final int SCALE = 1;
    static final int SUM_OF_SQUARES = 2;
    static final int DOT = 3;
    static final int AXPY = 4;
    /** A multiple of 64; big enough that the per-block work dwarfs its bookkeeping. */
    static final int BLOCK = 8192;
    private final SpanMath math;
    private int kind, off, n;
    private float[] params, grads, m, v;
    /** The second operand of DOT and AXPY (grads is the first, and AXPY's destination). */
    private float[] x;
    private int xOff;
    private float lr, beta1, beta2, eps, decay, correction1, correction2, factor;
    private double[] blockSums = new double[0];

    OptimizerJob(SpanMath math) {
        this.math = math;
    }

    /** As {@link org.grokcap.kernels.AdamW#update}, whose per-call constants are computed here the same way. */
    void adamW(float[] params, float[] grads, float[] m, float[] v, int off, int n, float lr, float beta1,
               float beta2, float eps, float weightDecay, int step) {
        set(ADAMW, grads, off, n);
        this.params = params;
        this.m = m;
        this.v = v;
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.correction1 = 1f - (float) Math.pow(beta1, step);
        this.correction2 = 1f - (float) Math.pow(beta2, step);
        this.decay = 1f - lr * weightDecay;
    }

    void scale(Buf g, float factor) {
        set(SCALE, g.host(), g.offset(), g.size());
        this.factor = factor;
    }

    void sumOfSquares(Buf g) {
        set(SUM_OF_SQUARES, g.host(), g.offset(), g.size());
        growBlockSums();
    }

    void dot(Buf a, Buf b) {
        set(DOT, a.host(), a.offset(), a.size());
        this.x = b.host();
        this.xOff = b.offset();
        growBlockSums();
    }

    /** y += alpha·x, through the reference kernel per span: the same bits for any split. */
    void axpy(Buf y, float alpha, Buf x) {
        set(AXPY, y.host(), y.offset(), y.size());
        this.x = x.host();
        this.xOff = x.offset();
        this.factor = alpha;
    }

    private void growBlockSums() {
        int blocks = blocks();
        if (blockSums.length < blocks) {
            blockSums = new double[blocks];
        }
    }

    /** After running {@link #sumOfSquares} or {@link #dot}: the block sums added in block order. */
    double total() {
        double s = 0.0;
        for (int b = 0, blocks = blocks(); b < blocks; b++) {
            s += blockSums[b];
        }
        return s;
    }

    private int blocks() {
        return (n + BLOCK - 1) / BLOCK;
    }

    private void set(int kind, float[] grads, int off, int n) {
        this.kind = kind;
        this.grads = grads;
        this.off = off;
        this.n = n;
    }

    void clear() {
        params = grads = m = v = x = null;
    }

    @Override
    public void run(int part, int parts) {
        if (kind == SUM_OF_SQUARES) {
            int blocks = blocks();
            for (int b = Split.even(blocks, part, parts), to = Split.even(blocks, part + 1, parts); b < to; b++) {
                int from = b * BLOCK;
                blockSums[b] = math.sumOfSquares(grads, off + from, Math.min(BLOCK, n - from));
            }
            return;
        }
        if (kind == DOT) {
            int blocks = blocks();
            for (int b = Split.even(blocks, part, parts), to = Split.even(blocks, part + 1, parts); b < to; b++) {
                int from = b * BLOCK;
                blockSums[b] = GradClip.dot(grads, off + from, x, xOff + from, Math.min(BLOCK, n - from));
            }
            return;
        }
        int from = Split.aligned(n, part, parts);
        int len = Split.aligned(n, part + 1, parts) - from;
        if (len <= 0) {
            return;
        }
        if (kind == ADAMW) {
            math.adamW(params, grads, m, v, off + from, len, lr, beta1, beta2, eps, decay, correction1, correction2);
        } else if (kind == AXPY) {
            GradClip.axpy(grads, off + from, factor, x, xOff + from, len);
        } else {
            math.scale(grads, off + from, len, factor);
        }
    }
}
