package org.grokcap.kernels;

/** Picks rows of a matrix by index: how the last layer keeps only the rows the loss reads. */
public final class GatherRows {
    private GatherRows() {}

    /**
     * out[r,:] = inp[rows[r],:].
     *
     * @param out  (R,C)
     * @param inp  (N,C)
     * @param rows (R)
     */
    public static void forward(float[] out, int outOff, float[] inp, int inpOff, int[] rows, int rowsOff, int R, int C) {
        for (int r = 0; r < R; r++) {
            System.arraycopy(inp, inpOff + rows[rowsOff + r] * C, out, outOff + r * C, C);
        }
    }

    /** dinp[rows[r],:] += dout[r,:]. */
    public static void backward(float[] dinp, int dinpOff, float[] dout, int doutOff, int[] rows, int rowsOff, int R, int C) {
        for (int r = 0; r < R; r++) {
            int d = dinpOff + rows[rowsOff + r] * C;
            int s = doutOff + r * C;
            for (int c = 0; c < C; c++) {
                dinp[d + c] += dout[s + c];
            }
        }
    }
}
