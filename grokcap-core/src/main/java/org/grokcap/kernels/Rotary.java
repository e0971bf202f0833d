package org.grokcap.kernels;

/**
 * Rotary position embedding (RoPE) on the q and k parts of a fused q|k|v buffer, in the
 * "rotate half" convention of GPT-NeoX and Hugging Face's Llama: within each head of size hs,
 * channel i pairs with channel i + hs/2 and the pair turns by angle t·base^(−2i/hs) at position t.
 * v is copied unchanged. The rotation is orthogonal, so backward turns the gradient back.
 */
public final class Rotary {
    /** Llama's base. */
    public static final double BASE = 10000.0;

    private Rotary() {}

    /**
     * The angles' cosines and sines, computed in double and rounded once.
     *
     * @param cos (T, hs/2)
     * @param sin (T, hs/2)
     */
    public static void table(float[] cos, int cosOff, float[] sin, int sinOff, int T, int hs) {
        if (hs % 2 != 0) {
            throw new IllegalArgumentException("rotary positions need an even head size, got " + hs);
        }
        int half = hs / 2;
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < half; i++) {
                double invFreq = 1.0 / Math.pow(BASE, (2.0 * i) / hs);
                double angle = t * invFreq;
                cos[cosOff + t * half + i] = (float) Math.cos(angle);
                sin[sinOff + t * half + i] = (float) Math.sin(angle);
            }
        }
    }

    /**
     * out = q and k rotated, v copied; row r of the (B·T) grid is at position r mod T.
     *
     * @param out (N,3C)
     * @param inp (N,3C) q|k|v, heads contiguous within each
     * @param cos (T, hs/2) from {@link #table}
     * @param sin (T, hs/2)
     */
    public static void forward(float[] out, int outOff, float[] inp, int inpOff, float[] cos, int cosOff,
                               float[] sin, int sinOff, int N, int T, int C, int H) {
        int hs = C / H;
        int half = hs / 2;
        int C3 = 3 * C;
        for (int n = 0; n < N; n++) {
            int t = n % T;
            int cs = t * half;
            int row = n * C3;
            for (int part = 0; part < 2; part++) {
                for (int h = 0; h < H; h++) {
                    int base = row + part * C + h * hs;
                    for (int i = 0; i < half; i++) {
                        float x1 = inp[inpOff + base + i];
                        float x2 = inp[inpOff + base + half + i];
                        float c = cos[cosOff + cs + i];
                        float s = sin[sinOff + cs + i];
                        out[outOff + base + i] = x1 * c - x2 * s;
                        out[outOff + base + half + i] = x2 * c + x1 * s;
                    }
                }
            }
            System.arraycopy(inp, inpOff + row + 2 * C, out, outOff + row + 2 * C, C);
        }
    }

    /**
     * dinp += the gradient of out: q and k parts turned back by the transposed rotation, v passed through.
     *
     * @param dinp (N,3C)
     * @param dout (N,3C)
     */
    public static void backward(float[] dinp, int dinpOff, float[] dout, int doutOff, float[] cos, int cosOff,
                                float[] sin, int sinOff, int N, int T, int C, int H) {
        int hs = C / H;
        int half = hs / 2;
        int C3 = 3 * C;
        for (int n = 0; n < N; n++) {
            int t = n % T;
            int cs = t * half;
            int row = n * C3;
            for (int part = 0; part < 2; part++) {
                for (int h = 0; h < H; h++) {
                    int base = row + part * C + h * hs;
                    for (int i = 0; i < half; i++) {
                        float d1 = dout[doutOff + base + i];
                        float d2 = dout[doutOff + base + half + i];
                        float c = cos[cosOff + cs + i];
                        float s = sin[sinOff + cs + i];
                        dinp[dinpOff + base + i] += d1 * c + d2 * s;
                        dinp[dinpOff + base + half + i] += d2 * c - d1 * s;
                    }
                }
            }
            for (int c = 0; c < C; c++) {
                dinp[dinpOff + row + 2 * C + c] += dout[doutOff + row + 2 * C + c];
            }
        }
    }
}
