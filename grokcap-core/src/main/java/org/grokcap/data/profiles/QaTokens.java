package org.grokcap.data.profiles;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The vocabulary of the profiles task and the tokens of each question and answer. Word-level: every
 * name part (first, middle, last), every city, university and employer is ONE token (a university such
 * as "University of Geandreas" is a single token), a birth date is three tokens (month name, day
 * 1..28, year), and each attribute and relation name is one token. A QA is
 * <pre>
 *   Question: What was F M L 's [relation 's] subject ? Answer: a1 [a2 a3] &lt;eos&gt;
 * </pre>
 * so an answer is 1 token (city, university, employer) or 3 (a birth date; a person's name, the
 * answer to a relation). Token ids: {@code <pad>} = 0, {@code <eos>} = 1, then the task's own words,
 * the subjects, the dates, and the values that occur in the profiles, in pool order (first, middle,
 * last, city, university, employer); a string that occurs in two pools is one token.
 */
public final class QaTokens {
    public static final String PAD = "<pad>";
    public static final String EOS = "<eos>";
    public static final String QUESTION = "Question:";
    public static final String WHAT = "What";
    public static final String WAS = "was";
    public static final String POSSESSIVE = "'s";
    public static final String QUESTION_MARK = "?";
    public static final String ANSWER = "Answer:";
    static final List<String> WORDS = List.of(PAD, EOS, QUESTION, WHAT, WAS, POSSESSIVE, QUESTION_MARK, ANSWER);

    private final List<String> vocabulary = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();
    private final Profiles profiles;
    private final List<Attribute> attributes;
    private final int[][] poolTokens = new int[Pool.values().length][];
    private final int[] subjectTokens;
    private final int[] monthTokens = new int[BirthDates.MONTHS];
    private final int[] dayTokens = new int[BirthDates.DAYS];
    private final int[] yearTokens = new int[BirthDates.YEARS];

    /** The words no pool value may equal: the task's own words, subject names and date tokens. */
    public static Set<String> reserved(List<String> subjects) {
        Set<String> r = new LinkedHashSet<>(WORDS);
        r.addAll(subjects);
        r.addAll(BirthDates.MONTH_NAMES);
        for (int d = 1; d <= BirthDates.DAYS; d++) {
            r.add(Integer.toString(d));
        }
        for (int y = 0; y < BirthDates.YEARS; y++) {
            r.add(Integer.toString(BirthDates.FIRST_YEAR + y));
        }
        return r;
    }

    QaTokens(Profiles profiles, ValuePools pools, List<Attribute> attributes) {
        this.profiles = profiles;
        this.attributes = List.copyOf(attributes);
        WORDS.forEach(this::add);
        List<String> subjects = subjects(attributes, profiles.relations());
        subjectTokens = subjects.stream().mapToInt(this::add).toArray();
        for (int m = 0; m < BirthDates.MONTHS; m++) {
            monthTokens[m] = add(BirthDates.MONTH_NAMES.get(m));
        }
        for (int d = 0; d < BirthDates.DAYS; d++) {
            dayTokens[d] = add(Integer.toString(d + 1));
        }
        for (int y = 0; y < BirthDates.YEARS; y++) {
            yearTokens[y] = add(Integer.toString(BirthDates.FIRST_YEAR + y));
        }
        addUsed(pools, Pool.FIRST, profiles.first());
        addUsed(pools, Pool.MIDDLE, profiles.middle());
        addUsed(pools, Pool.LAST, profiles.last());
        addUsed(pools, Pool.CITY, attributes.contains(Attribute.BIRTH_CITY) ? profiles.city() : new int[0]);
        addUsed(pools, Pool.UNIVERSITY, attributes.contains(Attribute.UNIVERSITY) ? profiles.university() : new int[0]);
        addUsed(pools, Pool.EMPLOYER, attributes.contains(Attribute.EMPLOYER) ? profiles.employer() : new int[0]);
    }

