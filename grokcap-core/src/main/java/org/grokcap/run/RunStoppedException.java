package org.grokcap.run;

import org.grokcap.Grokcap;

/**
 * A run stopped on request (SIGTERM or SIGINT, see {@link Grokcap#requestStop}) at a step boundary,
 * after writing a checkpoint: nothing is lost, and the message says how to continue.
 */
public class RunStoppedException extends RuntimeException {
    public RunStoppedException(String message) {
        super(message);
    }
}
