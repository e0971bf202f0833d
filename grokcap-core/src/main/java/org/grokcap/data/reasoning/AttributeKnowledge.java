package org.grokcap.data.reasoning;

import org.apache.commons.rng.UniformRandomProvider;

import java.util.ArrayList;
import java.util.List;

/**
 * The knowledge base of the comparison tasks: entity e has value values[a][e] in 0..V-1 for attribute a,
 * and per attribute the entities are split into ID and OOD (redrawn per attribute).
 *
 * <p>Tokens, in this order: the labels {@code <aK:lt> <aK:eq> <aK:gt>} of every attribute K, {@code </a>},
 * the values {@code <vN>} (these are the answer tokens), then the entities {@code <eN>}, the attributes
 * {@code <aK>}, {@code <q>}, {@code <mask>} and {@code <pad>}.
 */
final class AttributeKnowledge {
    static final int LT = 0;
    static final int EQ = 1;
    static final int GT = 2;
    static final String[] LABELS = {"lt", "eq", "gt"};

    final int entities;
    final int attributes;
    final int valueCount;
    final int[][] values;
    final boolean[][] ood;
    private final int end;
    private final int value0;
    private final int entity0;
    private final int attr0;
    private final int q;
    private final int mask;

    AttributeKnowledge(int entities, int attributes, int valueCount, double oodFraction, UniformRandomProvider rng) {
        this.entities = entities;
        this.attributes = attributes;
        this.valueCount = valueCount;
        this.values = new int[attributes][entities];
        this.ood = new boolean[attributes][entities];
        int nOod = (int) Math.round(oodFraction * entities);
        int[] perm = new int[entities];
        for (int a = 0; a < attributes; a++) {
            for (int e = 0; e < entities; e++) {
                values[a][e] = rng.nextInt(valueCount);
                perm[e] = e;
            }
            ReasoningData.shuffle(perm, entities, rng);
            for (int i = 0; i < nOod; i++) {
                ood[a][perm[i]] = true;
            }
        }
        this.end = 3 * attributes;
        this.value0 = end + 1;
        this.entity0 = value0 + valueCount;
        this.attr0 = entity0 + entities;
        this.q = attr0 + attributes;
        this.mask = q + 1;
    }

    List<String> vocabulary() {
        List<String> v = new ArrayList<>();
        for (int a = 0; a < attributes; a++) {
            for (String l : LABELS) {
                v.add("<a" + a + ":" + l + ">");
            }
        }
        v.add(ReasoningData.END);
        v.addAll(ReasoningData.tokens("v", valueCount));
        v.addAll(ReasoningData.tokens("e", entities));
        v.addAll(ReasoningData.tokens("a", attributes));
        v.add("<q>");
        v.add("<mask>");
        v.add(ReasoningData.PAD);
        return v;
    }

    /** Answer tokens: the labels, {@code </a>} and the values. */
    int outputVocab() {
        return value0 + valueCount;
    }

    /** {@code <e><attr> → <v></a>}. */
    Fact atomic(int a, int e) {
        return new Fact(new int[]{entity0 + e, attr0 + a}, new int[]{value0 + values[a][e], end});
    }

    /** LT, EQ or GT: how e1's value compares with e2's. */
    int label(int a, int e1, int e2) {
        return Integer.compare(values[a][e1], values[a][e2]) + 1;
    }

    /** {@code <attr><q><e1><mask><e2> → <label></a>}. */
    Fact comparison(int a, int e1, int e2) {
        return new Fact(new int[]{attr0 + a, q, entity0 + e1, mask, entity0 + e2},
                new int[]{3 * a + label(a, e1, e2), end});
    }

    /** (a, e1, e2) as one long, for large sets of comparisons. */
    long code(int a, int e1, int e2) {
        return ((long) a * entities + e1) * entities + e2;
    }

    Fact comparison(long code) {
        int e2 = (int) (code % entities);
        long rest = code / entities;
        return comparison((int) (rest / entities), (int) (rest % entities), e2);
    }

    /** The attribute, first and second entity of a comparison fact (inverse of {@link #comparison}). */
    int[] decode(Fact f) {
        return new int[]{f.input()[0] - attr0, f.input()[2] - entity0, f.input()[4] - entity0};
    }

    /** Up to max codes, shuffled with rng, as facts. */
    List<Fact> sample(long[] codes, int n, int max, UniformRandomProvider rng) {
        ReasoningData.shuffle(codes, n, rng);
        int k = Math.min(n, max);
        List<Fact> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            out.add(comparison(codes[i]));
        }
        return out;
    }

    /** A growable long array. */
    static final class Codes {
        long[] a = new long[16];
        int n;

        void add(long v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = v;
        }
    }
}
