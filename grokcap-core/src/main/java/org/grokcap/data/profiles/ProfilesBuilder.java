package org.grokcap.data.profiles;

import org.apache.commons.rng.UniformRandomProvider;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.util.Rngs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link ProfilesData}: profiles, questions per split, and the packed sequences. Each split's
 * questions are shuffled (stream "profiles.packing.&lt;split&gt;") and packed questionsPerSequence at a
 * time into one sequence, each QA ending in &lt;eos&gt;; every sequence is padded with &lt;pad&gt; to the
 * longest sequence of all splits (T). Targets are set only where the next token is an answer token.
 */
final class ProfilesBuilder {
    private ProfilesBuilder() {}

    static ProfilesData build(ProfilesTaskSpec spec, long seed) {
        ValuePools pools = spec.loadPools();
        Profiles profiles = ProfileGenerator.generate(spec.n(), spec.relations(), spec.relationMode(), pools, seed);
        List<Attribute> attributes = spec.attributeList();
        List<String> subjects = spec.subjects();
        QaTokens tokens = new QaTokens(profiles, pools, attributes);
        QuestionSets sets = new QuestionSets(profiles, attributes.size(), subjects, spec.heldOut(), seed);
        List<Question> oneHop = sets.oneHop();
        double f = spec.twoHopFraction();
        int twoHopCount = (int) Math.round(f / (1 - f) * oneHop.size());
        Map<String, List<Question>> twoHop = sets.twoHop(twoHopCount, f, seed);

        Map<String, List<Question>> questions = new LinkedHashMap<>();
        List<Question> train = new ArrayList<>(oneHop);
        train.addAll(twoHop.get("train"));
        questions.put("train", train);
        twoHop.forEach((split, qs) -> {
            if (!split.equals("train")) {
                questions.put(split, new ArrayList<>(qs));
            }
        });
        Map<String, QaTokens.Encoded[]> encoded = new LinkedHashMap<>();
        int k = spec.questionsPerSequence();
        int T = 0;
        for (Map.Entry<String, List<Question>> e : questions.entrySet()) {
            List<Question> qs = e.getValue();
            shuffle(qs, Rngs.stream(seed, "profiles.packing." + e.getKey()));
            QaTokens.Encoded[] enc = new QaTokens.Encoded[qs.size()];
            for (int i = 0; i < enc.length; i++) {
                enc[i] = tokens.encode(qs.get(i));
            }
            encoded.put(e.getKey(), enc);
            for (int from = 0; from < enc.length; from += k) {
                int len = 0;
                for (int i = from; i < Math.min(enc.length, from + k); i++) {
                    len += enc[i].tokens().length;
                }
                T = Math.max(T, len);
            }
            e.setValue(List.copyOf(qs));
        }
        Map<String, Split> splits = new LinkedHashMap<>();
        Map<String, AnswerSpans> spans = new LinkedHashMap<>();
        for (Map.Entry<String, QaTokens.Encoded[]> e : encoded.entrySet()) {
            pack(e.getKey(), e.getValue(), questions.get(e.getKey()), k, T, tokens, splits, spans);
        }
        List<String> vocabulary = tokens.vocabulary();
        TokenizedDataset dataset = new TokenizedDataset(T, vocabulary, vocabulary.size(), splits, "train");
        return new ProfilesData(spec, pools, profiles, subjects, attributes, questions, dataset, spans);
    }

    private static void pack(String name, QaTokens.Encoded[] enc, List<Question> qs, int k, int T, QaTokens tokens,
                             Map<String, Split> splits, Map<String, AnswerSpans> spans) {
        int sequences = (enc.length + k - 1) / k;
        int[] tok = new int[sequences * T];
        int[] tgt = new int[sequences * T];
        Arrays.fill(tok, tokens.id(QaTokens.PAD));
        Arrays.fill(tgt, -1);
        int n = enc.length;
        int[] seq = new int[n];
        int[] first = new int[n];
        int[] length = new int[n];
        int[] subject = new int[n];
        int[] hops = new int[n];
        int[] person = new int[n];
        int[] relation = new int[n];
        int[] bridge = new int[n];
        for (int i = 0; i < n; i++) {
            int s = i / k;
            int pos = s * T;
            for (int j = s * k; j < i; j++) {
                pos += enc[j].tokens().length;
            }
            QaTokens.Encoded e = enc[i];
            System.arraycopy(e.tokens(), 0, tok, pos, e.tokens().length);
            // The target at position t is the token at t+1: "Answer:" predicts the first answer token.
            int firstTarget = pos + e.answerStart() - 1;
            for (int a = 0; a < e.answerLength(); a++) {
                tgt[firstTarget + a] = e.tokens()[e.answerStart() + a];
            }
            Question q = qs.get(i);
            seq[i] = s;
            first[i] = firstTarget - s * T;
            length[i] = e.answerLength();
            subject[i] = q.subject();
            hops[i] = q.hops();
            person[i] = q.person();
            relation[i] = q.relation();
            bridge[i] = q.relation() < 0 ? -1 : tokens.answered(q);
        }
        splits.put(name, new Split(name, sequences, tok, tgt));
        spans.put(name, new AnswerSpans(seq, first, length, subject, hops, person, relation, bridge));
    }

    private static <T> void shuffle(List<T> list, UniformRandomProvider rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            T tmp = list.get(i);
            list.set(i, list.get(j));
            list.set(j, tmp);
        }
    }
}
