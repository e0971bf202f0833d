package org.grokcap.kernels;

/** A linear layer, out = inp · Wᵀ + bias, with the weight stored (OC, C) as in PyTorch's nn.Linear. */
public final class Linear {
    private Linear() {}

    /**
     * @param out  (N,OC)
     * @param inp  (N,C)
     * @param w    (OC,C)
     * @param bias (OC), or null for a layer without bias
     */
    public static void forward(float[] out, int outOff, float[] inp, int inpOff,
                               float[] w, int wOff, float[] bias, int biasOff, int N, int C, int OC) {
        for (int n = 0; n < N; n++) {
            int i = inpOff + n * C;
            for (int o = 0; o < OC; o++) {
                float acc = bias == null ? 0f : bias[biasOff + o];
                int wr = wOff + o * C;
                for (int c = 0; c < C; c++) {
                    acc += inp[i + c] * w[wr + c];
                }
                out[outOff + n * OC + o] = acc;
            }
        }
    }

    /**
     * dinp += dout · W; dw += doutᵀ · inp; dbias += Σ_n dout.
     *
     * @param dinp  (N,C), or null when the input needs no gradient
     * @param dw    (OC,C)
     * @param dbias (OC), or null for a layer without bias
     * @param dout  (N,OC)
     * @param inp   (N,C)
     * @param w     (OC,C)
     */
    public static void backward(float[] dinp, int dinpOff, float[] dw, int dwOff, float[] dbias, int dbiasOff,
                                float[] dout, int doutOff, float[] inp, int inpOff, float[] w, int wOff,
                                int N, int C, int OC) {
        for (int n = 0; n < N; n++) {
            int d = doutOff + n * OC;
            int i = inpOff + n * C;
            for (int o = 0; o < OC; o++) {
                float g = dout[d + o];
                int wr = wOff + o * C;
                int dwr = dwOff + o * C;
                for (int c = 0; c < C; c++) {
                    if (dinp != null) {
                        dinp[dinpOff + n * C + c] += g * w[wr + c];
                    }
                    dw[dwr + c] += g * inp[i + c];
                }
                if (dbias != null) {
                    dbias[dbiasOff + o] += g;
                }
            }
        }
    }
}
