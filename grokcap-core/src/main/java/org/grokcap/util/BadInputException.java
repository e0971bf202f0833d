package org.grokcap.util;

/**
 * Input the user can fix: a usage mistake, a bad config, a missing or unwritable file. The command
 * line turns it into one line on stderr and exit code 2; everything else is exit code 1.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
