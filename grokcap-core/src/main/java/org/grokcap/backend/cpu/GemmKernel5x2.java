package org.grokcap.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A Vector API micro-kernel holding a 5 × 2-vector tile of C in 10 registers: per k, 2 loads of B,
 * 5 broadcasts of A and 10 fused multiply-adds. Generated shape; see {@link VectorKernels#gemmKernel}
 * for which one runs where and why. Loaded only when {@code jdk.incubator.vector} is in the boot layer.
 */
final class GemmKernel5x2 implements Gemm.MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = 5;
    private static final int NR = 2 * L;

    @Override
    public int mr() {
        return MR;
    }

    @Override
    public int nr() {
        return NR;
    }

    @Override
    public String describe() {
        return "Vector API " + L * 32 + "-bit, " + MR + "×" + NR + " tiles";
    }

    @Override
    public void tile(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc) {
        int c0 = cOff + 0 * ldc;
        int c1 = cOff + 1 * ldc;
        int c2 = cOff + 2 * ldc;
        int c3 = cOff + 3 * ldc;
        int c4 = cOff + 4 * ldc;
        FloatVector x00 = FloatVector.fromArray(S, c, c0);
        FloatVector x01 = FloatVector.fromArray(S, c, c0 + 1 * L);
        FloatVector x10 = FloatVector.fromArray(S, c, c1);
        FloatVector x11 = FloatVector.fromArray(S, c, c1 + 1 * L);
        FloatVector x20 = FloatVector.fromArray(S, c, c2);
        FloatVector x21 = FloatVector.fromArray(S, c, c2 + 1 * L);
        FloatVector x30 = FloatVector.fromArray(S, c, c3);
        FloatVector x31 = FloatVector.fromArray(S, c, c3 + 1 * L);
        FloatVector x40 = FloatVector.fromArray(S, c, c4);
        FloatVector x41 = FloatVector.fromArray(S, c, c4 + 1 * L);
        for (int k = 0, ak = aOff, bk = bOff; k < kc; k++, ak += MR, bk += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bk);
            FloatVector b1 = FloatVector.fromArray(S, b, bk + 1 * L);
            FloatVector v0 = FloatVector.broadcast(S, a[ak]);
            x00 = v0.fma(b0, x00);
            x01 = v0.fma(b1, x01);
            FloatVector v1 = FloatVector.broadcast(S, a[ak + 1]);
            x10 = v1.fma(b0, x10);
            x11 = v1.fma(b1, x11);
            FloatVector v2 = FloatVector.broadcast(S, a[ak + 2]);
            x20 = v2.fma(b0, x20);
            x21 = v2.fma(b1, x21);
            FloatVector v3 = FloatVector.broadcast(S, a[ak + 3]);
            x30 = v3.fma(b0, x30);
            x31 = v3.fma(b1, x31);
            FloatVector v4 = FloatVector.broadcast(S, a[ak + 4]);
            x40 = v4.fma(b0, x40);
            x41 = v4.fma(b1, x41);
        }
        x00.intoArray(c, c0);
        x01.intoArray(c, c0 + 1 * L);
        x10.intoArray(c, c1);
        x11.intoArray(c, c1 + 1 * L);
        x20.intoArray(c, c2);
        x21.intoArray(c, c2 + 1 * L);
        x30.intoArray(c, c3);
        x31.intoArray(c, c3 + 1 * L);
        x40.intoArray(c, c4);
        x41.intoArray(c, c4 + 1 * L);
    }
}
