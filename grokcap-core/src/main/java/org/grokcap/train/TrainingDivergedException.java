package org.grokcap.train;

/** The loss stopped being a finite number; the message names the step. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
