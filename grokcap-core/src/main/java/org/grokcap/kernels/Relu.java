package org.grokcap.kernels;

/** ReLU, elementwise. */
public final class Relu {
    private Relu() {}

    /** out = max(0, inp); out and inp have n elements. */
    public static void forward(float[] out, int outOff, float[] inp, int inpOff, int n) {
        for (int i = 0; i < n; i++) {
            float x = inp[inpOff + i];
            out[outOff + i] = x > 0f ? x : 0f;
        }
    }

    /** dinp += dout where inp > 0. */
    public static void backward(float[] dinp, int dinpOff, float[] inp, int inpOff, float[] dout, int doutOff, int n) {
        for (int i = 0; i < n; i++) {
            if (inp[inpOff + i] > 0f) {
                dinp[dinpOff + i] += dout[doutOff + i];
            }
        }
    }
}
