package org.grokcap.io;

import java.io.IOException;

/** A consumer that may throw {@link IOException}, so that writing code can be passed as a lambda. */
@FunctionalInterface
public interface IoConsumer<T> {
    void accept(T t) throws IOException;
}
