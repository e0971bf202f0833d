package org.grokcap.analysis;

import com.fasterxml.jackson.annotation.JsonProperty;

import org.grokcap.model.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cosine lens of Ye et al. 2025 for two-hop composition queries (h, r1, r2): the queries are grouped
 * by their bridge entity b = r1(h); at a position and after each effective layer (0 = embedding, then
 * every block application, so every pass of a looped stack), the mean cosine similarity of the hidden
 * states of two queries with the same bridge is set against that of two queries with different
 * bridges. A gap well above zero means the bridge's representation is shared across the queries that
 * reach it: the model has resolved the first hop to something the second hop can read.
 *
 * <p>Only pairs of queries that share no question token at the same position are compared (h ≠ h',
 * r1 ≠ r1', r2 ≠ r2'): two queries with the same (h, r1) have the same hidden state at r1 by causality,
 * and queries with the same bridge share h, r1 or r2 more often than others, which would make the
 * bridge look clustered from the embedding on. With the rule the embedding's gap (layer 0) is about 0.
 *
 * @param split     the split the queries come from
 * @param queries   queries with a known bridge (those used)
 * @param groups    distinct bridges among them
 * @param samePairs compared pairs with the same bridge
 * @param differentPairs compared pairs with different bridges
 * @param positions by position name ("r1", "last"): the means per effective layer
 */
