package org.grokcap.analysis;

import org.grokcap.model.Transformer;

import java.util.Arrays;
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
 * @param split     the split the queries come from
 * @param queries   queries with a known bridge (those used)
 * @param groups    distinct bridges among them
 * @param samePairs unordered query pairs with the same bridge
 * @param differentPairs unordered query pairs with different bridges
 * @param positions by position name ("1:&lt;r&gt;"): the means per effective layer
 */
public record CosineLens(String split, int queries, int groups, long samePairs, long differentPairs,
                         Map<String, ByLayer> positions) {

    /** Mean cosine similarity per effective layer [0..depth] of same-bridge and of different-bridge pairs. */
    public record ByLayer(double[] same, double[] different, double[] gap) {}

    /**
     * Mean cosine similarity over unordered pairs of rows of x (n rows of c values, row-major) whose
     * groups are equal ({@code same}) and unequal ({@code different}); rows with group &lt; 0 are left
     * out. NaN where there is no such pair.
     */
    public record Similarity(double same, double different, long samePairs, long differentPairs) {}

    /**
     * Computes {@link Similarity} in O(n·c) rather than over every pair: with unit vectors u_i, the sum
     * of u_i·u_j over the pairs of a group is (|Σ u_i|² − n_k)/2, and over all pairs (|Σ_all u_i|² − n)/2;
     * pairs with different bridges are the rest. A zero vector has no direction: an error.
     */
    public static Similarity similarity(float[] x, int offset, int n, int c, int[] group) {
        int maxGroup = -1;
        for (int i = 0; i < n; i++) {
            maxGroup = Math.max(maxGroup, group[i]);
        }
        double[][] sums = new double[maxGroup + 1][c]; // [group][c]: sum of the group's unit vectors
        long[] counts = new long[maxGroup + 1];
        double[] all = new double[c];                  // [c]: sum of every unit vector used
        long used = 0;
        for (int i = 0; i < n; i++) {
            if (group[i] < 0) {
                continue;
            }
            double norm = 0;
            for (int k = 0; k < c; k++) {
                double v = x[offset + i * c + k];
                norm += v * v;
            }
            if (norm == 0) {
                throw new IllegalArgumentException("row " + i + " is a zero vector: its cosine is undefined");
            }
            double inv = 1.0 / Math.sqrt(norm);
            for (int k = 0; k < c; k++) {
                double u = x[offset + i * c + k] * inv;
                sums[group[i]][k] += u;
                all[k] += u;
            }
            counts[group[i]]++;
            used++;
        }
        double sameSum = 0;
        long samePairs = 0;
        for (int g = 0; g <= maxGroup; g++) {
            sameSum += (squaredNorm(sums[g]) - counts[g]) / 2;
            samePairs += counts[g] * (counts[g] - 1) / 2;
        }
        double allSum = (squaredNorm(all) - used) / 2;
        long differentPairs = used * (used - 1) / 2 - samePairs;
        return new Similarity(samePairs == 0 ? Double.NaN : sameSum / samePairs,
                differentPairs == 0 ? Double.NaN : (allSum - sameSum) / differentPairs, samePairs, differentPairs);
    }

    private static double squaredNorm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return s;
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
        Map<String, ByLayer> out = new LinkedHashMap<>();
        Similarity any = null;
        for (Map.Entry<String, Integer> p : positions.entrySet()) {
            double[] same = new double[layers];
            double[] different = new double[layers];
            double[] gap = new double[layers];
            float[] rows = new float[b.n() * C]; // [n, C]: the position's hidden state of each fact
            for (int l = 0; l < layers; l++) {
                var r = model.residual(l); // every position has a target, so row = i·T + t at every layer
                for (int i = 0; i < b.n(); i++) {
                    System.arraycopy(r.host(), r.offset() + (i * T + p.getValue()) * C, rows, i * C, C);
                }
                Similarity s = similarity(rows, 0, b.n(), C, bridge);
                same[l] = s.same();
                different[l] = s.different();
                gap[l] = s.same() - s.different();
                any = s;
            }
            out.put(p.getKey(), new ByLayer(same, different, gap));
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
