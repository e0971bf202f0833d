package org.grokcap.kernels;

/**
 * The SwiGLU gate of a Llama MLP: out = silu(gate) · up, where each input row holds the gate half
 * and then the up half (the fused projection's first M and last M outputs).
 */
public final class Swiglu {
    private Swiglu() {}

    /**
     * @param out (N,M)
     * @param inp (N,2M) gate | up
     */
    public static void forward(float[] out, int outOff, float[] inp, int inpOff, int N, int M) {
        for (int n = 0; n < N; n++) {
            int g = inpOff + n * 2 * M;
            int o = outOff + n * M;
            for (int i = 0; i < M; i++) {
                float x = inp[g + i];
                float sig = sigmoid(x);
                out[o + i] = x * sig * inp[g + M + i];
            }
        }
    }

    /**
     * dinp += the gradient of out: d gate = dout·up·σ(g)(1 + g(1 − σ(g))), d up = dout·silu(g).
     *
     * @param dinp (N,2M)
     * @param inp  (N,2M)
     * @param dout (N,M)
     */
    public static void backward(float[] dinp, int dinpOff, float[] inp, int inpOff, float[] dout, int doutOff,
                                int N, int M) {
        for (int n = 0; n < N; n++) {
            int g = inpOff + n * 2 * M;
            int dg = dinpOff + n * 2 * M;
            int d = doutOff + n * M;
            for (int i = 0; i < M; i++) {
                float x = inp[g + i];
                float up = inp[g + M + i];
                float sig = sigmoid(x);
                float dy = dout[d + i];
                dinp[dg + i] += dy * up * sig * (1f + x * (1f - sig));
                dinp[dg + M + i] += dy * x * sig;
            }
        }
    }

    private static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }
}