public record CosineLens(String split, int queries, int groups, long samePairs, long differentPairs,
                         Map<String, ByLayer> positions) {

    /** Mean cosine similarity per effective layer [0..depth] of same-bridge and of different-bridge pairs. */
    public record ByLayer(double[] same, double[] different) {
        /** same − different per effective layer (written to JSON beside them). */
        @JsonProperty("gap")
        public double[] gap() {
            double[] gap = new double[same.length];
            for (int l = 0; l < gap.length; l++) {
                gap[l] = same[l] - different[l];
            }
            return gap;
        }
    }

    /**
     * Mean cosine similarity over the compared pairs of rows whose groups are equal ({@code same}) and
     * unequal ({@code different}); NaN where there is no such pair.
     */
    public record Similarity(double same, double different, long samePairs, long differentPairs) {}

    /**
     * The mean cosine similarity of unordered pairs of rows of x (n rows of c values, row-major, from
     * offset) with equal and with unequal group, over the pairs whose rows share no token: tokens[i]
     * holds row i's tokens, one per position, and a pair is left out when tokens[i][k] == tokens[j][k]
     * for some k. Rows with group &lt; 0 are left out. A zero row has no direction: an error.
     *
     * <p>O(n·c·2^k) rather than a loop over pairs: with unit vectors u_i, the sum of u_i·u_j over the
     * pairs of a set of rows is (|Σ u_i|² − n)/2, so the sum over pairs that agree on a set M of keys is
     * a sum over the classes of M; pairs that agree on no token position follow by inclusion–exclusion
     * over the subsets M of positions: Σ_M (−1)^|M| · pairs(agree on M), with the group added to every
     * M for the same-group pairs.
     */
    public static Similarity similarity(float[] x, int offset, int n, int c, int[] group, int[][] tokens) {
        int k = tokens.length == 0 ? 0 : tokens[0].length;
        List<double[]> units = new ArrayList<>(); // the unit vectors of the rows used
        List<int[]> keys = new ArrayList<>();     // their tokens, then their group
        for (int i = 0; i < n; i++) {
            if (group[i] < 0) {
                continue;
            }
            if (tokens[i].length != k) {
                throw new IllegalArgumentException("row " + i + " has " + tokens[i].length + " tokens, row 0 " + k);
            }
            double norm = 0;
            for (int j = 0; j < c; j++) {
                double v = x[offset + i * c + j];
                norm += v * v;
            }
            if (norm == 0) {
                throw new IllegalArgumentException("row " + i + " is a zero vector: its cosine is undefined");
            }
            double inv = 1.0 / Math.sqrt(norm);
            double[] u = new double[c];
            for (int j = 0; j < c; j++) {
                u[j] = x[offset + i * c + j] * inv;
            }
            units.add(u);
            int[] key = Arrays.copyOf(tokens[i], k + 1);
            key[k] = group[i];
            keys.add(key);
        }
        double allSum = 0;
        double sameSum = 0;
        long allPairs = 0;
        long samePairs = 0;
        for (int m = 0; m < (1 << k); m++) {
            int sign = Integer.bitCount(m) % 2 == 0 ? 1 : -1;
            double[] a = agreeing(units, keys, m, c);
            double[] s = agreeing(units, keys, m | (1 << k), c);
            allSum += sign * a[0];
            allPairs += sign * (long) a[1];
            sameSum += sign * s[0];
            samePairs += sign * (long) s[1];
        }
        long differentPairs = allPairs - samePairs;
        return new Similarity(samePairs == 0 ? Double.NaN : sameSum / samePairs,
                differentPairs == 0 ? Double.NaN : (allSum - sameSum) / differentPairs, samePairs, differentPairs);
    }

    /** {Σ u_i·u_j, count} over the unordered pairs whose keys agree at every bit of mask. */
    private static double[] agreeing(List<double[]> units, List<int[]> keys, int mask, int c) {
        Map<List<Integer>, double[]> sums = new HashMap<>(); // class → Σ u (c values), then the count
        for (int i = 0; i < units.size(); i++) {
            List<Integer> cls = new ArrayList<>();
            for (int b = 0; b < keys.get(i).length; b++) {
                if ((mask & (1 << b)) != 0) {
                    cls.add(keys.get(i)[b]);
                }
            }
            double[] sum = sums.computeIfAbsent(cls, x -> new double[c + 1]);
            double[] u = units.get(i);
            for (int j = 0; j < c; j++) {
                sum[j] += u[j];
            }
            sum[c]++;
        }
        double dot = 0;
        double pairs = 0;
        for (double[] sum : sums.values()) {
            double sq = 0;
            for (int j = 0; j < c; j++) {
                sq += sum[j] * sum[j];
            }
            dot += (sq - sum[c]) / 2;
            pairs += sum[c] * (sum[c] - 1) / 2;
        }
        return new double[] {dot, pairs};
    }

    /**
     * Runs the facts of b through the model and reads, at each of the given positions, the residual
     * stream after every effective layer; bridge[i] is fact i's bridge token (−1: unknown, left out).
     */
    static CosineLens of(Transformer model, ReasoningAnalysis.Batch b, int[] bridge, String split,
                         Map<String, Integer> positions) {
        model.setBatch(b.tokens(), b.targets(), 0, b.n());
        model.forward();
        int C = model.config().dModel();
        int layers = model.depth() + 1;
        int T = b.T();
        int[][] tokens = new int[b.n()][]; // [n][question positions]: the tokens a compared pair may not share
        for (int i = 0; i < b.n(); i++) {
            tokens[i] = Arrays.copyOfRange(b.tokens(), i * T, i * T + b.answerPos() + 1);
        }
        Map<String, ByLayer> out = new LinkedHashMap<>();
        Similarity any = null;
        for (Map.Entry<String, Integer> p : positions.entrySet()) {
            double[] same = new double[layers];
            double[] different = new double[layers];
            float[] rows = new float[b.n() * C]; // [n, C]: the position's hidden state of each fact
            for (int l = 0; l < layers; l++) {
                var r = model.residual(l); // every position has a target, so row = i·T + t at every layer
                for (int i = 0; i < b.n(); i++) {
                    System.arraycopy(r.host(), r.offset() + (i * T + p.getValue()) * C, rows, i * C, C);
                }
                Similarity s = similarity(rows, 0, b.n(), C, bridge, tokens);
                same[l] = s.same();
                different[l] = s.different();
                any = s;
            }
            out.put(p.getKey(), new ByLayer(same, different));
        }
        int used = 0;
        Set<Integer> distinct = new HashSet<>();
        for (int v : bridge) {
            if (v >= 0) {
                used++;
                distinct.add(v);
            }
        }
        return new CosineLens(split, used, distinct.size(), any == null ? 0 : any.samePairs(),
                any == null ? 0 : any.differentPairs(), out);
    }

    /** The gap (same − different) per effective layer of each position, for the printed summary. */
    Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("queries", queries);
        m.put("samePairs", samePairs);
        for (Map.Entry<String, ByLayer> e : positions.entrySet()) {
            m.put(e.getKey() + " gap", round(e.getValue().gap()));
        }
        return m;
    }

    private static List<Double> round(double[] v) {
        return Arrays.stream(v).map(x -> Math.round(x * 1000) / 1000.0).boxed().toList();
    }
}
