package org.grokcap.backend.cpu;

import org.grokcap.kernels.AdamW;
import org.grokcap.kernels.Swiglu;

/**
 * {@link SpanMath} in plain Java: the reference kernels' operations in their order, so a job running
 * it gives the reference's bits (sums included). Used when the Vector API module is absent.
 */
final class ScalarSpanMath implements SpanMath {
    static final ScalarSpanMath INSTANCE = new ScalarSpanMath();

    private ScalarSpanMath() {}

    @Override
    public void add(float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    @Override
    public void addTo(float[] d, int dOff, float[] s, int sOff, int n) {
        for (int i = 0; i < n; i++) {
            d[dOff + i] += s[sOff + i];
        }
    }

    @Override
    public void scale(float[] g, int off, int n, float factor) {
        for (int i = off; i < off + n; i++) {
            g[i] *= factor;
        }
    }

    @Override
    public double sumOfSquares(float[] g, int off, int n) {
        double s = 0.0;
        for (int i = off; i < off + n; i++) {
            s += (double) g[i] * g[i];
        }
        return s;
    }

    @Override
    public void adamW(float[] params, float[] grads, float[] m, float[] v, int off, int n, float lr, float beta1,
                      float beta2, float eps, float decay, float correction1, float correction2) {
        AdamW.update(params, grads, m, v, off, n, lr, beta1, beta2, eps, decay, correction1, correction2);
    }

    @Override
    public float sum(float[] x, int xOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += x[xOff + i];
        }
        return s;
    }

    @Override
    public float sumSquaredDeviations(float[] x, int xOff, int n, float mean) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            float d = x[xOff + i] - mean;
            s += d * d;
        }
        return s;
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    @Override
    public void layerNormRow(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff, float[] b, int bOff,
                             int n, float mean, float rstd) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (x[xOff + i] - mean) * rstd * w[wOff + i] + b[bOff + i];
        }
    }

    @Override
    public float layerNormDnormNorm(float[] w, int wOff, float[] dout, int dOff, float[] x, int xOff, int n, float mean,
                                    float rstd) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            float norm = (x[xOff + i] - mean) * rstd;
            float dnorm = w[wOff + i] * dout[dOff + i];
            s += dnorm * norm;
        }
        return s;
    }

    @Override
    public void layerNormInputGrad(float[] dinp, int dinpOff, float[] w, int wOff, float[] dout, int dOff, float[] x,
                                   int xOff, int n, float mean, float rstd, float dnormMean, float dnormNormMean) {
        for (int i = 0; i < n; i++) {
            float norm = (x[xOff + i] - mean) * rstd;
            float dnorm = w[wOff + i] * dout[dOff + i];
            dinp[dinpOff + i] += (dnorm - dnormMean - norm * dnormNormMean) * rstd;
        }
    }

    @Override
    public void layerNormWeightGrad(float[] dw, int dwOff, float[] db, int dbOff, float[] dout, int dOff, float[] x,
                                    int xOff, int n, float mean, float rstd) {
        for (int i = 0; i < n; i++) {
            float norm = (x[xOff + i] - mean) * rstd;
            db[dbOff + i] += dout[dOff + i];
            dw[dwOff + i] += norm * dout[dOff + i];
        }
    }

    @Override
    public void rmsNormRow(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff, int n, float rstd) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * rstd * w[wOff + i];
        }
    }

    @Override
    public float rmsNormDnormNorm(float[] w, int wOff, float[] dout, int dOff, float[] x, int xOff, int n, float rstd) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += w[wOff + i] * dout[dOff + i] * x[xOff + i] * rstd;
        }
        return s;
    }

    @Override
    public void rmsNormInputGrad(float[] dinp, int dinpOff, float[] w, int wOff, float[] dout, int dOff, float[] x,
                                 int xOff, int n, float rstd, float dnormNormMean) {
        for (int i = 0; i < n; i++) {
            float norm = x[xOff + i] * rstd;
            float dnorm = w[wOff + i] * dout[dOff + i];
            dinp[dinpOff + i] += (dnorm - norm * dnormNormMean) * rstd;
        }
    }

    @Override
    public void rmsNormWeightGrad(float[] dw, int dwOff, float[] dout, int dOff, float[] x, int xOff, int n, float rstd) {
        for (int i = 0; i < n; i++) {
            float norm = x[xOff + i] * rstd;
            dw[dwOff + i] += norm * dout[dOff + i];
        }
    }

    @Override
    public void rotate(float[] out, int outOff, float[] x, int xOff, float[] cos, int cosOff, float[] sin, int sinOff,
                       int half) {
        for (int i = 0; i < half; i++) {
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
        for (int i = 0; i < half; i++) {
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
        Swiglu.forward(out, outOff, inp, inpOff, 1, m);
    }

    @Override
    public void swigluBackRow(float[] dinp, int dinpOff, float[] inp, int inpOff, float[] dout, int dOff, int m) {
        Swiglu.backward(dinp, dinpOff, inp, inpOff, dout, dOff, 1, m);
    }
}
