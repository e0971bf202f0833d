package org.grokcap.kernels;

/** Token embedding plus learned position embedding. */
public final class Embedding {
    private Embedding() {}

    /**
     * out[b,t,:] = wte[tokens[b,t],:] + wpe[t,:].
     *
     * @param out    (B,T,C)
     * @param tokens (B,T)
     * @param wte    (V,C)
     * @param wpe    (T,C)
     */
    public static void forward(float[] out, int outOff, int[] tokens, int tokOff,
                               float[] wte, int wteOff, float[] wpe, int wpeOff, int B, int T, int C) {
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
                int o = outOff + (b * T + t) * C;
                int e = wteOff + tokens[tokOff + b * T + t] * C;
                int p = wpeOff + t * C;
                for (int c = 0; c < C; c++) {
                    out[o + c] = wte[e + c] + wpe[p + c];
                }
            }
        }
    }

    /**
     * dwte[tokens[b,t],:] += dout[b,t,:]; dwpe[t,:] += dout[b,t,:].
     *
     * @param dwte (V,C)
     * @param dwpe (T,C)
     * @param dout (B,T,C)
     */
    public static void backward(float[] dwte, int dwteOff, float[] dwpe, int dwpeOff,
                                float[] dout, int doutOff, int[] tokens, int tokOff, int B, int T, int C) {
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
                int d = doutOff + (b * T + t) * C;
                int e = dwteOff + tokens[tokOff + b * T + t] * C;
                int p = dwpeOff + t * C;
                for (int c = 0; c < C; c++) {
                    dwte[e + c] += dout[d + c];
                    dwpe[p + c] += dout[d + c];
                }
            }
        }
    }
}
