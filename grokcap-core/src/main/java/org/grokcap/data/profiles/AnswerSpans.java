package org.grokcap.data.profiles;

/**
 * Where the answers of one split sit, one row per question, so that per-answer losses can be summed:
 * the answer of row i is predicted at positions {@code firstTarget[i] .. firstTarget[i]+length[i]-1}
 * of sequence {@code sequence[i]} (the target at position t is the token at t+1; position
 * firstTarget is the "Answer:" token). Every target ≥ 0 of a split belongs to exactly one row.
 *
 * @param subject  index into {@link ProfilesData#subjects()}: which attribute or relation is answered
 * @param hops     1 or 2
 * @param person   the profile asked about (p1)
 * @param relation first-hop relation index for 2-hop questions, else -1
 * @param bridge   the second person of a 2-hop question (the profile whose subject is the answer), else -1
 */
public record AnswerSpans(int[] sequence, int[] firstTarget, int[] length, int[] subject, int[] hops, int[] person,
                          int[] relation, int[] bridge) {
    public int size() {
        return sequence.length;
    }
}
