package org.grokcap.kernels;

/** The residual connection, out = a + b. */
public final class Residual {
    private Residual() {}

    /** out = a + b; n elements each. */
    public static void forward(float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    /** da += dout; db += dout. */
    public static void backward(float[] da, int daOff, float[] db, int dbOff, float[] dout, int doutOff, int n) {
        for (int i = 0; i < n; i++) {
            da[daOff + i] += dout[doutOff + i];
            db[dbOff + i] += dout[doutOff + i];
        }
    }
}
