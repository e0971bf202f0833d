package org.grokcap.kernels;

/** GELU with GPT-2's tanh approximation (PyTorch's {@code approximate='tanh'}), elementwise. */
public final class Gelu {
    /** √(2/π). */
    public static final float SCALE = (float) Math.sqrt(2.0 / Math.PI);
    /** The cubic term's coefficient. */
    public static final float CUBIC = 0.044715f;

    private Gelu() {}

    /** out = 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))); n elements. */
    public static void forward(float[] out, int outOff, float[] inp, int inpOff, int n) {
        for (int i = 0; i < n; i++) {
            float x = inp[inpOff + i];
            float cube = CUBIC * x * x * x;
            out[outOff + i] = 0.5f * x * (1f + (float) Math.tanh(SCALE * (x + cube)));
        }
    }

    /** dinp += GELU'(inp) · dout. */
    public static void backward(float[] dinp, int dinpOff, float[] inp, int inpOff, float[] dout, int doutOff, int n) {
        for (int i = 0; i < n; i++) {
            float x = inp[inpOff + i];
            float cube = CUBIC * x * x * x;
            float arg = SCALE * (x + cube);
            float th = (float) Math.tanh(arg);
            float sech2 = 1f - th * th;
            float grad = 0.5f * (1f + th) + x * 0.5f * sech2 * SCALE * (1f + 3f * CUBIC * x * x);
            dinp[dinpOff + i] += grad * dout[doutOff + i];
        }
    }
}
