package org.grokcap.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.grokcap.kernels.CrossEntropy;
import org.grokcap.kernels.Gelu;

/**
 * Vector API versions of some reference kernels that are not matmuls: ReLU (the same bits as
 * {@link org.grokcap.kernels.Relu}), GELU and the cross-entropy's exponentials (with
 * {@link VectorMath}'s exp and tanh, which differ by rounding), the bias gradient's column sums, and the
 * choice of matmul micro-kernel. Attention is {@link VectorAttention}. Scalar tails repeat
 * the vector body's operations, so every element gets the same bits wherever a thread's range starts. Loaded
 * only when {@code jdk.incubator.vector} is in the boot layer.
 */
final class VectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Doubles in a vector of the same size: half as many lanes. */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

    private VectorKernels() {}

    /**
     * The matmul micro-kernel for this machine's vector width. With 16 vector registers (AVX2) a 5 × 2
     * tile (10 accumulators) is the largest that C2 keeps in registers; the 12-accumulator shapes usual
     * in hand-written assembly spilled. With 32 registers (AVX-512) a 12 × 2 tile keeps 24 accumulators
     * in flight; of the shapes measured there (5 × 2, 12 × 2, 8 × 3, 6 × 4, 14 × 2; BENCHMARKS.md) it was
     * the fastest, and 14 × 2 spilled.
     */
    static Gemm.MicroKernel gemmKernel() {
        return L >= 16 ? new GemmKernel12x2() : new GemmKernel5x2();
    }

    /**
     * dst[j] += Σ_n src[n·W + j] for j in [from, to): a partial sum from 0 over n = 0, 1, …, one lane per
     * column, so each column is summed in the scalar order.
     */
    static void addColumnSums(float[] dst, int dstOff, float[] src, int srcOff, int N, int W, int from, int to) {
        int j = from;
        for (int end = from + S.loopBound(to - from); j < end; j += L) {
            FloatVector sum = FloatVector.zero(S);
            for (int n = 0, i = srcOff + j; n < N; n++, i += W) {
                sum = sum.add(FloatVector.fromArray(S, src, i));
            }
            FloatVector.fromArray(S, dst, dstOff + j).add(sum).intoArray(dst, dstOff + j);
        }
        for (; j < to; j++) {
            float sum = 0f;
            for (int n = 0, i = srcOff + j; n < N; n++, i += W) {
                sum += src[i];
            }
            dst[dstOff + j] += sum;
        }
    }

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

    /** {@link Gelu#forward}, with {@link VectorMath#tanh}. */
    static void geluForward(float[] out, int outOff, float[] inp, int inpOff, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector x = FloatVector.fromArray(S, inp, inpOff + i);
            FloatVector th = VectorMath.tanh(x.mul(x).mul(x).mul(Gelu.CUBIC).add(x).mul(Gelu.SCALE));
            x.mul(0.5f).mul(th.add(1f)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float x = inp[inpOff + i];
            float th = VectorMath.tanh((x * x * x * Gelu.CUBIC + x) * Gelu.SCALE);
            out[outOff + i] = x * 0.5f * (th + 1f);
        }
    }

    /** {@link Gelu#backward}, with {@link VectorMath#tanh}. */
    static void geluBackward(float[] dinp, int dinpOff, float[] inp, int inpOff, float[] dout, int doutOff, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector x = FloatVector.fromArray(S, inp, inpOff + i);
            FloatVector th = VectorMath.tanh(x.mul(x).mul(x).mul(Gelu.CUBIC).add(x).mul(Gelu.SCALE));
            // 0.5(1 + th) + 0.5·x·sech²·√(2/π)·(1 + 3·0.044715·x²)
            FloatVector sech2 = th.mul(th).neg().add(1f);
            FloatVector slope = x.mul(x).mul(3f * Gelu.CUBIC).add(1f).mul(sech2).mul(x).mul(0.5f * Gelu.SCALE);
            FloatVector grad = th.add(1f).mul(0.5f).add(slope);
            FloatVector d = FloatVector.fromArray(S, dinp, dinpOff + i);
            grad.fma(FloatVector.fromArray(S, dout, doutOff + i), d).intoArray(dinp, dinpOff + i);
        }
        for (; i < n; i++) {
            float x = inp[inpOff + i];
            float th = VectorMath.tanh((x * x * x * Gelu.CUBIC + x) * Gelu.SCALE);
            float sech2 = -(th * th) + 1f;
            float slope = (x * x * (3f * Gelu.CUBIC) + 1f) * sech2 * x * (0.5f * Gelu.SCALE);
            float grad = (th + 1f) * 0.5f + slope;
            dinp[dinpOff + i] = Math.fma(grad, dout[doutOff + i], dinp[dinpOff + i]);
        }
    }

    /**
     * {@link CrossEntropy.RowMath} with the sum of exponentials on vectors ({@link VectorMath#exp}, single
     * precision, within 2 ulp, in both modes; float64 mode sums them in double, which is where single
     * precision fails once the loss is tiny: 1 + ε). The gradient is the reference's loop.
     */
    static final CrossEntropy.RowMath ROW_MATH = new CrossEntropy.RowMath() {
        @Override
        public double sumExp(float[] x, int xOff, int n, float max, boolean float64) {
            int v = 0;
            if (float64) {
                // lane-wise double sums of the two halves' exponentials (a lane-by-lane chain of extracts
                // into one double was the slow part), then the lanes in order
                DoubleVector lo = DoubleVector.zero(D);
                DoubleVector hi = DoubleVector.zero(D);
                for (int end = S.loopBound(n); v < end; v += L) {
                    FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, xOff + v).sub(max));
                    lo = lo.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 0));
                    hi = hi.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 1));
                }
                DoubleVector both = lo.add(hi);
                double sum = 0.0;
                for (int i = 0; i < D.length(); i++) {
                    sum += both.lane(i);
                }
                for (; v < n; v++) {
                    sum += VectorMath.exp(x[xOff + v] - max);
                }
                return sum;
            }
            FloatVector acc = FloatVector.zero(S);
            for (int end = S.loopBound(n); v < end; v += L) {
                acc = acc.add(VectorMath.exp(FloatVector.fromArray(S, x, xOff + v).sub(max)));
            }
            float sum = VectorMath.sum(acc);
            for (; v < n; v++) {
                sum += VectorMath.exp(x[xOff + v] - max);
            }
            return sum;
        }

        /**
         * The plain loop: in the backward pass's compiled code C2 did not inline the vector exp here
         * (its inlining budget ran out), and a vector passed across a call is boxed, which made this
         * slower than scalar {@link Math#exp} and allocated 8 MB per modular-addition epoch.
         */
        @Override
        public void addSoftmaxGradient(float[] d, int dOff, float[] x, int xOff, int n, float max, double sum,
                                       int target, double qTarget, double qOther, float scale, boolean float64) {
            CrossEntropy.SCALAR.addSoftmaxGradient(d, dOff, x, xOff, n, max, sum, target, qTarget, qOther, scale,
                    float64);
        }
    };
}
