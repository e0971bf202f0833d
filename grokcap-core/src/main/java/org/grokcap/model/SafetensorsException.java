package org.grokcap.model;

import java.nio.file.Path;

/** A safetensors file that cannot be used. The message is one line: the file, then the problem. */
public final class SafetensorsException extends java.io.IOException {
    public SafetensorsException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public SafetensorsException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
