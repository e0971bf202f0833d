package org.grokcap.data;

/**
 * The sequences of one split, contiguous: tokens and targets are both (size, T), and a target &lt; 0
 * marks a position the loss does not read.
 */
public record Split(String name, int size, int[] tokens, int[] targets) {
    public Split {
        if (tokens.length != targets.length || (size > 0 && tokens.length % size != 0)) {
            throw new IllegalArgumentException("split " + name + ": tokens and targets must both be size×T");
        }
    }
}
