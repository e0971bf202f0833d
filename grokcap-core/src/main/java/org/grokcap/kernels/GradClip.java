package org.grokcap.kernels;

/** Global-norm gradient clipping: measure Σg² over all gradients, then scale them once. */
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
}
