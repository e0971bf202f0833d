package org.grokcap.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.grokcap.kernels.Attention;
import org.grokcap.kernels.CrossEntropy;
import org.grokcap.kernels.Gelu;

/**
 * Vector API versions of the reference kernels that are not matmuls: ReLU (the same bits as
 * {@link org.grokcap.kernels.Relu}), GELU (tanh from the Vector API, within a few ulps of
 * {@link Math#tanh}) and the per-head arithmetic of {@link Attention} (which differs by rounding: its
 * dot products sum lane-wise and its sums use fused multiply-adds). Loaded
 * only when {@code jdk.incubator.vector} is in the boot layer.
 */
final class VectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final int DL = D.length();
    /** Floats as many as D has doubles: the half-width float species that widens into D. */
    private static final VectorSpecies<Float> H = VectorSpecies.of(float.class, jdk.incubator.vector.VectorShape.forBitSize(DL * 32));

    private VectorKernels() {}

    /** out = inp where inp > 0, else 0 (NaN → 0, as the reference). */
    static void reluForward(float[] out, int outOff, float[] inp, int inpOff, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector x = FloatVector.fromArray(S, inp, inpOff + i);
            FloatVector.zero(S).blend(x, x.compare(VectorOperators.GT, 0f)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float x = inp[inpOff + i];
            out[outOff + i] = x > 0f ? x : 0f;
        }
    }

    /** dinp += dout where inp > 0. */
    static void reluBackward(float[] dinp, int dinpOff, float[] inp, int inpOff, float[] dout, int doutOff, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            VectorMask<Float> on = FloatVector.fromArray(S, inp, inpOff + i).compare(VectorOperators.GT, 0f);
            FloatVector d = FloatVector.fromArray(S, dinp, dinpOff + i);
            d.add(FloatVector.fromArray(S, dout, doutOff + i), on).intoArray(dinp, dinpOff + i);
        }
        for (; i < n; i++) {
            if (inp[inpOff + i] > 0f) {
                dinp[dinpOff + i] += dout[doutOff + i];
            }
        }
    }

    /** {@link Gelu#forward}, with tanh from the Vector API's lane-wise TANH. */
    static void geluForward(float[] out, int outOff, float[] inp, int inpOff, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector x = FloatVector.fromArray(S, inp, inpOff + i);
            FloatVector th = tanhArgument(x).lanewise(VectorOperators.TANH);
            x.mul(0.5f).mul(th.add(1f)).intoArray(out, outOff + i);
        }
        Gelu.forward(out, outOff + i, inp, inpOff + i, n - i);
    }

    /** {@link Gelu#backward}, with tanh from the Vector API's lane-wise TANH. */
    static void geluBackward(float[] dinp, int dinpOff, float[] inp, int inpOff, float[] dout, int doutOff, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector x = FloatVector.fromArray(S, inp, inpOff + i);
            FloatVector th = tanhArgument(x).lanewise(VectorOperators.TANH);
            FloatVector sech2 = th.mul(th).neg().add(1f);
            // 0.5(1 + th) + 0.5·x·sech²·√(2/π)·(1 + 3·0.044715·x²)
            FloatVector slope = x.mul(x).mul(3f * Gelu.CUBIC).add(1f).mul(sech2).mul(x).mul(0.5f * Gelu.SCALE);
            FloatVector grad = th.add(1f).mul(0.5f).add(slope);
            FloatVector d = FloatVector.fromArray(S, dinp, dinpOff + i);
            grad.fma(FloatVector.fromArray(S, dout, doutOff + i), d).intoArray(dinp, dinpOff + i);
        }
        Gelu.backward(dinp, dinpOff + i, inp, inpOff + i, dout, doutOff + i, n - i);
    }

    /** √(2/π)(x + 0.044715x³). */
    private static FloatVector tanhArgument(FloatVector x) {
        return x.mul(x).mul(x).mul(Gelu.CUBIC).add(x).mul(Gelu.SCALE);
    }

    /** Whether {@link #HEAD_MATH} applies: a head is whole vectors. */
    static boolean attentionFits(int C, int H) {
        return (C / H) % L == 0;
    }

    /** {@link Attention.HeadMath} on vectors, for head sizes that are a multiple of the vector length. */
    static final Attention.HeadMath HEAD_MATH = new Attention.HeadMath() {
        @Override
        public float dot(float[] x, int xOff, float[] y, int yOff, int n) {
            return VectorKernels.dot(x, xOff, y, yOff, n);
        }

        @Override
        public void axpy(float p, float[] x, int xOff, float[] y, int yOff, int n) {
            VectorKernels.axpy(p, x, xOff, y, yOff, n);
        }
    };

    /**
     * {@link CrossEntropy.RowMath} on vectors: exp from the Vector API's lane-wise EXP, sums taken
     * lane-wise. In float64 mode the logits are widened 4 (or, with AVX-512, 8) at a time.
     */
    static final CrossEntropy.RowMath ROW_MATH = new CrossEntropy.RowMath() {
        @Override
        public double sumExp(float[] x, int xOff, int n, float max, boolean float64) {
            int v = 0;
            if (float64) {
                DoubleVector acc = DoubleVector.zero(D);
                for (int end = D.loopBound(n); v < end; v += DL) {
                    acc = acc.add(widen(x, xOff + v).sub(max).lanewise(VectorOperators.EXP));
                }
                double sum = acc.reduceLanes(VectorOperators.ADD);
                for (; v < n; v++) {
                    sum += Math.exp((double) x[xOff + v] - max);
                }
                return sum;
            }
            FloatVector acc = FloatVector.zero(S);
            for (int end = S.loopBound(n); v < end; v += L) {
                acc = acc.add(FloatVector.fromArray(S, x, xOff + v).sub(max).lanewise(VectorOperators.EXP));
            }
            float sum = acc.reduceLanes(VectorOperators.ADD);
            for (; v < n; v++) {
                sum += (float) Math.exp(x[xOff + v] - max);
            }
            return sum;
        }

        @Override
        public void addSoftmaxGradient(float[] d, int dOff, float[] x, int xOff, int n, float max, double sum,
                                       int target, float scale, boolean float64) {
            float before = d[dOff + target];
            int v = 0;
            if (float64) {
                double f = scale / sum;
                for (int end = D.loopBound(n); v < end; v += DL) {
                    DoubleVector g = widen(x, xOff + v).sub(max).lanewise(VectorOperators.EXP).mul(f);
                    FloatVector gf = (FloatVector) g.convertShape(VectorOperators.D2F, H, 0);
                    FloatVector.fromArray(H, d, dOff + v).add(gf).intoArray(d, dOff + v);
                }
            } else {
                float f = (float) (scale / sum);
                for (int end = S.loopBound(n); v < end; v += L) {
                    FloatVector g = FloatVector.fromArray(S, x, xOff + v).sub(max).lanewise(VectorOperators.EXP).mul(f);
                    FloatVector.fromArray(S, d, dOff + v).add(g).intoArray(d, dOff + v);
                }
            }
            CrossEntropy.SCALAR.addSoftmaxGradient(d, dOff + v, x, xOff + v, n - v, max, sum, target - v, scale, float64);
            // the target's entry again, as the reference computes it: (p − 1)·scale added once
            double p = Math.exp((double) x[xOff + target] - max) / sum;
            d[dOff + target] = before + (float) ((p - 1.0) * scale);
        }
    };

    /** D lanes of x from xOff, widened to double. */
    private static DoubleVector widen(float[] x, int xOff) {
        return (DoubleVector) FloatVector.fromArray(H, x, xOff).convertShape(VectorOperators.F2D, D, 0);
    }

    /** Σ x·y over n (a multiple of L) elements, lane-wise then across lanes. */
    private static float dot(float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            acc = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** y += p·x over n (a multiple of L) elements. */
    private static void axpy(float p, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.broadcast(S, p), FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
    }
}
