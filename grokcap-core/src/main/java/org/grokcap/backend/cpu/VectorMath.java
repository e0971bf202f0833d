package org.grokcap.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, tanh and lane sums built only from IEEE-exact vector operations (add, mul, fma, min, max, integer
 * and bit operations), each with a scalar twin that performs the same operations in the same order.
 *
 * <p>Why not {@code lanewise(EXP)}, {@code lanewise(TANH)} and {@code reduceLanes(ADD)}: the Vector API
 * computes those differently before and after C2 compiles the caller (per-lane {@code Math} calls
 * versus SVML; a lane-order versus a tree reduction), and C2 compiles at a moment that varies from run
 * to run, so a training run would not reproduce its own numbers bit for bit. These versions give the
 * same bits in the interpreter, in C2 and in their scalar twins, so a kernel's scalar tail agrees with
 * its vector body and results do not depend on where the thread split falls.
 *
 * <p>Vector arguments must be of {@code FloatVector.SPECIES_PREFERRED}.
 *
 * <p>exp is Cephes' single-precision algorithm (range reduction by ln 2, degree-5 polynomial, scaling
 * by 2ⁿ through the exponent bits): within 2 ulp of {@link Math#exp} on its range, with the argument
 * clamped to [−87.3, 88], so results lie in [1.2e-38, 1.7e38] (never 0 or ∞).
 */
final class VectorMath {
    /** The one species these functions take: {@code FloatVector.SPECIES_PREFERRED}. */
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final float EXP_LO = -87.33654f;
    static final float EXP_HI = 88f;
    private static final float LOG2E = 1.44269504088896341f;
    /** 1.5·2²³: adding it rounds to an integer, which lands in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    private VectorMath() {}

    static FloatVector exp(FloatVector x) {
        x = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = x.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(broadcast(-LN2_HI), x);
        r = n.fma(broadcast(-LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, broadcast(P2));
        p = p.fma(r, broadcast(P3));
        p = p.fma(r, broadcast(P4));
        p = p.fma(r, broadcast(P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector k = ((IntVector) t.reinterpretAsInts()).sub(ROUND_BITS);
        FloatVector scale = (FloatVector) k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(scale);
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations, the same bits. */
    static float exp(float x) {
        x = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = Math.fma(x, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        int k = Float.floatToRawIntBits(t) - ROUND_BITS;
        return y * Float.intBitsToFloat((k + 127) << 23);
    }

    /** tanh(y) = 1 − 2 / (1 + e^{2y}): absolute error below 2e-7, exact ±1 in the tails. */
    static FloatVector tanh(FloatVector y) {
        FloatVector e = exp(y.add(y));
        return broadcast(2f).div(e.add(1f)).neg().add(1f);
    }

    /** The scalar twin of {@link #tanh(FloatVector)}. */
    static float tanh(float y) {
        float e = exp(y + y);
        return -(2f / (e + 1f)) + 1f;
    }

    /**
     * Σ of the lanes as a fixed tree: lane i plus lane i + L/2, then i + L/4, … down to lane 0. Each step
     * is one permute and one add (a chain of log₂ L steps, where adding lane by lane was a chain of L
     * dependent extracts and adds: in attention, with head size 32, that chain was most of the time).
     * The pairing is fixed, so the interpreter and C2 give the same bits.
     */
    static float sum(FloatVector v) {
        int half = S.length() / 2;
        if (half >= 8) {
            v = v.add(v.rearrange(ROTATE_8));
        }
        if (half >= 4) {
            v = v.add(v.rearrange(ROTATE_4));
        }
        if (half >= 2) {
            v = v.add(v.rearrange(ROTATE_2));
        }
        if (half >= 1) {
            v = v.add(v.rearrange(ROTATE_1));
        }
        return v.lane(0);
    }

    /** Lane i takes lane (i + n) mod L: constants, so that C2 turns each rearrange into one permute. */
    private static final VectorShuffle<Float> ROTATE_8 = rotate(8);
    private static final VectorShuffle<Float> ROTATE_4 = rotate(4);
    private static final VectorShuffle<Float> ROTATE_2 = rotate(2);
    private static final VectorShuffle<Float> ROTATE_1 = rotate(1);

    private static VectorShuffle<Float> rotate(int n) {
        return VectorShuffle.fromOp(S, i -> (i + n) % S.length());
    }

    /**
     * Always the one species: C2 intrinsifies a broadcast only when its species is a constant (taking
     * the argument's {@code species()} made every call fall back to boxed, lane-by-lane Java).
     */
    private static FloatVector broadcast(float value) {
        return FloatVector.broadcast(S, value);
    }
}
