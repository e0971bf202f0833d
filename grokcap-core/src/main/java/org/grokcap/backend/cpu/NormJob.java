package org.grokcap.backend.cpu;

import org.grokcap.backend.Buf;
import org.grokcap.kernels.LayerNorm;
import org.grokcap.kernels.RmsNorm;

/**
 * LayerNorm and RMSNorm, forward and backward. Rows are independent, so each part owns a range of
 * whole rows for out (forward) and dinp (backward). The weight gradients sum over all rows, so in
 * backward each part also owns a range of columns (on 64-float boundaries) of dweight and dbias and
 * adds the rows into them in order, row 0 first: the reference's order, hence its bits, for any
 * number of parts.
 */
final class NormJob implements WorkerPool.Job {
    private final SpanMath math;
    private boolean rms, backward;
    private Buf out, mean, rstd, inp, weight, bias, dinp, dweight, dbias, dout;
    private int N, C;

    NormJob(SpanMath math) {
        this.math = math;
    }

    void layerNormForward(Buf out, Buf mean, Buf rstd, Buf inp, Buf weight, Buf bias, int N, int C) {
        set(false, false, N, C);
        this.out = out;
        this.mean = mean;
        this.rstd = rstd;
        this.inp = inp;
        this.weight = weight;
        this.bias = bias;
    }

    void layerNormBackward(Buf dinp, Buf dweight, Buf dbias, Buf dout, Buf inp, Buf weight, Buf mean, Buf rstd,
                           int N, int C) {
        set(false, true, N, C);
        this.dinp = dinp;
        this.dweight = dweight;
        this.dbias = dbias;
        this.dout = dout;
        this.inp = inp;
        this.weight = weight;
        this.mean = mean;
        this.rstd = rstd;
    }

    void rmsNormForward(Buf out, Buf rstd, Buf inp, Buf weight, int N, int C) {
        set(true, false, N, C);
        this.out = out;
        this.rstd = rstd;
        this.inp = inp;
        this.weight = weight;
    }

    void rmsNormBackward(Buf dinp, Buf dweight, Buf dout, Buf inp, Buf weight, Buf rstd, int N, int C) {
        set(true, true, N, C);
        this.dinp = dinp;
        this.dweight = dweight;
        this.dout = dout;
        this.inp = inp;
        this.weight = weight;
        this.rstd = rstd;
    }

    private void set(boolean rms, boolean backward, int N, int C) {
        this.rms = rms;
        this.backward = backward;
        this.N = N;
        this.C = C;
    }

    void clear() {
        out = mean = rstd = inp = weight = bias = dinp = dweight = dbias = dout = null;
    }

    @Override
    public void run(int part, int parts) {
        int from = Split.even(N, part, parts);
        int to = Split.even(N, part + 1, parts);
        if (!backward) {
            if (rms) {
                rmsNormRows(from, to);
            } else {
                layerNormRows(from, to);
            }
            return;
        }
        int c0 = Split.aligned(C, part, parts);
        int c1 = Split.aligned(C, part + 1, parts);
        if (rms) {
            rmsNormInputGrads(from, to);
            rmsNormWeightGrads(c0, c1);
        } else {
            layerNormInputGrads(from, to);
            layerNormWeightGrads(c0, c1);
        }
    }

    /** As {@link LayerNorm#forward}: mean, variance, normalise, each row on its own. */
    private void layerNormRows(int from, int to) {
        float[] x = inp.host();
        for (int n = from; n < to; n++) {
            int xr = inp.offset() + n * C;
            float m = math.sum(x, xr, C) / C;
            float v = math.sumSquaredDeviations(x, xr, C, m) / C;
            float s = (float) (1.0 / Math.sqrt(v + LayerNorm.EPS));
            math.layerNormRow(out.host(), out.offset() + n * C, x, xr, weight.host(), weight.offset(), bias.host(),
                    bias.offset(), C, m, s);
            mean.host()[mean.offset() + n] = m;
            rstd.host()[rstd.offset() + n] = s;
        }
    }

    /** As {@link LayerNorm#backward}, the dinp half. */
    private void layerNormInputGrads(int from, int to) {
        float[] x = inp.host();
        float[] w = weight.host();
        float[] d = dout.host();
        for (int n = from; n < to; n++) {
            int xr = inp.offset() + n * C;
            int dr = dout.offset() + n * C;
            float m = mean.host()[mean.offset() + n];
            float s = rstd.host()[rstd.offset() + n];
            float dnormMean = math.dot(w, weight.offset(), d, dr, C) / C;
            float dnormNormMean = math.layerNormDnormNorm(w, weight.offset(), d, dr, x, xr, C, m, s) / C;
            math.layerNormInputGrad(dinp.host(), dinp.offset() + n * C, w, weight.offset(), d, dr, x, xr, C, m, s,
                    dnormMean, dnormNormMean);
        }
    }

    /** As {@link LayerNorm#backward}, the dweight and dbias half, for columns [c0, c1). */
    private void layerNormWeightGrads(int c0, int c1) {
        if (c0 >= c1) {
            return;
        }
        for (int n = 0; n < N; n++) {
            math.layerNormWeightGrad(dweight.host(), dweight.offset() + c0, dbias.host(), dbias.offset() + c0,
                    dout.host(), dout.offset() + n * C + c0, inp.host(), inp.offset() + n * C + c0, c1 - c0,
                    mean.host()[mean.offset() + n], rstd.host()[rstd.offset() + n]);
        }
    }

    /** As {@link RmsNorm#forward}; the mean square is the squared deviation from 0. */
    private void rmsNormRows(int from, int to) {
        float[] x = inp.host();
        for (int n = from; n < to; n++) {
            int xr = inp.offset() + n * C;
            float ms = math.sumSquaredDeviations(x, xr, C, 0f) / C;
            float s = (float) (1.0 / Math.sqrt(ms + RmsNorm.EPS));
            math.rmsNormRow(out.host(), out.offset() + n * C, x, xr, weight.host(), weight.offset(), C, s);
            rstd.host()[rstd.offset() + n] = s;
        }
    }

    /** As {@link RmsNorm#backward}, the dinp half. */
    private void rmsNormInputGrads(int from, int to) {
        float[] x = inp.host();
        float[] w = weight.host();
        float[] d = dout.host();
        for (int n = from; n < to; n++) {
            int xr = inp.offset() + n * C;
            int dr = dout.offset() + n * C;
            float s = rstd.host()[rstd.offset() + n];
            float dnormNormMean = math.rmsNormDnormNorm(w, weight.offset(), d, dr, x, xr, C, s) / C;
            math.rmsNormInputGrad(dinp.host(), dinp.offset() + n * C, w, weight.offset(), d, dr, x, xr, C, s,
                    dnormNormMean);
        }
    }

    /** As {@link RmsNorm#backward}, the dweight half, for columns [c0, c1). */
    private void rmsNormWeightGrads(int c0, int c1) {
        if (c0 >= c1) {
            return;
        }
        for (int n = 0; n < N; n++) {
            math.rmsNormWeightGrad(dweight.host(), dweight.offset() + c0, dout.host(), dout.offset() + n * C + c0,
                    inp.host(), inp.offset() + n * C + c0, c1 - c0, rstd.host()[rstd.offset() + n]);
        }
    }
}
