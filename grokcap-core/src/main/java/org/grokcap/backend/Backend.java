package org.grokcap.backend;

/**
 * A provider of {@link Device}s, found with {@link java.util.ServiceLoader} (the DJL pattern): list
 * an implementation in {@code META-INF/services/org.grokcap.backend.Backend}.
 */
public interface Backend {

    /** Whether this backend can run here, and if not, why not. */
    record Availability(boolean available, String reason) {
        public static Availability yes(String detail) {
            return new Availability(true, detail);
        }

        public static Availability no(String reason) {
            return new Availability(false, reason);
        }
    }

    /** The name users pick it by: {@code --backend NAME}, {@code -Dgrokcap.backend}, {@code GROKCAP_BACKEND}. */
    String name();

    /** Higher ranks are preferred when the user names none. */
    int rank();

    Availability availability();

    /** A device using up to threads threads (0: all cores). */
    Device create(int threads);
}
