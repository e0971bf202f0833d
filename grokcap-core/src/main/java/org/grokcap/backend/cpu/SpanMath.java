package org.grokcap.backend.cpu;

/**
 * The per-row arithmetic of the CPU device's norm, rotary, SwiGLU, gather, residual and optimizer
 * jobs, on a span of n floats: the jobs decide which thread owns which rows or columns, a SpanMath
 * does the arithmetic inside one span. {@link ScalarSpanMath} repeats the reference kernels'
 * operations in their order (the same bits); {@link VectorSpanMath} does them on Vector API lanes.
 *
 * <p>Methods named for a kernel follow that kernel's formula in {@code org.grokcap.kernels}; "+="
 * methods add into their first array. Sums over a span are the only place the two implementations
 * may differ (lanes sum in a different order); everything elementwise gives the reference's bits.
 */
interface SpanMath {

    /** out[i] = a[i] + b[i]. */
    void add(float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int n);

    /** d[i] += s[i]. */
    void addTo(float[] d, int dOff, float[] s, int sOff, int n);

    /** g[i] *= factor. */
    void scale(float[] g, int off, int n, float factor);

    /** Σ g[i]², each square and the sum in double. */
    double sumOfSquares(float[] g, int off, int n);

    /**
     * {@link org.grokcap.kernels.AdamW#update} on [off, off+n), with its per-call constants computed
     * once by the caller: decay = 1 − lr·wd, correction1/2 = 1 − β1/2^step.
     */
    void adamW(float[] params, float[] grads, float[] m, float[] v, int off, int n, float lr, float beta1,
               float beta2, float eps, float decay, float correction1, float correction2);

    /** Σ x[i]. */
    float sum(float[] x, int xOff, int n);

    /** Σ (x[i] − mean)². */
    float sumSquaredDeviations(float[] x, int xOff, int n, float mean);

    /** Σ a[i]·b[i]. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /** LayerNorm forward, one row: out = (x − mean)·rstd·w + b. */
    void layerNormRow(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff, float[] b, int bOff, int n,
                      float mean, float rstd);

    /** LayerNorm backward, one row: Σ (w·dout)·((x − mean)·rstd). */
    float layerNormDnormNorm(float[] w, int wOff, float[] dout, int dOff, float[] x, int xOff, int n, float mean,
                             float rstd);

    /** LayerNorm backward, one row: dinp += (w·dout − dnormMean − (x − mean)·rstd·dnormNormMean)·rstd. */
    void layerNormInputGrad(float[] dinp, int dinpOff, float[] w, int wOff, float[] dout, int dOff, float[] x,
                            int xOff, int n, float mean, float rstd, float dnormMean, float dnormNormMean);

    /** LayerNorm backward, one row's share of the weight gradients: db += dout; dw += (x − mean)·rstd·dout. */
    void layerNormWeightGrad(float[] dw, int dwOff, float[] db, int dbOff, float[] dout, int dOff, float[] x, int xOff,
                             int n, float mean, float rstd);

    /** RMSNorm forward, one row: out = x·rstd·w. */
    void rmsNormRow(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff, int n, float rstd);

    /** RMSNorm backward, one row: Σ w·dout·x·rstd. */
    float rmsNormDnormNorm(float[] w, int wOff, float[] dout, int dOff, float[] x, int xOff, int n, float rstd);

    /** RMSNorm backward, one row: dinp += (w·dout − x·rstd·dnormNormMean)·rstd. */
    void rmsNormInputGrad(float[] dinp, int dinpOff, float[] w, int wOff, float[] dout, int dOff, float[] x, int xOff,
                          int n, float rstd, float dnormNormMean);

    /** RMSNorm backward, one row's share of the weight gradient: dw += x·rstd·dout. */
    void rmsNormWeightGrad(float[] dw, int dwOff, float[] dout, int dOff, float[] x, int xOff, int n, float rstd);

    /**
     * Rotary forward, one half-head pair: out1 = x1·cos − x2·sin, out2 = x2·cos + x1·sin, where x1 and
     * x2 (and out1, out2) start half apart at xOff and xOff + half.
     */
    void rotate(float[] out, int outOff, float[] x, int xOff, float[] cos, int cosOff, float[] sin, int sinOff,
                int half);

    /** Rotary backward, one half-head pair: dinp1 += d1·cos + d2·sin, dinp2 += d2·cos − d1·sin. */
    void rotateBack(float[] dinp, int dinpOff, float[] dout, int dOff, float[] cos, int cosOff, float[] sin, int sinOff,
                    int half);

    /** SwiGLU forward, one row: out = silu(gate)·up with inp = gate (m) | up (m). */
    void swigluRow(float[] out, int outOff, float[] inp, int inpOff, int m);

    /** SwiGLU backward, one row: d gate += dout·up·σ(1 + g(1 − σ)), d up += dout·silu(g). */
    void swigluBackRow(float[] dinp, int dinpOff, float[] inp, int inpOff, float[] dout, int dOff, int m);
}
