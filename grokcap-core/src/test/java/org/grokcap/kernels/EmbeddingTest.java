package org.grokcap.kernels;

import static org.grokcap.kernels.Numerics.*;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class EmbeddingTest {

    /** out[b,t,:] = wte[tokens[b,t],:] + wpe[t,:] in double. */
    static double[] embeddingForward(int[] tokens, double[] wte, double[] wpe, int B, int T, int C) {
        double[] out = new double[B * T * C];
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
                for (int c = 0; c < C; c++) {
                    out[(b * T + t) * C + c] = wte[tokens[b * T + t] * C + c] + wpe[t * C + c];
                }
            }
        }
        return out;
    }

    @Property(tries = 100)
    void forwardAndBackwardMatchDoublePrecision(@ForAll @IntRange(min = 1, max = 3) int B,
                                                @ForAll @IntRange(min = 1, max = 5) int T,
                                                @ForAll @IntRange(min = 1, max = 12) int C,
                                                @ForAll @IntRange(min = 2, max = 9) int V,
                                                @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] tokens = randomInts(r, B * T, V);
        if (B * T >= 2) {
            tokens[B * T - 1] = tokens[0]; // a repeated token, so dwte must accumulate
        }
        Ints tok = ints(r, tokens);
        Slab wte = input(r, V * C, -1, 1);
        Slab wpe = input(r, T * C, -1, 1);
        Slab out = output(r, B * T * C);
        Embedding.forward(out.a(), out.off(), tok.a(), tok.off(), wte.a(), wte.off(), wpe.a(), wpe.off(), B, T, C);

        double[] te = wte.values();
        double[] pe = wpe.values();
        assertForward("out", embeddingForward(tokens, te, pe, B, T, C), out);

        float[] projection = randomFloats(r, B * T * C, -1, 1);
        double[] R = toDouble(projection);
        Slab dout = input(r, projection);
        Slab dwte = gradient(r, V * C);
        Slab dwpe = gradient(r, T * C);
        Embedding.backward(dwte.a(), dwte.off(), dwpe.a(), dwpe.off(), dout.a(), dout.off(),
                tok.a(), tok.off(), B, T, C);

        assertGradient("dwte", dwte, numericGradient(te, y -> dot(embeddingForward(tokens, y, pe, B, T, C), R)));
        assertGradient("dwpe", dwpe, numericGradient(pe, y -> dot(embeddingForward(tokens, te, y, B, T, C), R)));
    }
}
