package org.grokcap.capacity;

/**
 * Logarithms base 2 of counts too large for any integer type: factorials and binomial coefficients,
 * in double precision and in O(1) time. Small cases are sums of logs; larger ones use Stirling's
 * series for ln Γ, with the difference ln Γ(b+k) − ln Γ(b) written through log1p so that a binomial
 * with a huge n and a modest k loses no precision to cancellation.
 */
public final class Log2 {
    private static final double LN2 = Math.log(2);
    private static final double HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);
    /** Up to this many terms, a plain sum of logs. */
    private static final long SUM_LIMIT = 64;
    /** Stirling's series is used from here on (its first omitted term is below 1e-13 there). */
    private static final double STIRLING_FROM = 15;

    private Log2() {}

    public static double of(double x) {
        return Math.log(x) / LN2;
    }

    /** log2 n! */
    public static double factorial(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("factorial of " + n);
        }
        if (n <= SUM_LIMIT) {
            double s = 0;
            for (long i = 2; i <= n; i++) {
                s += Math.log(i);
            }
            return s / LN2;
        }
        return lnGamma(n + 1.0) / LN2;
    }

    /** log2 C(n, k), 0 ≤ k ≤ n. */
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
        // C(n, m) = Γ(n−m+1+m) / Γ(n−m+1) / m!
        return (lnRising(n - m + 1.0, m) - lnGamma(m + 1.0)) / LN2;
    }

    /** ln Γ(x) for x ≥ 1: Stirling's series from x ≥ 15, shifted up below that. */
    static double lnGamma(double x) {
        if (x < 1) {
            throw new IllegalArgumentException("lnGamma(" + x + ")");
        }
        double shift = 0;
        while (x < STIRLING_FROM) {
            shift += Math.log(x);
            x += 1;
        }
        return (x - 0.5) * Math.log(x) - x + HALF_LN_2PI + series(x) - shift;
    }

    /** ln Γ(b+k) − ln Γ(b) = ln(b (b+1) ... (b+k−1)), for b ≥ 1, k ≥ 0. */
    static double lnRising(double b, long k) {
        double shift = 0;
        while (b < STIRLING_FROM && k > 0) {
            shift += Math.log(b);
            b += 1;
            k--;
        }
        if (k == 0) {
            return shift;
        }
        // (b+k−½)ln(b+k) − (b−½)ln b − k = (b−½)·log1p(k/b) + k·(ln(b+k) − 1)
        double a = b + k;
        return shift + (b - 0.5) * Math.log1p(k / b) + k * (Math.log(a) - 1) + series(a) - series(b);
    }

    /** Stirling's correction 1/(12x) − 1/(360x³) + 1/(1260x⁵) − 1/(1680x⁷). */
    private static double series(double x) {
        double inv = 1 / x;
        double inv2 = inv * inv;
        return inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 * (1.0 / 1680))));
    }
}
