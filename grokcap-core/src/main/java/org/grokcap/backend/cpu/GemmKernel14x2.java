package org.grokcap.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A Vector API micro-kernel holding a 14 × 2-vector tile of C in 28 registers: per k, 2 loads of B,
 * 14 broadcasts of A and 28 fused multiply-adds. Generated shape; see {@link VectorKernels#gemmKernel}
 * for which one runs where and why. Loaded only when {@code jdk.incubator.vector} is in the boot layer.
 */
final class GemmKernel14x2 implements Gemm.MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = 14;
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
        int c5 = cOff + 5 * ldc;
        int c6 = cOff + 6 * ldc;
        int c7 = cOff + 7 * ldc;
        int c8 = cOff + 8 * ldc;
        int c9 = cOff + 9 * ldc;
        int c10 = cOff + 10 * ldc;
        int c11 = cOff + 11 * ldc;
        int c12 = cOff + 12 * ldc;
        int c13 = cOff + 13 * ldc;
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
        FloatVector x50 = FloatVector.fromArray(S, c, c5);
        FloatVector x51 = FloatVector.fromArray(S, c, c5 + 1 * L);
        FloatVector x60 = FloatVector.fromArray(S, c, c6);
        FloatVector x61 = FloatVector.fromArray(S, c, c6 + 1 * L);
        FloatVector x70 = FloatVector.fromArray(S, c, c7);
        FloatVector x71 = FloatVector.fromArray(S, c, c7 + 1 * L);
        FloatVector x80 = FloatVector.fromArray(S, c, c8);
        FloatVector x81 = FloatVector.fromArray(S, c, c8 + 1 * L);
        FloatVector x90 = FloatVector.fromArray(S, c, c9);
        FloatVector x91 = FloatVector.fromArray(S, c, c9 + 1 * L);
        FloatVector x100 = FloatVector.fromArray(S, c, c10);
        FloatVector x101 = FloatVector.fromArray(S, c, c10 + 1 * L);
        FloatVector x110 = FloatVector.fromArray(S, c, c11);
        FloatVector x111 = FloatVector.fromArray(S, c, c11 + 1 * L);
        FloatVector x120 = FloatVector.fromArray(S, c, c12);
        FloatVector x121 = FloatVector.fromArray(S, c, c12 + 1 * L);
        FloatVector x130 = FloatVector.fromArray(S, c, c13);
        FloatVector x131 = FloatVector.fromArray(S, c, c13 + 1 * L);
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
            FloatVector v5 = FloatVector.broadcast(S, a[ak + 5]);
            x50 = v5.fma(b0, x50);
            x51 = v5.fma(b1, x51);
            FloatVector v6 = FloatVector.broadcast(S, a[ak + 6]);
            x60 = v6.fma(b0, x60);
            x61 = v6.fma(b1, x61);
            FloatVector v7 = FloatVector.broadcast(S, a[ak + 7]);
            x70 = v7.fma(b0, x70);
            x71 = v7.fma(b1, x71);
            FloatVector v8 = FloatVector.broadcast(S, a[ak + 8]);
            x80 = v8.fma(b0, x80);
            x81 = v8.fma(b1, x81);
            FloatVector v9 = FloatVector.broadcast(S, a[ak + 9]);
            x90 = v9.fma(b0, x90);
            x91 = v9.fma(b1, x91);
            FloatVector v10 = FloatVector.broadcast(S, a[ak + 10]);
            x100 = v10.fma(b0, x100);
            x101 = v10.fma(b1, x101);
            FloatVector v11 = FloatVector.broadcast(S, a[ak + 11]);
            x110 = v11.fma(b0, x110);
            x111 = v11.fma(b1, x111);
            FloatVector v12 = FloatVector.broadcast(S, a[ak + 12]);
            x120 = v12.fma(b0, x120);
            x121 = v12.fma(b1, x121);
            FloatVector v13 = FloatVector.broadcast(S, a[ak + 13]);
            x130 = v13.fma(b0, x130);
            x131 = v13.fma(b1, x131);
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
        x50.intoArray(c, c5);
        x51.intoArray(c, c5 + 1 * L);
        x60.intoArray(c, c6);
        x61.intoArray(c, c6 + 1 * L);
        x70.intoArray(c, c7);
        x71.intoArray(c, c7 + 1 * L);
        x80.intoArray(c, c8);
        x81.intoArray(c, c8 + 1 * L);
        x90.intoArray(c, c9);
        x91.intoArray(c, c9 + 1 * L);
        x100.intoArray(c, c10);
        x101.intoArray(c, c10 + 1 * L);
        x110.intoArray(c, c11);
        x111.intoArray(c, c11 + 1 * L);
        x120.intoArray(c, c12);
        x121.intoArray(c, c12 + 1 * L);
        x130.intoArray(c, c13);
        x131.intoArray(c, c13 + 1 * L);
    }
}
