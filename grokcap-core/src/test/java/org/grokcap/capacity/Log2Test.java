package org.grokcap.capacity;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Log2Test {

    @Test
    void factorialMatchesBigInteger() {
        BigInteger f = BigInteger.ONE;
        for (int n = 1; n <= 3000; n++) {
            f = f.multiply(BigInteger.valueOf(n));
            int shift = Math.max(0, f.bitLength() - 60);
            double exact = shift + Math.log(f.shiftRight(shift).doubleValue()) / Math.log(2);
            assertEquals(exact, Log2.factorial(n), 1e-12 * Math.max(1, exact), "log2 " + n + "!");
        }
        assertEquals(0, Log2.factorial(0));
    }

    @Test
    void binomialsOfHugeNAgreeWithASumOfLogs() {
        // Beyond 64 terms log2 C(n, k) comes from Stirling's series; a long sum in double is the reference
        // where BigInteger would be too slow.
        for (long n : new long[]{200, 70_000, 160_000_000L, 2_200_000_000_000L}) {
            for (long k : new long[]{65, 1000, 30_000, n / 2}) {
                if (k > n || k > 200_000) {
                    continue;
                }
                double sum = 0;
                for (long i = 1; i <= k; i++) {
                    sum += Math.log((double) (n - k + i) / i);
                }
                sum /= Math.log(2);
                assertEquals(sum, Log2.binomial(n, k), 1e-11 * sum, "log2 C(" + n + ", " + k + ")");
            }
        }
    }

    @Test
    void bipartiteStructureCountsMatchBruteForce() {
        // perfect matchings (one left out when n is odd) and cyclic permutations of n people, counted
        for (int n = 2; n <= 8; n++) {
            long matchings = 0;
            long cycles = 0;
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            do {
                boolean involution = true;
                int fixed = 0;
                for (int i = 0; i < n; i++) {
                    involution &= perm[perm[i]] == i;
                    fixed += perm[i] == i ? 1 : 0;
                }
                if (involution && fixed == n % 2) {
                    matchings++;
                }
                int x = 0;
                int len = 0;
                do {
                    x = perm[x];
                    len++;
                } while (x != 0);
                if (len == n) {
                    cycles++;
                }
            } while (next(perm));
            long m = n / 2;
            assertEquals(Math.log(matchings) / Math.log(2), Log2.factorial(n) - m - Log2.factorial(m), 1e-9);
            assertEquals(Math.log(cycles) / Math.log(2), Log2.factorial(n - 1), 1e-9);
        }
    }

    private static boolean next(int[] a) {
        int i = a.length - 2;
        while (i >= 0 && a[i] >= a[i + 1]) {
            i--;
        }
        if (i < 0) {
            return false;
        }
        int j = a.length - 1;
        while (a[j] <= a[i]) {
            j--;
        }
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
        for (int l = i + 1, r = a.length - 1; l < r; l++, r--) {
            t = a[l];
            a[l] = a[r];
            a[r] = t;
        }
        return true;
    }
}
