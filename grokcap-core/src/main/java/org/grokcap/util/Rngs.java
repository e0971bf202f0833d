package org.grokcap.util;

import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

import java.nio.charset.StandardCharsets;

/**
 * Independent random streams derived from (seed, purpose), so that data generation, weight
 * initialisation and batch order never disturb each other: changing how many numbers one purpose
 * draws leaves the others unchanged.
 */
public final class Rngs {
    private Rngs() {}

    /**
     * A fresh generator for this seed and purpose (e.g. "data", "init", "batches"); its state can be
     * saved and restored, so a checkpoint can continue the stream where it was.
     */
    public static RestorableUniformRandomProvider stream(long seed, String purpose) {
        long h = 0xcbf29ce484222325L; // FNV-1a over the purpose's bytes
        for (byte b : purpose.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        long[] state = {mix(seed ^ h), mix(seed + 0x9e3779b97f4a7c15L * (h | 1))};
        return RandomSource.XO_RO_SHI_RO_128_PP.create(state);
    }

    /** SplitMix64's finaliser: spreads nearby seeds far apart. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
