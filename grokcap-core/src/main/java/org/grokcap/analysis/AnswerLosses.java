package org.grokcap.analysis;

import org.grokcap.backend.Buf;
import org.grokcap.data.Split;
import org.grokcap.model.Transformer;

/**
 * The model's loss on each answer of a split, in bits: the cross-entropies of the answer's target
 * positions summed (one fact's answer may be several tokens) and divided by ln 2.
 */
public final class AnswerLosses {
    private AnswerLosses() {}

    /**
     * Runs the model over every sequence of the split (forward only, in batches of at most the model's
     * largest batch) and sums each answer's span.
     *
     * @param sequence    per answer: its sequence in the split
     * @param firstTarget per answer: the first position whose target is an answer token
     * @param length      per answer: how many consecutive positions predict its tokens
     * @return per answer: loss in bits
     */
    public static double[] of(Transformer model, Split split, int[] sequence, int[] firstTarget, int[] length) {
        int T = model.config().contextLength();
        int n = split.size();
        double[] perPosition = new double[n * T]; // nats, 0 where there is no target
        boolean[] hasTarget = new boolean[n * T];
        int B = model.maxBatch();
        for (int from = 0; from < n; from += B) {
            int b = Math.min(B, n - from);
            if (!anyTarget(split.targets(), from * T, b * T)) {
                continue;
            }
            model.setBatch(split.tokens(), split.targets(), from, b);
            model.forward();
            Buf losses = model.targetLosses();
            int r = 0;
            for (int i = from * T; i < (from + b) * T; i++) {
                if (split.targets()[i] >= 0) {
                    perPosition[i] = losses.host()[losses.offset() + r++];
                    hasTarget[i] = true;
                }
            }
        }
        double[] bits = new double[sequence.length];
        double ln2 = Math.log(2.0);
        for (int a = 0; a < sequence.length; a++) {
            if (sequence[a] < 0 || sequence[a] >= n || length[a] < 1 || firstTarget[a] < 0
                    || firstTarget[a] + length[a] > T) {
                throw new IllegalArgumentException("answer " + a + " (sequence " + sequence[a] + ", positions "
                        + firstTarget[a] + "+" + length[a] + ") lies outside the split's " + n + "×" + T + " grid");
            }
            double sum = 0;
            for (int t = firstTarget[a]; t < firstTarget[a] + length[a]; t++) {
                int i = sequence[a] * T + t;
                if (!hasTarget[i]) {
                    throw new IllegalArgumentException("answer " + a + " covers position " + t + " of sequence "
                            + sequence[a] + ", which has no target");
                }
                sum += perPosition[i];
            }
            bits[a] = sum / ln2;
        }
        return bits;
    }

    private static boolean anyTarget(int[] targets, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (targets[i] >= 0) {
                return true;
            }
        }
        return false;
    }
}
