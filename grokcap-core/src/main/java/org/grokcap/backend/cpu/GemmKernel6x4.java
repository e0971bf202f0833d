package org.grokcap.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A Vector API micro-kernel holding a 6 × 4-vector tile of C in 24 registers: per k, 4 loads of B,
 * 6 broadcasts of A and 24 fused multiply-adds. Generated shape; see {@link VectorKernels#gemmKernel}
 * for which one runs where and why. Loaded only when {@code jdk.incubator.vector} is in the boot layer.
 */
final class GemmKernel6x4 implements Gemm.MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = 6;
    private static final int NR = 4 * L;

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
        int c5 = cOff + 5 * ldc;
        FloatVector x00 = FloatVector.fromArray(S, c, c0);
        FloatVector x01 = FloatVector.fromArray(S, c, c0 + 1 * L);
        FloatVector x02 = FloatVector.fromArray(S, c, c0 + 2 * L);
        FloatVector x03 = FloatVector.fromArray(S, c, c0 + 3 * L);
        FloatVector x10 = FloatVector.fromArray(S, c, c1);
        FloatVector x11 = FloatVector.fromArray(S, c, c1 + 1 * L);
        FloatVector x12 = FloatVector.fromArray(S, c, c1 + 2 * L);
        FloatVector x13 = FloatVector.fromArray(S, c, c1 + 3 * L);
        FloatVector x20 = FloatVector.fromArray(S, c, c2);
        FloatVector x21 = FloatVector.fromArray(S, c, c2 + 1 * L);
        FloatVector x22 = FloatVector.fromArray(S, c, c2 + 2 * L);
        FloatVector x23 = FloatVector.fromArray(S, c, c2 + 3 * L);
        FloatVector x30 = FloatVector.fromArray(S, c, c3);
        FloatVector x31 = FloatVector.fromArray(S, c, c3 + 1 * L);
        FloatVector x32 = FloatVector.fromArray(S, c, c3 + 2 * L);
        FloatVector x33 = FloatVector.fromArray(S, c, c3 + 3 * L);
        FloatVector x40 = FloatVector.fromArray(S, c, c4);
        FloatVector x41 = FloatVector.fromArray(S, c, c4 + 1 * L);
        FloatVector x42 = FloatVector.fromArray(S, c, c4 + 2 * L);
        FloatVector x43 = FloatVector.fromArray(S, c, c4 + 3 * L);
        FloatVector x50 = FloatVector.fromArray(S, c, c5);
        FloatVector x51 = FloatVector.fromArray(S, c, c5 + 1 * L);
        FloatVector x52 = FloatVector.fromArray(S, c, c5 + 2 * L);
        FloatVector x53 = FloatVector.fromArray(S, c, c5 + 3 * L);
        for (int k = 0, ak = aOff, bk = bOff; k < kc; k++, ak += MR, bk += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bk);
            FloatVector b1 = FloatVector.fromArray(S, b, bk + 1 * L);
            FloatVector b2 = FloatVector.fromArray(S, b, bk + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bk + 3 * L);
            FloatVector v0 = FloatVector.broadcast(S, a[ak]);
            x00 = v0.fma(b0, x00);
            x01 = v0.fma(b1, x01);
            x02 = v0.fma(b2, x02);
            x03 = v0.fma(b3, x03);
            FloatVector v1 = FloatVector.broadcast(S, a[ak + 1]);
            x10 = v1.fma(b0, x10);
            x11 = v1.fma(b1, x11);
            x12 = v1.fma(b2, x12);
            x13 = v1.fma(b3, x13);
            FloatVector v2 = FloatVector.broadcast(S, a[ak + 2]);
            x20 = v2.fma(b0, x20);
            x21 = v2.fma(b1, x21);
            x22 = v2.fma(b2, x22);
            x23 = v2.fma(b3, x23);
            FloatVector v3 = FloatVector.broadcast(S, a[ak + 3]);
            x30 = v3.fma(b0, x30);
            x31 = v3.fma(b1, x31);
            x32 = v3.fma(b2, x32);
            x33 = v3.fma(b3, x33);
            FloatVector v4 = FloatVector.broadcast(S, a[ak + 4]);
            x40 = v4.fma(b0, x40);
            x41 = v4.fma(b1, x41);
            x42 = v4.fma(b2, x42);
            x43 = v4.fma(b3, x43);
            FloatVector v5 = FloatVector.broadcast(S, a[ak + 5]);
            x50 = v5.fma(b0, x50);
            x51 = v5.fma(b1, x51);
            x52 = v5.fma(b2, x52);
            x53 = v5.fma(b3, x53);
        }
        x00.intoArray(c, c0);
        x01.intoArray(c, c0 + 1 * L);
        x02.intoArray(c, c0 + 2 * L);
        x03.intoArray(c, c0 + 3 * L);
        x10.intoArray(c, c1);
        x11.intoArray(c, c1 + 1 * L);
        x12.intoArray(c, c1 + 2 * L);
        x13.intoArray(c, c1 + 3 * L);
        x20.intoArray(c, c2);
        x21.intoArray(c, c2 + 1 * L);
        x22.intoArray(c, c2 + 2 * L);
        x23.intoArray(c, c2 + 3 * L);
        x30.intoArray(c, c3);
        x31.intoArray(c, c3 + 1 * L);
        x32.intoArray(c, c3 + 2 * L);
        x33.intoArray(c, c3 + 3 * L);
        x40.intoArray(c, c4);
        x41.intoArray(c, c4 + 1 * L);
        x42.intoArray(c, c4 + 2 * L);
        x43.intoArray(c, c4 + 3 * L);
        x50.intoArray(c, c5);
        x51.intoArray(c, c5 + 1 * L);
        x52.intoArray(c, c5 + 2 * L);
        x53.intoArray(c, c5 + 3 * L);
    }
}
