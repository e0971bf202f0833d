package org.grokcap.data.qa;

import org.grokcap.util.BadInputException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The word vocabulary of a question–answer task and the layout of its sequences. Ids 0..4 are the
 * special tokens, then every word in the order it first appears in the data file:
 * <pre>
 *   context words  &lt;q&gt;  question words  &lt;a&gt;  answer words  &lt;/a&gt;  &lt;pad&gt; ...
 *   └──────────────── prompt ──────────────┘
 * </pre>
 * The loss reads only the answer: the position of {@code <a>} predicts the first answer word, each
 * answer word predicts the next one, and the last predicts {@code </a>}. Words the vocabulary lacks
 * (in questions asked later) read as {@code <unk>}.
 */
public final class QaVocabulary {
    public static final String PAD = "<pad>";
    public static final String UNK = "<unk>";
    public static final String QUESTION = "<q>";
    public static final String ANSWER = "<a>";
    public static final String END = "</a>";
    public static final List<String> SPECIAL = List.of(PAD, UNK, QUESTION, ANSWER, END);
    public static final int PAD_ID = 0;
    public static final int UNK_ID = 1;
    public static final int QUESTION_ID = 2;
    public static final int ANSWER_ID = 3;
    public static final int END_ID = 4;

    private final List<String> tokens;
    private final Map<String, Integer> ids = new HashMap<>();

    private QaVocabulary(List<String> tokens) {
        this.tokens = List.copyOf(tokens);
        for (int i = 0; i < this.tokens.size(); i++) {
            if (ids.putIfAbsent(this.tokens.get(i), i) != null) {
                throw new BadInputException("vocabulary lists '" + this.tokens.get(i) + "' twice");
            }
        }
    }

    /** The special tokens, then the words of these word lists in order of first appearance. */
    public static QaVocabulary build(Iterable<List<String>> wordLists) {
        Set<String> words = new LinkedHashSet<>(SPECIAL);
        for (List<String> list : wordLists) {
            words.addAll(list);
        }
        return new QaVocabulary(new ArrayList<>(words));
    }

    /** A stored vocabulary (token names by id); it must start with the special tokens. */
    public static QaVocabulary of(List<String> tokens) {
        if (tokens.size() < SPECIAL.size() || !tokens.subList(0, SPECIAL.size()).equals(SPECIAL)) {
            throw new BadInputException("not a question–answer vocabulary: it must start with " + SPECIAL);
        }
        return new QaVocabulary(tokens);
    }

    public List<String> tokens() {
        return tokens;
    }

    public int size() {
        return tokens.size();
    }

    public boolean contains(String word) {
        return ids.containsKey(word);
    }

    /** The word's id, or {@link #UNK_ID} when the vocabulary lacks it. */
    public int id(String word) {
        return ids.getOrDefault(word, UNK_ID);
    }

    public String name(int id) {
        return tokens.get(id);
    }

    /** context {@code <q>} question {@code <a>}: what the model reads before the answer. */
    public int[] prompt(List<String> context, List<String> question) {
        int[] p = new int[context.size() + question.size() + 2];
        int k = 0;
        for (String w : context) {
            p[k++] = id(w);
        }
        p[k++] = QUESTION_ID;
        for (String w : question) {
            p[k++] = id(w);
        }
        p[k] = ANSWER_ID;
        return p;
    }

    /** Positions a row takes: its prompt, the answer and {@code </a>}. */
    public static int length(int contextWords, int questionWords, int answerWords) {
        return contextWords + questionWords + answerWords + 3;
    }
}
