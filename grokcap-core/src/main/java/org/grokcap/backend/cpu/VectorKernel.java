package org.grokcap.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API micro-kernel: a 5 × 2-vector tile of C in 10 registers, 2 loads of B and 5
 * broadcasts of A per k. Measured on AVX2 (Zen 3, JDK 25), single thread, data in L1: 5×2 reached
 * 68–97 GFLOP/s, 4×2 59–81, while the 12-accumulator shapes usual in hand-written assembly (6×2, 4×3)
 * fell to 24–40, because C2 then runs out of the 16 vector registers and spills. With AVX-512 the
 * same code holds a 5×32 tile. Loaded only when {@code jdk.incubator.vector} is in the boot layer.
 */
final class VectorKernel implements Gemm.MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NR = 2 * L;
    private static final int MR = Gemm.MR;

    @Override
    public int nr() {
        return NR;
    }

    @Override
    public String describe() {
        return "Vector API " + L * 32 + "-bit";
    }

    @Override
    public void tile(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc) {
        int c0 = cOff;
        int c1 = c0 + ldc;
        int c2 = c1 + ldc;
        int c3 = c2 + ldc;
        int c4 = c3 + ldc;
        FloatVector x00 = FloatVector.fromArray(S, c, c0);
        FloatVector x01 = FloatVector.fromArray(S, c, c0 + L);
        FloatVector x10 = FloatVector.fromArray(S, c, c1);
        FloatVector x11 = FloatVector.fromArray(S, c, c1 + L);
        FloatVector x20 = FloatVector.fromArray(S, c, c2);
        FloatVector x21 = FloatVector.fromArray(S, c, c2 + L);
        FloatVector x30 = FloatVector.fromArray(S, c, c3);
        FloatVector x31 = FloatVector.fromArray(S, c, c3 + L);
        FloatVector x40 = FloatVector.fromArray(S, c, c4);
        FloatVector x41 = FloatVector.fromArray(S, c, c4 + L);
        int ak = aOff;
        int bk = bOff;
        for (int k = 0; k < kc; k++, ak += MR, bk += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bk);
            FloatVector b1 = FloatVector.fromArray(S, b, bk + L);
            FloatVector v = FloatVector.broadcast(S, a[ak]);
            x00 = v.fma(b0, x00);
            x01 = v.fma(b1, x01);
            v = FloatVector.broadcast(S, a[ak + 1]);
            x10 = v.fma(b0, x10);
            x11 = v.fma(b1, x11);
            v = FloatVector.broadcast(S, a[ak + 2]);
            x20 = v.fma(b0, x20);
            x21 = v.fma(b1, x21);
            v = FloatVector.broadcast(S, a[ak + 3]);
            x30 = v.fma(b0, x30);
            x31 = v.fma(b1, x31);
            v = FloatVector.broadcast(S, a[ak + 4]);
            x40 = v.fma(b0, x40);
            x41 = v.fma(b1, x41);
        }
        x00.intoArray(c, c0);
        x01.intoArray(c, c0 + L);
        x10.intoArray(c, c1);
        x11.intoArray(c, c1 + L);
        x20.intoArray(c, c2);
        x21.intoArray(c, c2 + L);
        x30.intoArray(c, c3);
        x31.intoArray(c, c3 + L);
        x40.intoArray(c, c4);
        x41.intoArray(c, c4 + L);
    }
}
