package org.grokcap.data.profiles;

import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads the generated token sequences back as text, independently of the generator's own
 * bookkeeping, and checks answers, spans, the 2-hop fraction and that nothing held out is trained.
 */
class ProfilesQuestionsTest {
    private static final HeldOut ALL_SETS = new HeldOut(0.1, List.of("worst_enemy"), 0.1, 0.1, List.of("employer"),
            0.1, 0.1, 64);

    private static ProfilesTaskSpec spec(RelationMode mode, int n, double twoHop, HeldOut heldOut) {
        return new ProfilesTaskSpec(n, List.of("r4"), mode, null, null, null, twoHop, 3, heldOut);
    }

    /** One QA read back from tokens: person (by name), relation (or null), subject, answer tokens. */
    record Qa(int person, String relation, String subject, List<String> answer, int answerTarget) {}

    /** Every QA of a split, parsed from its token names alone; checks the targets on the way. */
    static List<List<Qa>> parse(ProfilesData data, String split) {
        TokenizedDataset ds = data.dataset();
        List<String> v = ds.vocabulary();
        Split s = ds.split(split);
        int T = ds.contextLength();
        Map<String, Integer> byName = new HashMap<>();
        for (int p = 0; p < data.profiles().n(); p++) {
            byName.put(data.profiles().name(data.pools(), p), p);
        }
        List<List<Qa>> out = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            List<Qa> qas = new ArrayList<>();
            int t = i * T;
            int end = t + T;
            while (t < end && !v.get(s.tokens()[t]).equals(QaTokens.PAD)) {
                assertEquals("Question:", v.get(s.tokens()[t]));
                assertEquals("What", v.get(s.tokens()[t + 1]));
                assertEquals("was", v.get(s.tokens()[t + 2]));
                String name = v.get(s.tokens()[t + 3]) + " " + v.get(s.tokens()[t + 4]) + " " + v.get(s.tokens()[t + 5]);
                assertEquals("'s", v.get(s.tokens()[t + 6]));
                int pos = t + 7;
                String relation = null;
                if (v.get(s.tokens()[pos + 1]).equals("'s")) {
                    relation = v.get(s.tokens()[pos]);
                    pos += 2;
                }
                String subject = v.get(s.tokens()[pos]);
                assertEquals("?", v.get(s.tokens()[pos + 1]));
                assertEquals("Answer:", v.get(s.tokens()[pos + 2]));
                int answerTarget = pos + 2;
                List<String> answer = new ArrayList<>();
                int a = pos + 3;
                while (!v.get(s.tokens()[a]).equals(QaTokens.EOS)) {
                    // the loss reads exactly the answer: position a−1 predicts answer token a
                    assertEquals(s.tokens()[a], s.targets()[a - 1]);
                    answer.add(v.get(s.tokens()[a]));
                    a++;
                }
                assertTrue(s.targets()[a - 1] < 0, "no loss on <eos>");
                for (int x = t; x < answerTarget; x++) {
                    assertTrue(s.targets()[x] < 0, "no loss on question tokens");
                }
                qas.add(new Qa(byName.get(name), relation, subject, answer, answerTarget - i * T));
                t = a + 1;
            }
            for (int x = t; x < end; x++) {
                assertTrue(s.targets()[x] < 0, "no loss on padding");
            }
            out.add(qas);
        }
        return out;
    }

    /** The expected answer, computed from the profiles and pools directly. */
    private static List<String> expected(ProfilesData data, int person, String subject) {
        Profiles p = data.profiles();
        ValuePools pools = data.pools();
        int r = p.relations().indexOf(subject);
        if (r >= 0) {
            return List.of(p.name(pools, p.targets()[r][person]).split(" "));
        }
        return switch (Attribute.of(subject)) {
            case BIRTH_DATE -> List.of(BirthDates.MONTH_NAMES.get(BirthDates.month(p.birthDate()[person]) - 1),
                    Integer.toString(BirthDates.day(p.birthDate()[person])),
                    Integer.toString(BirthDates.year(p.birthDate()[person])));
            case BIRTH_CITY -> List.of(pools.values(Pool.CITY).get(p.city()[person]));
            case UNIVERSITY -> List.of(pools.values(Pool.UNIVERSITY).get(p.university()[person]));
            case EMPLOYER -> List.of(pools.values(Pool.EMPLOYER).get(p.employer()[person]));
        };
    }

    @Test
    void everyAnswerIsRightAndItsSpanIsRecorded() {
        for (RelationMode mode : RelationMode.values()) {
            ProfilesData data = spec(mode, 101, 0.4, ALL_SETS).build(7);
            for (String split : data.dataset().splits().keySet()) {
                List<List<Qa>> seqs = parse(data, split);
                AnswerSpans spans = data.spans().get(split);
                int row = 0;
                for (int i = 0; i < seqs.size(); i++) {
                    for (Qa qa : seqs.get(i)) {
                        int answered = qa.relation() == null ? qa.person()
                                : data.profiles().targets()[data.profiles().relations().indexOf(qa.relation())][qa.person()];
                        assertEquals(expected(data, answered, qa.subject()), qa.answer(), split + " " + qa);
                        assertEquals(i, spans.sequence()[row]);
                        assertEquals(qa.answerTarget(), spans.firstTarget()[row]);
                        assertEquals(qa.answer().size(), spans.length()[row]);
                        assertEquals(qa.subject(), data.subjects().get(spans.subject()[row]));
                        assertEquals(qa.relation() == null ? 1 : 2, spans.hops()[row]);
                        assertEquals(qa.person(), spans.person()[row]);
                        assertEquals(qa.relation() == null ? -1 : answered, spans.bridge()[row]);
                        row++;
                    }
                }
                assertEquals(spans.size(), row, "one span per QA in " + split);
                long targets = java.util.Arrays.stream(data.dataset().split(split).targets()).filter(x -> x >= 0).count();
                assertEquals(java.util.Arrays.stream(spans.length()).sum(), targets, "every target is in a span");
            }
        }
    }

    @Test
    void trainingHasEvery1HopQuestionAndTheAskedFractionOf2Hop() {
        ProfilesData data = spec(RelationMode.UNIFORM, 200, 0.25, HeldOut.none()).build(3);
        List<Qa> train = parse(data, "train").stream().flatMap(List::stream).toList();
        Set<String> oneHop = new HashSet<>();
        long twoHop = 0;
        for (Qa qa : train) {
            if (qa.relation() == null) {
                assertTrue(oneHop.add(qa.person() + "/" + qa.subject()), "1-hop question twice: " + qa);
            } else {
                twoHop++;
            }
        }
        assertEquals(200 * 8, oneHop.size());
        assertEquals(0.25, (double) twoHop / train.size(), 1e-3);
        assertEquals(List.of("train"), List.copyOf(data.dataset().splits().keySet()));
    }

    @Test
    void nothingHeldOutLeaksIntoTraining() {
        for (RelationMode mode : RelationMode.values()) {
            ProfilesData data = spec(mode, 150, 0.5, ALL_SETS).build(21);
            QuestionSets sets = new QuestionSets(data.profiles(), data.attributes().size(), data.subjects(),
                    data.spec().heldOut(), 21);
            List<String> relations = data.profiles().relations();
            Set<String> trained = new HashSet<>();
            for (Qa qa : parse(data, "train").stream().flatMap(List::stream).toList()) {
                if (qa.relation() == null) {
                    continue;
                }
                int r = relations.indexOf(qa.relation());
                assertEquals(0, sets.heldOutMask(qa.person(), r, data.subjects().indexOf(qa.subject())),
                        "held-out 2-hop question trained: " + qa);
                assertNotEquals("worst_enemy", qa.relation());
                assertNotEquals("employer", qa.subject());
                trained.add(qa.person() + "/" + qa.relation() + "/" + qa.subject());
            }
            assertFalse(trained.isEmpty());
            Set<Integer> firstPeopleSeen = new HashSet<>();
            for (String split : QuestionSets.HELD_OUT_SPLITS) {
                int bit = 1 << QuestionSets.HELD_OUT_SPLITS.indexOf(split);
                List<Qa> held = parse(data, split).stream().flatMap(List::stream).toList();
                assertFalse(held.isEmpty(), split);
                for (Qa qa : held) {
                    int r = relations.indexOf(qa.relation());
                    assertEquals(bit, sets.heldOutMask(qa.person(), r, data.subjects().indexOf(qa.subject())),
                            split + " holds a question of another set: " + qa);
                    assertFalse(trained.contains(qa.person() + "/" + qa.relation() + "/" + qa.subject()));
                    if (split.equals("heldout_first_person")) {
                        firstPeopleSeen.add(qa.person());
                    }
                }
            }
            // No held-out first person is the first person of any trained 2-hop question.
            for (String t : trained) {
                assertFalse(firstPeopleSeen.contains(Integer.parseInt(t.split("/")[0])), t);
            }
        }
    }

    @Test
    void sameSeedSameDataOtherSeedOtherData() {
        ProfilesTaskSpec s = spec(RelationMode.BIPARTITE, 60, 0.3, ALL_SETS);
        assertEquals(s.generate(4).hash(), s.generate(4).hash());
        assertNotEquals(s.generate(4).hash(), s.generate(5).hash());
    }
}
