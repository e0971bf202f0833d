package org.grokcap.kernels;

import static org.grokcap.kernels.Numerics.*;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class GatherRowsTest {

    /** out[r,:] = inp[rows[r],:] in double. */
    static double[] gatherForward(double[] inp, int[] rows, int C) {
        double[] out = new double[rows.length * C];
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < C; c++) {
                out[r * C + c] = inp[rows[r] * C + c];
            }
        }
        return out;
    }

    @Property(tries = 100)
    void forwardAndBackwardMatchDoublePrecision(@ForAll @IntRange(min = 1, max = 6) int N,
                                                @ForAll @IntRange(min = 1, max = 6) int R,
                                                @ForAll @IntRange(min = 1, max = 12) int C,
                                                @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] rows = randomInts(r, R, N);
        if (R >= 2) {
            rows[R - 1] = rows[0]; // a repeated row, so dinp must accumulate
        }
        Ints rowIdx = ints(r, rows);
        Slab inp = input(r, N * C, -1, 1);
        Slab out = output(r, R * C);
        GatherRows.forward(out.a(), out.off(), inp.a(), inp.off(), rowIdx.a(), rowIdx.off(), R, C);

        double[] x = inp.values();
        assertForward("out", gatherForward(x, rows, C), out);

        float[] projection = randomFloats(r, R * C, -1, 1);
        double[] proj = toDouble(projection);
        Slab dout = input(r, projection);
        Slab dinp = gradient(r, N * C);
        GatherRows.backward(dinp.a(), dinp.off(), dout.a(), dout.off(), rowIdx.a(), rowIdx.off(), R, C);

        assertGradient("dinp", dinp, numericGradient(x, y -> dot(gatherForward(y, rows, C), proj)));
    }
}
