package org.grokcap.capacity;

/**
 * Logarithms base 2 of counts too large for any integer type: factorials and binomial coefficients,
 * in double precision. Small binomials are summed term by term; large ones use log-gamma.
 */
public final class Log2 {
    private static final double LN2 = Math.log(2);
    private static final double HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);
    /** Up to this many terms, log2 C(n, k) is a plain sum of logs. */
    private static final long SUM_LIMIT = 1 << 20;

    private Log2() {}

    public static double of(double x) {
        return Math.log(x) / LN2;
    }

    /** log2 n! */
    public static double factorial(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("factorial of " + n);
        }
        return lnGamma(n + 1.0) / LN2;
    }

    /** log2 C(n, k), exact up to double rounding; 0 ≤ k ≤ n. */
    public static double binomial(long n, long k) {
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("C(" + n + ", " + k + ")");
        }
        long m = Math.min(k, n - k);
        if (m <= SUM_LIMIT) {
            double s = 0;
            // C(n, m) = Π_{i=1..m} (n − m + i) / i
            for (long i = 1; i <= m; i++) {
                s += Math.log((double) (n - m + i) / i);
            }
            return s / LN2;
        }
        return (lnGamma(n + 1.0) - lnGamma(m + 1.0) - lnGamma(n - m + 1.0)) / LN2;
    }

    /** ln Γ(x) for x ≥ 1: Stirling's series from x ≥ 15, shifted up below that. */
    static double lnGamma(double x) {
        if (x < 1) {
            throw new IllegalArgumentException("lnGamma(" + x + ")");
        }
        double shift = 0;
        while (x < 15) {
            shift += Math.log(x);
            x += 1;
        }
        double inv = 1 / x;
        double inv2 = inv * inv;
        double series = inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 * (1.0 / 1680))));
        return (x - 0.5) * Math.log(x) - x + HALF_LN_2PI + series - shift;
    }
}
