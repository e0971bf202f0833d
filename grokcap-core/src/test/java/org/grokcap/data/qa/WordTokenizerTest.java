package org.grokcap.data.qa;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WordTokenizerTest {

    @Test
    void splitsWordsAndPunctuation() {
        assertEquals(List.of("alice", "'", "s", "cat", ",", "tom", ".", "<", "q", ">", "x_1", "42"),
                new WordTokenizer(true).words("  Alice's cat,\tTom. <q> x_1 42\n"));
        assertEquals(List.of("Élan", "ÉTÉ", "?"), new WordTokenizer(false).words("Élan ÉTÉ?"));
        assertEquals(List.of("élan", "été", "?"), new WordTokenizer(true).words("Élan ÉTÉ?"));
    }

    /** Words joined by spaces read back as the same words, and ids read back as the same words. */
    @Property(tries = 300)
    void joiningWordsAndEncodingThemRoundTrips(@ForAll String text, @ForAll boolean lowercase) {
        WordTokenizer tok = new WordTokenizer(lowercase);
        List<String> words = tok.words(text);
        assertEquals(words, tok.words(String.join(" ", words)));
        QaVocabulary vocab = QaVocabulary.build(List.of(words));
        int[] prompt = vocab.prompt(words, List.of());
        for (int i = 0; i < words.size(); i++) {
            assertEquals(words.get(i), vocab.name(prompt[i]));
        }
        assertEquals(vocab.tokens(), QaVocabulary.of(vocab.tokens()).tokens());
    }
}
