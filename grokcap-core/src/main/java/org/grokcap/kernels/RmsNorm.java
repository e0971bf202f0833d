package org.grokcap.kernels;

/** RMSNorm over the channel dimension (Llama): x / √(mean(x²) + eps) · weight, no bias, no centring. */
public final class RmsNorm {
    /** Llama's eps. */
    public static final float EPS = 1e-5f;

    private RmsNorm() {}

    /**
     * @param out    (N,C)
     * @param rstd   (N) 1/√(mean(x²)+eps), saved for backward
     * @param inp    (N,C)
     * @param weight (C)
     */
    public static void forward(float[] out, int outOff, float[] rstd, int rstdOff, float[] inp, int inpOff,
                               float[] weight, int wOff, int N, int C) {
        for (int n = 0; n < N; n++) {
            int x = inpOff + n * C;
            float ms = 0f;
            for (int c = 0; c < C; c++) {
                ms += inp[x + c] * inp[x + c];
            }
            ms /= C;
            float s = (float) (1.0 / Math.sqrt(ms + EPS));
            int o = outOff + n * C;
            for (int c = 0; c < C; c++) {
                out[o + c] = inp[x + c] * s * weight[wOff + c];
            }
            rstd[rstdOff + n] = s;
        }
    }

    /**
     * dinp, dweight += the gradients of out. With norm = x·s and dnorm = weight·dout,
     * dx = s·(dnorm − norm·mean(dnorm·norm)).
     *
     * @param dinp    (N,C)
     * @param dweight (C)
     * @param dout    (N,C)
     * @param rstd    (N) as saved by forward
     */
    public static void backward(float[] dinp, int dinpOff, float[] dweight, int dwOff, float[] dout, int doutOff,
                                float[] inp, int inpOff, float[] weight, int wOff, float[] rstd, int rstdOff,
                                int N, int C) {
        for (int n = 0; n < N; n++) {
            int x = inpOff + n * C;
            int d = doutOff + n * C;
            float s = rstd[rstdOff + n];
            float dnormNormMean = 0f;
            for (int c = 0; c < C; c++) {
                dnormNormMean += weight[wOff + c] * dout[d + c] * inp[x + c] * s;
            }
            dnormNormMean /= C;
            for (int c = 0; c < C; c++) {
                float norm = inp[x + c] * s;
                float dnorm = weight[wOff + c] * dout[d + c];
                dweight[dwOff + c] += norm * dout[d + c];
                dinp[dinpOff + n * C + c] += (dnorm - norm * dnormNormMean) * s;
            }
        }
    }
}
