package org.grokcap.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SpanMath} on Vector API lanes. Elementwise methods do the reference's operations (add, sub,
 * mul, div, sqrt: each IEEE-exact, no fused multiply-adds) and so give its bits. Sums keep one partial
 * sum per lane, with fused multiply-adds, then add the lanes in order and the scalar tail after them:
 * they differ from the reference's sequential sums by rounding only. SwiGLU's sigmoid uses
 * {@link VectorMath#exp} (within 2 ulp of {@link Math#exp}) in single precision, where the reference
 * rounds a double sigmoid once. Every scalar tail repeats its vector body's operations, so a span's
 * result does not depend on where a vector ends. Loaded only when {@code jdk.incubator.vector} is in the
 * boot layer.
 */
final class VectorSpanMath implements SpanMath {
    static final VectorSpanMath INSTANCE = new VectorSpanMath();
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** The same vector size as S: a float vector widens into two of these. */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorSpanMath() {}

    @Override
    public void add(float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    @Override
    public void addTo(float[] d, int dOff, float[] s, int sOff, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, d, dOff + i).add(FloatVector.fromArray(S, s, sOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] += s[sOff + i];
        }
    }

    @Override
    public void scale(float[] g, int off, int n, float factor) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, g, off + i).mul(factor).intoArray(g, off + i);
        }
        for (; i < n; i++) {
            g[off + i] *= factor;
        }
    }

    /** Each square is exact in double, so only the order of the additions differs from the reference. */
    @Override
    public double sumOfSquares(float[] g, int off, int n) {
        DoubleVector lo = DoubleVector.zero(D);
        DoubleVector hi = DoubleVector.zero(D);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector f = FloatVector.fromArray(S, g, off + i);
            DoubleVector a = (DoubleVector) f.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector b = (DoubleVector) f.convertShape(VectorOperators.F2D, D, 1);
            lo = a.fma(a, lo);
            hi = b.fma(b, hi);
        }
        double s = 0.0;
        for (int k = 0; k < D.length(); k++) {
            s += lo.lane(k);
        }
        for (int k = 0; k < D.length(); k++) {
            s += hi.lane(k);
        }
        for (; i < n; i++) {
            s += (double) g[off + i] * g[off + i];
        }
        return s;
    }

    @Override
    public void adamW(float[] params, float[] grads, float[] m, float[] v, int off, int n, float lr, float beta1,
                      float beta2, float eps, float decay, float correction1, float correction2) {
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            int k = off + i;
            FloatVector g = FloatVector.fromArray(S, grads, k);
            FloatVector mi = FloatVector.fromArray(S, m, k).mul(beta1).add(g.mul(oneMinusBeta1));
            FloatVector vi = FloatVector.fromArray(S, v, k).mul(beta2).add(g.mul(oneMinusBeta2).mul(g));
            mi.intoArray(m, k);
            vi.intoArray(v, k);
            FloatVector mHat = mi.div(correction1);
            FloatVector vHat = vi.div(correction2);
            FloatVector step = mHat.mul(lr).div(vHat.sqrt().add(eps));
            FloatVector.fromArray(S, params, k).mul(decay).sub(step).intoArray(params, k);
        }
        for (; i < n; i++) {
            int k = off + i;
            float g = grads[k];
            float mi = beta1 * m[k] + oneMinusBeta1 * g;
            float vi = beta2 * v[k] + oneMinusBeta2 * g * g;
            m[k] = mi;
            v[k] = vi;
            float mHat = mi / correction1;
            float vHat = vi / correction2;
            params[k] = params[k] * decay - lr * mHat / ((float) Math.sqrt(vHat) + eps);
        }
    }

    @Override
    public float sum(float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            acc = acc.add(FloatVector.fromArray(S, x, xOff + i));
        }
        float s = VectorMath.sum(acc);
        for (; i < n; i++) {
            s += x[xOff + i];
        }
        return s;
    }

    @Override
    public float sumSquaredDeviations(float[] x, int xOff, int n, float mean) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, xOff + i).sub(mean);
            acc = d.fma(d, acc);
        }
        float s = VectorMath.sum(acc);
        for (; i < n; i++) {
            float d = x[xOff + i] - mean;
            s = Math.fma(d, d, s);
        }
        return s;
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
        }
        float s = VectorMath.sum(acc);
        for (; i < n; i++) {
            s = Math.fma(a[aOff + i], b[bOff + i], s);
        }
        return s;
    }

    @Override
    public void layerNormRow(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff, float[] b, int bOff,
                             int n, float mean, float rstd) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, x, xOff + i).sub(mean).mul(rstd).mul(FloatVector.fromArray(S, w, wOff + i))
                    .add(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = (x[xOff + i] - mean) * rstd * w[wOff + i] + b[bOff + i];
        }
    }

    @Override
    public float layerNormDnormNorm(float[] w, int wOff, float[] dout, int dOff, float[] x, int xOff, int n, float mean,
                                    float rstd) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector norm = FloatVector.fromArray(S, x, xOff + i).sub(mean).mul(rstd);
            FloatVector dnorm = FloatVector.fromArray(S, w, wOff + i).mul(FloatVector.fromArray(S, dout, dOff + i));
            acc = dnorm.fma(norm, acc);
        }
        float s = VectorMath.sum(acc);
        for (; i < n; i++) {
            float norm = (x[xOff + i] - mean) * rstd;
            s = Math.fma(w[wOff + i] * dout[dOff + i], norm, s);
        }
        return s;
    }

    @Override
    public void layerNormInputGrad(float[] dinp, int dinpOff, float[] w, int wOff, float[] dout, int dOff, float[] x,
                                   int xOff, int n, float mean, float rstd, float dnormMean, float dnormNormMean) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector norm = FloatVector.fromArray(S, x, xOff + i).sub(mean).mul(rstd);
            FloatVector dnorm = FloatVector.fromArray(S, w, wOff + i).mul(FloatVector.fromArray(S, dout, dOff + i));
            FloatVector g = dnorm.sub(dnormMean).sub(norm.mul(dnormNormMean)).mul(rstd);
            FloatVector.fromArray(S, dinp, dinpOff + i).add(g).intoArray(dinp, dinpOff + i);
        }
        for (; i < n; i++) {
            float norm = (x[xOff + i] - mean) * rstd;
            float dnorm = w[wOff + i] * dout[dOff + i];
            dinp[dinpOff + i] += (dnorm - dnormMean - norm * dnormNormMean) * rstd;
        }
    }

    @Override
    public void layerNormWeightGrad(float[] dw, int dwOff, float[] db, int dbOff, float[] dout, int dOff, float[] x,
                                    int xOff, int n, float mean, float rstd) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector d = FloatVector.fromArray(S, dout, dOff + i);
            FloatVector norm = FloatVector.fromArray(S, x, xOff + i).sub(mean).mul(rstd);
            FloatVector.fromArray(S, db, dbOff + i).add(d).intoArray(db, dbOff + i);
            FloatVector.fromArray(S, dw, dwOff + i).add(norm.mul(d)).intoArray(dw, dwOff + i);
        }
        for (; i < n; i++) {
            float norm = (x[xOff + i] - mean) * rstd;
            db[dbOff + i] += dout[dOff + i];
            dw[dwOff + i] += norm * dout[dOff + i];
        }
    }

    @Override
    public void rmsNormRow(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff, int n, float rstd) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, x, xOff + i).mul(rstd).mul(FloatVector.fromArray(S, w, wOff + i))
                    .intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * rstd * w[wOff + i];
        }
    }

    @Override
    public float rmsNormDnormNorm(float[] w, int wOff, float[] dout, int dOff, float[] x, int xOff, int n, float rstd) {
        FloatVector acc = FloatVector.zero(S);
        FloatVector s = FloatVector.broadcast(S, rstd);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector wdx = FloatVector.fromArray(S, w, wOff + i).mul(FloatVector.fromArray(S, dout, dOff + i))
                    .mul(FloatVector.fromArray(S, x, xOff + i));
            acc = wdx.fma(s, acc);
        }
        float sum = VectorMath.sum(acc);
        for (; i < n; i++) {
            sum = Math.fma(w[wOff + i] * dout[dOff + i] * x[xOff + i], rstd, sum);
        }
        return sum;
    }

    @Override
    public void rmsNormInputGrad(float[] dinp, int dinpOff, float[] w, int wOff, float[] dout, int dOff, float[] x,
                                 int xOff, int n, float rstd, float dnormNormMean) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector norm = FloatVector.fromArray(S, x, xOff + i).mul(rstd);
            FloatVector dnorm = FloatVector.fromArray(S, w, wOff + i).mul(FloatVector.fromArray(S, dout, dOff + i));
            FloatVector g = dnorm.sub(norm.mul(dnormNormMean)).mul(rstd);
            FloatVector.fromArray(S, dinp, dinpOff + i).add(g).intoArray(dinp, dinpOff + i);
        }
        for (; i < n; i++) {
            float norm = x[xOff + i] * rstd;
            float dnorm = w[wOff + i] * dout[dOff + i];
            dinp[dinpOff + i] += (dnorm - norm * dnormNormMean) * rstd;
        }
    }

    @Override
    public void rmsNormWeightGrad(float[] dw, int dwOff, float[] dout, int dOff, float[] x, int xOff, int n, float rstd) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector norm = FloatVector.fromArray(S, x, xOff + i).mul(rstd);
            FloatVector.fromArray(S, dw, dwOff + i).add(norm.mul(FloatVector.fromArray(S, dout, dOff + i)))
                    .intoArray(dw, dwOff + i);
        }
        for (; i < n; i++) {
            float norm = x[xOff + i] * rstd;
            dw[dwOff + i] += norm * dout[dOff + i];
        }
    }

    @Override
    public void rotate(float[] out, int outOff, float[] x, int xOff, float[] cos, int cosOff, float[] sin, int sinOff,
                       int half) {
        int i = 0;
        for (int end = S.loopBound(half); i < end; i += L) {
            FloatVector x1 = FloatVector.fromArray(S, x, xOff + i);
            FloatVector x2 = FloatVector.fromArray(S, x, xOff + half + i);
            FloatVector c = FloatVector.fromArray(S, cos, cosOff + i);
            FloatVector s = FloatVector.fromArray(S, sin, sinOff + i);
            x1.mul(c).sub(x2.mul(s)).intoArray(out, outOff + i);
            x2.mul(c).add(x1.mul(s)).intoArray(out, outOff + half + i);
        }
        for (; i < half; i++) {
            float x1 = x[xOff + i];
            float x2 = x[xOff + half + i];
            float c = cos[cosOff + i];
            float s = sin[sinOff + i];
            out[outOff + i] = x1 * c - x2 * s;
            out[outOff + half + i] = x2 * c + x1 * s;
        }
    }

    @Override
    public void rotateBack(float[] dinp, int dinpOff, float[] dout, int dOff, float[] cos, int cosOff, float[] sin,
                           int sinOff, int half) {
        int i = 0;
        for (int end = S.loopBound(half); i < end; i += L) {
            FloatVector d1 = FloatVector.fromArray(S, dout, dOff + i);
            FloatVector d2 = FloatVector.fromArray(S, dout, dOff + half + i);
            FloatVector c = FloatVector.fromArray(S, cos, cosOff + i);
            FloatVector s = FloatVector.fromArray(S, sin, sinOff + i);
            FloatVector.fromArray(S, dinp, dinpOff + i).add(d1.mul(c).add(d2.mul(s))).intoArray(dinp, dinpOff + i);
            FloatVector.fromArray(S, dinp, dinpOff + half + i).add(d2.mul(c).sub(d1.mul(s)))
                    .intoArray(dinp, dinpOff + half + i);
        }
        for (; i < half; i++) {
            float d1 = dout[dOff + i];
            float d2 = dout[dOff + half + i];
            float c = cos[cosOff + i];
            float s = sin[sinOff + i];
            dinp[dinpOff + i] += d1 * c + d2 * s;
            dinp[dinpOff + half + i] += d2 * c - d1 * s;
        }
    }

    @Override
    public void swigluRow(float[] out, int outOff, float[] inp, int inpOff, int m) {
        int i = 0;
        for (int end = S.loopBound(m); i < end; i += L) {
            FloatVector x = FloatVector.fromArray(S, inp, inpOff + i);
            FloatVector sig = sigmoid(x);
            x.mul(sig).mul(FloatVector.fromArray(S, inp, inpOff + m + i)).intoArray(out, outOff + i);
        }
        for (; i < m; i++) {
            float x = inp[inpOff + i];
            out[outOff + i] = x * sigmoid(x) * inp[inpOff + m + i];
        }
    }

    @Override
    public void swigluBackRow(float[] dinp, int dinpOff, float[] inp, int inpOff, float[] dout, int dOff, int m) {
        int i = 0;
        for (int end = S.loopBound(m); i < end; i += L) {
            FloatVector x = FloatVector.fromArray(S, inp, inpOff + i);
            FloatVector up = FloatVector.fromArray(S, inp, inpOff + m + i);
            FloatVector sig = sigmoid(x);
            FloatVector dy = FloatVector.fromArray(S, dout, dOff + i);
            FloatVector dGate = dy.mul(up).mul(sig).mul(x.mul(sig.neg().add(1f)).add(1f));
            FloatVector.fromArray(S, dinp, dinpOff + i).add(dGate).intoArray(dinp, dinpOff + i);
            FloatVector.fromArray(S, dinp, dinpOff + m + i).add(dy.mul(x).mul(sig)).intoArray(dinp, dinpOff + m + i);
        }
        for (; i < m; i++) {
            float x = inp[inpOff + i];
            float up = inp[inpOff + m + i];
            float sig = sigmoid(x);
            float dy = dout[dOff + i];
            dinp[dinpOff + i] += dy * up * sig * (1f + x * (1f - sig));
            dinp[dinpOff + m + i] += dy * x * sig;
        }
    }

    /** 1 / (1 + e^−x) in single precision; NaN stays NaN (VectorMath.exp's clamp keeps it). */
    private static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(VectorMath.exp(x.neg()).add(1f));
    }

    /** The scalar twin of {@link #sigmoid(FloatVector)}. */
    private static float sigmoid(float x) {
        return 1f / (VectorMath.exp(-x) + 1f);
    }
}