    /** Attribute names, then relation names: the order of subject indices. */
    public static List<String> subjects(List<Attribute> attributes, List<String> relations) {
        List<String> s = new ArrayList<>();
        attributes.forEach(a -> s.add(a.key()));
        s.addAll(relations);
        return s;
    }

    private int add(String token) {
        return ids.computeIfAbsent(token, t -> {
            vocabulary.add(t);
            return vocabulary.size() - 1;
        });
    }

    /** Tokens for the pool values that occur, in pool order (so ids do not depend on profile order). */
    private void addUsed(ValuePools pools, Pool pool, int[] used) {
        List<String> values = pools.values(pool);
        boolean[] occurs = new boolean[values.size()];
        for (int v : used) {
            occurs[v] = true;
        }
        int[] tokens = new int[values.size()];
        Arrays.fill(tokens, -1);
        for (int v = 0; v < values.size(); v++) {
            if (occurs[v]) {
                tokens[v] = add(values.get(v));
            }
        }
        poolTokens[pool.ordinal()] = tokens;
    }

    public List<String> vocabulary() {
        return List.copyOf(vocabulary);
    }

    public int id(String token) {
        Integer id = ids.get(token);
        if (id == null) {
            throw new IllegalArgumentException("no token '" + token + "'");
        }
        return id;
    }

    /** The three tokens of profile p's name. */
    int[] name(int p) {
        return new int[]{poolTokens[Pool.FIRST.ordinal()][profiles.first()[p]],
                poolTokens[Pool.MIDDLE.ordinal()][profiles.middle()[p]],
                poolTokens[Pool.LAST.ordinal()][profiles.last()[p]]};
    }

    /** The answer tokens for subject s of profile p, or null when p has no such relation. */
    int[] answer(int p, int s) {
        int a = attributes.size();
        if (s >= a) {
            int target = profiles.targets()[s - a][p];
            return target < 0 ? null : name(target);
        }
        return switch (attributes.get(s)) {
            case BIRTH_DATE -> {
                int d = profiles.birthDate()[p];
                yield new int[]{monthTokens[BirthDates.month(d) - 1], dayTokens[BirthDates.day(d) - 1],
                        yearTokens[BirthDates.year(d) - BirthDates.FIRST_YEAR]};
            }
            case BIRTH_CITY -> new int[]{poolTokens[Pool.CITY.ordinal()][profiles.city()[p]]};
            case UNIVERSITY -> new int[]{poolTokens[Pool.UNIVERSITY.ordinal()][profiles.university()[p]]};
            case EMPLOYER -> new int[]{poolTokens[Pool.EMPLOYER.ordinal()][profiles.employer()[p]]};
        };
    }

    /** The answer's profile: the bridge of a 2-hop question, or p itself. */
    int answered(Question q) {
        return q.relation() < 0 ? q.person() : profiles.targets()[q.relation()][q.person()];
    }

    /** The QA's tokens, ending in &lt;eos&gt;; the answer starts right after the "Answer:" token. */
    Encoded encode(Question q) {
        int[] answer = answer(answered(q), q.subject());
        int[] name = name(q.person());
        int n = 3 + 3 + 1 + (q.relation() < 0 ? 0 : 2) + 1 + 1 + 1 + answer.length + 1;
        int[] t = new int[n];
        int i = 0;
        t[i++] = id(QUESTION);
        t[i++] = id(WHAT);
        t[i++] = id(WAS);
        for (int x : name) {
            t[i++] = x;
        }
        t[i++] = id(POSSESSIVE);
        if (q.relation() >= 0) {
            t[i++] = subjectTokens[attributes.size() + q.relation()];
            t[i++] = id(POSSESSIVE);
        }
        t[i++] = subjectTokens[q.subject()];
        t[i++] = id(QUESTION_MARK);
        t[i++] = id(ANSWER);
        int start = i;
        for (int x : answer) {
            t[i++] = x;
        }
        t[i] = id(EOS);
        return new Encoded(t, start, answer.length);
    }

    /** An encoded QA: its tokens (ending in &lt;eos&gt;) and where its answer lies. */
    record Encoded(int[] tokens, int answerStart, int answerLength) {}
}
