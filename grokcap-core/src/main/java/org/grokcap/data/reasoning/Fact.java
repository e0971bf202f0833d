package org.grokcap.data.reasoning;

/**
 * One fact as token ids: the question (e.g. {@code <h><r1><r2>}) and the answer the model must
 * produce after it (e.g. {@code <t></a>}).
 */
public record Fact(int[] input, int[] answer) {
    public Fact {
        if (input.length == 0 || answer.length == 0) {
            throw new IllegalArgumentException("a fact needs a question and an answer");
        }
    }

    /** Positions the fact fills as one sequence: the question, then the answer but its last token. */
    public int length() {
        return input.length + answer.length - 1;
    }

    /** The question and answer as one key, for sets of facts. */
    public String key() {
        return java.util.Arrays.toString(input) + "->" + java.util.Arrays.toString(answer);
    }
}
