package org.grokcap.util;

import java.util.Arrays;

/** Summary statistics of a handful of measurements (timings, seeds). */
public final class Stats {
    private Stats() {}

    /**
     * The median: the middle value, or the mean of the two middle values for an even count. Infinities
     * sort last and carry through (a mean with +∞ is +∞), so "never happened" can be counted as +∞.
     */
    public static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("the median of no values");
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
    }
}
