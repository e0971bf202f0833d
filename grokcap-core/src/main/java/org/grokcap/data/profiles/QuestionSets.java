package org.grokcap.data.profiles;

import org.apache.commons.rng.UniformRandomProvider;
import org.grokcap.config.ConfigException;
import org.grokcap.util.Rngs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which questions go where. Training: every 1-hop question (each profile × each subject it has) and
 * round(f/(1−f) · #1-hop) 2-hop questions, f = twoHopFraction, drawn uniformly without replacement
 * from the 2-hop questions that match no held-out set. Each held-out split: up to questionsPerSplit
 * 2-hop questions drawn uniformly from those that match its own held-out set and no other one, so each
 * split tests one kind of novelty alone.
 */
public final class QuestionSets {
    /** The held-out splits, in report order. */
    public static final List<String> HELD_OUT_SPLITS = List.of("heldout_first_person", "heldout_relation",
            "heldout_person_relation", "heldout_second_person", "heldout_second_attribute",
            "heldout_second_person_attribute", "heldout_tuple");

    private final Profiles profiles;
    private final int attributes;
    private final int subjects;
    private final int relations;
    private final HeldOut spec;
    private final boolean[] firstPeople;
    private final boolean[] heldRelations;
    private final boolean[] secondPeople;
    private final boolean[] secondAttributes;
    private final long pairSalt;
    private final long secondPairSalt;
    private final long tupleSalt;

    /**
     * @param subjectNames attribute names, then relation names
     */
    QuestionSets(Profiles profiles, int attributes, List<String> subjectNames, HeldOut spec, long seed) {
        this.profiles = profiles;
        this.attributes = attributes;
        this.subjects = subjectNames.size();
        this.relations = profiles.relations().size();
        this.spec = spec;
        int n = profiles.n();
        this.firstPeople = choosePeople(n, spec.firstPeople(), Rngs.stream(seed, "profiles.heldout.firstPeople"));
        this.secondPeople = choosePeople(n, spec.secondPeople(), Rngs.stream(seed, "profiles.heldout.secondPeople"));
        this.heldRelations = new boolean[relations];
        spec.relations().forEach(r -> heldRelations[profiles.relations().indexOf(r)] = true);
        this.secondAttributes = new boolean[subjects];
        spec.secondAttributes().forEach(a -> secondAttributes[subjectNames.indexOf(a)] = true);
        UniformRandomProvider salts = Rngs.stream(seed, "profiles.heldout.salts");
        this.pairSalt = salts.nextLong();
        this.secondPairSalt = salts.nextLong();
        this.tupleSalt = salts.nextLong();
    }

    private static boolean[] choosePeople(int n, double fraction, UniformRandomProvider rng) {
        boolean[] held = new boolean[n];
        int count = (int) Math.round(fraction * n);
        int[] order = ProfileGenerator.shuffled(rng, n);
        for (int i = 0; i < count; i++) {
            held[order[i]] = true;
        }
        return held;
    }

    /** The bridge of (p1, r), or -1 when p1 has no such relation. */
    int bridge(int p1, int r) {
        return profiles.targets()[r][p1];
    }

    /** Whether profile p has an answer for subject s (a relation may be missing in bipartite mode). */
    boolean answerable(int p, int s) {
        return s < attributes || profiles.targets()[s - attributes][p] >= 0;
    }

    /**
     * Bit k set when the 2-hop question (p1, r, s) matches held-out set k (order of
     * {@link #HELD_OUT_SPLITS}); 0 for a question that may be trained.
     */
    public int heldOutMask(int p1, int r, int s) {
        int p2 = bridge(p1, r);
        int mask = 0;
        if (firstPeople[p1]) {
            mask |= 1;
        }
        if (heldRelations[r]) {
            mask |= 1 << 1;
        }
        if (spec.personRelationPairs() > 0 && chosen(pairSalt, (long) p1 * relations + r, spec.personRelationPairs())) {
            mask |= 1 << 2;
        }
        if (secondPeople[p2]) {
            mask |= 1 << 3;
        }
        if (secondAttributes[s]) {
            mask |= 1 << 4;
        }
        if (spec.secondPersonAttributePairs() > 0
                && chosen(secondPairSalt, (long) p2 * subjects + s, spec.secondPersonAttributePairs())) {
            mask |= 1 << 5;
        }
        if (spec.tuples() > 0 && chosen(tupleSalt, ((long) p1 * relations + r) * subjects + s, spec.tuples())) {
            mask |= 1 << 6;
        }
        return mask;
    }

    /** Whether held-out set k (order of {@link #HELD_OUT_SPLITS}) is configured, i.e. can hold questions. */
    boolean configured(int k) {
        return switch (k) {
            case 0 -> spec.firstPeople() > 0;
            case 1 -> !spec.relations().isEmpty();
            case 2 -> spec.personRelationPairs() > 0;
            case 3 -> spec.secondPeople() > 0;
            case 4 -> !spec.secondAttributes().isEmpty();
            case 5 -> spec.secondPersonAttributePairs() > 0;
            default -> spec.tuples() > 0;
        };
    }

    /** A seeded hash of key in [0, 1) below fraction: each key held out independently. */
    private static boolean chosen(long salt, long key, double fraction) {
        long z = salt ^ (key * 0x9e3779b97f4a7c15L);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53 < fraction;
    }

    /** Every 1-hop question, profile by profile, subject by subject. */
    List<Question> oneHop() {
        List<Question> out = new ArrayList<>();
        for (int p = 0; p < profiles.n(); p++) {
            for (int s = 0; s < subjects; s++) {
                if (answerable(p, s)) {
                    out.add(new Question(p, -1, s));
                }
            }
        }
        return out;
    }

    /**
     * One pass over every answerable 2-hop question: reservoir samples of twoHop trainable questions and
     * of the held-out splits. Returns "train" (the 2-hop training questions) and each configured held-out
     * split, in the order of {@link #HELD_OUT_SPLITS}.
     */
    Map<String, List<Question>> twoHop(int twoHopCount, double twoHopFraction, long seed) {
        int k = HELD_OUT_SPLITS.size();
        Reservoir train = new Reservoir(twoHopCount, Rngs.stream(seed, "profiles.questions.twoHop"));
        Reservoir[] held = new Reservoir[k];
        for (int i = 0; i < k; i++) {
            held[i] = configured(i) ? new Reservoir(spec.questionsPerSplit(),
                    Rngs.stream(seed, "profiles.questions." + HELD_OUT_SPLITS.get(i))) : null;
        }
        for (int p1 = 0; p1 < profiles.n(); p1++) {
            for (int r = 0; r < relations; r++) {
                int p2 = bridge(p1, r);
                if (p2 < 0) {
                    continue;
                }
                for (int s = 0; s < subjects; s++) {
                    if (!answerable(p2, s)) {
                        continue;
                    }
                    int mask = heldOutMask(p1, r, s);
                    if (mask == 0) {
                        train.offer(p1, r, s);
                    } else if (Integer.bitCount(mask) == 1) {
                        held[Integer.numberOfTrailingZeros(mask)].offer(p1, r, s);
                    }
                }
            }
        }
        if (train.seen < twoHopCount) {
            throw new ConfigException("twoHopFraction", twoHopFraction, "asks for " + twoHopCount + " 2-hop training questions, "
                    + "but only " + train.seen + " 2-hop questions are outside the held-out sets");
        }
        Map<String, List<Question>> out = new LinkedHashMap<>();
        out.put("train", train.questions());
        for (int i = 0; i < k; i++) {
            if (held[i] != null) {
                if (held[i].seen == 0) {
                    throw new ConfigException("heldOut: no 2-hop question matches only the held-out set of "
                            + HELD_OUT_SPLITS.get(i) + "; enlarge that set or the dataset");
                }
                out.put(HELD_OUT_SPLITS.get(i), held[i].questions());
            }
        }
        return out;
    }

    /** Algorithm R: a uniform sample of up to capacity items from a stream, in one pass. */
    private static final class Reservoir {
        final int[] p;
        final int[] r;
        final int[] s;
        final UniformRandomProvider rng;
        long seen;

        Reservoir(int capacity, UniformRandomProvider rng) {
            p = new int[capacity];
            r = new int[capacity];
            s = new int[capacity];
            this.rng = rng;
        }

        void offer(int person, int relation, int subject) {
            int slot;
            if (seen < p.length) {
                slot = (int) seen;
            } else {
                long j = rng.nextLong(seen + 1);
                slot = j < p.length ? (int) j : -1;
            }
            seen++;
            if (slot >= 0) {
                p[slot] = person;
                r[slot] = relation;
                s[slot] = subject;
            }
        }

        List<Question> questions() {
            int n = (int) Math.min(seen, p.length);
            List<Question> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(new Question(p[i], r[i], s[i]));
            }
            return out;
        }
    }
}
