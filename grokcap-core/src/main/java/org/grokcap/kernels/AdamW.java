package org.grokcap.kernels;

/**
 * AdamW (Loshchilov &amp; Hutter) with decoupled weight decay and bias correction, in PyTorch's order:
 * decay the parameter, update the moments, then step by lr·m̂/(√v̂ + eps).
 */
public final class AdamW {
    private AdamW() {}

    /**
     * Updates n parameters in place.
     *
     * @param params      (n) updated
     * @param grads       (n)
     * @param m           (n) first moment, updated
     * @param v           (n) second moment, updated
     * @param weightDecay 0 for parameters exempt from decay
     * @param step        1-based count of updates, this one included
     */
    public static void update(float[] params, float[] grads, float[] m, float[] v, int off, int n,
                              float lr, float beta1, float beta2, float eps, float weightDecay, int step) {
        float correction1 = 1f - (float) Math.pow(beta1, step);
        float correction2 = 1f - (float) Math.pow(beta2, step);
        update(params, grads, m, v, off, n, lr, beta1, beta2, eps, 1f - lr * weightDecay, correction1, correction2);
    }

    /**
     * The update of elements [off, off+n) with the step's factors already computed: decay = 1 − lr·wd,
     * correction1 = 1 − β1^step, correction2 = 1 − β2^step (a backend that splits a buffer computes them
     * once).
     */
    public static void update(float[] params, float[] grads, float[] m, float[] v, int off, int n, float lr,
                              float beta1, float beta2, float eps, float decay, float correction1, float correction2) {
        for (int i = off; i < off + n; i++) {
            float g = grads[i];
            float mi = beta1 * m[i] + (1f - beta1) * g;
            float vi = beta2 * v[i] + (1f - beta2) * g * g;
            m[i] = mi;
            v[i] = vi;
            float mHat = mi / correction1;
            float vHat = vi / correction2;
            params[i] = params[i] * decay - lr * mHat / ((float) Math.sqrt(vHat) + eps);
        }
    }
}
