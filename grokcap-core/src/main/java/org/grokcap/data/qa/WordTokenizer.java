package org.grokcap.data.qa;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into words for a word-level vocabulary: a word is a run of letters, digits and
 * underscores; every other character that is not white space (punctuation, symbols) is a word of its
 * own. With {@code lowercase} letters are lower-cased first (Locale.ROOT), so "Paris" and "paris" are
 * one word. White space (any Unicode white space) only separates. Joining the words with single spaces and splitting again gives
 * the same words, so an answer printed this way reads back as the same tokens.
 *
 * <p>Examples: {@code "Alice's cat, Tom."} gives {@code alice ' s cat , tom .}; a special token typed
 * into the text, such as {@code <q>}, splits into {@code < q >} and so never collides with the
 * vocabulary's special tokens.
 */
public record WordTokenizer(boolean lowercase) {
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}_]+|[^\\p{IsWhite_Space}\\p{L}\\p{N}_]");

    public List<String> words(String text) {
        String t = lowercase ? text.toLowerCase(Locale.ROOT) : text;
        List<String> words = new ArrayList<>();
        Matcher m = WORD.matcher(t);
        while (m.find()) {
            words.add(m.group());
        }
        return words;
    }
}
