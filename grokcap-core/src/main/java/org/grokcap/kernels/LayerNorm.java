package org.grokcap.kernels;

/** LayerNorm over the channel dimension, eps 1e-5 as in PyTorch. */
public final class LayerNorm {
    public static final float EPS = 1e-5f;

    private LayerNorm() {}

    /**
     * @param out    (N,C)
     * @param mean   (N) saved for backward
     * @param rstd   (N) saved for backward
     * @param inp    (N,C)
     * @param weight (C)
     * @param bias   (C)
     */
    public static void forward(float[] out, int outOff, float[] mean, int meanOff, float[] rstd, int rstdOff,
                               float[] inp, int inpOff, float[] weight, int wOff, float[] bias, int bOff,
                               int N, int C) {
        for (int n = 0; n < N; n++) {
            int x = inpOff + n * C;
            float m = 0f;
            for (int c = 0; c < C; c++) {
                m += inp[x + c];
            }
            m /= C;
            float v = 0f;
            for (int c = 0; c < C; c++) {
                float d = inp[x + c] - m;
                v += d * d;
            }
            v /= C;
            float s = (float) (1.0 / Math.sqrt(v + EPS));
            int o = outOff + n * C;
            for (int c = 0; c < C; c++) {
                out[o + c] = (inp[x + c] - m) * s * weight[wOff + c] + bias[bOff + c];
            }
            mean[meanOff + n] = m;
            rstd[rstdOff + n] = s;
        }
    }

    /**
     * dinp, dweight, dbias += the gradients of out.
     *
     * @param dinp    (N,C)
     * @param dweight (C)
     * @param dbias   (C)
     * @param dout    (N,C)
     */
    public static void backward(float[] dinp, int dinpOff, float[] dweight, int dwOff, float[] dbias, int dbOff,
                                float[] dout, int doutOff, float[] inp, int inpOff, float[] weight, int wOff,
                                float[] mean, int meanOff, float[] rstd, int rstdOff, int N, int C) {
        for (int n = 0; n < N; n++) {
            int x = inpOff + n * C;
            int d = doutOff + n * C;
            float m = mean[meanOff + n];
            float s = rstd[rstdOff + n];
            float dnormMean = 0f;
            float dnormNormMean = 0f;
            for (int c = 0; c < C; c++) {
                float norm = (inp[x + c] - m) * s;
                float dnorm = weight[wOff + c] * dout[d + c];
                dnormMean += dnorm;
                dnormNormMean += dnorm * norm;
            }
            dnormMean /= C;
            dnormNormMean /= C;
            for (int c = 0; c < C; c++) {
                float norm = (inp[x + c] - m) * s;
                float dnorm = weight[wOff + c] * dout[d + c];
                dbias[dbOff + c] += dout[d + c];
                dweight[dwOff + c] += norm * dout[d + c];
                dinp[dinpOff + n * C + c] += (dnorm - dnormMean - norm * dnormNormMean) * s;
            }
        }
    }
}
