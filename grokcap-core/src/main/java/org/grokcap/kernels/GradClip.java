package org.grokcap.kernels;

/**
 * Whole-buffer arithmetic of the optimizer's gradient passes: global-norm clipping (measure Σg² over
 * all gradients, then scale them once), and the dot product and axpy that ⊥Grad and the Grokfast
 * filters are built from.
 */
public final class GradClip {
    private GradClip() {}

    /** Σ g[i]² over n gradients, accumulated in double. */
    public static double sumOfSquares(float[] g, int off, int n) {
        double s = 0.0;
        for (int i = off; i < off + n; i++) {
            s += (double) g[i] * g[i];
        }
        return s;
    }

    /** g *= factor over n gradients. */
    public static void scale(float[] g, int off, int n, float factor) {
        for (int i = off; i < off + n; i++) {
            g[i] *= factor;
        }
    }

    /** Σ a[i]·b[i] over n values, accumulated in double. */
    public static double dot(float[] a, int aOff, float[] b, int bOff, int n) {
        double s = 0.0;
        for (int i = 0; i < n; i++) {
            s += (double) a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /**
     * y += alpha·x over n values: the float product, then the float sum (no fused multiply-add, so
     * every backend rounds alike and PyTorch's {@code y + alpha * x} gives the same bits).
     */
    public static void axpy(float[] y, int yOff, float alpha, float[] x, int xOff, int n) {
        for (int i = 0; i < n; i++) {
            float ax = alpha * x[xOff + i];
            y[yOff + i] = y[yOff + i] + ax;
        }
    }
}
