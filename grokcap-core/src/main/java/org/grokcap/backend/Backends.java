package org.grokcap.backend;

import org.grokcap.util.BadInputException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** Finds backends and picks one: the name asked for, then -Dgrokcap.backend, then GROKCAP_BACKEND, then the best available. */
public final class Backends {
    private Backends() {}

    /** Every backend on the class path, best first. */
    public static List<Backend> all() {
        List<Backend> list = new ArrayList<>();
        ServiceLoader.load(Backend.class).forEach(list::add);
        list.sort(Comparator.comparingInt(Backend::rank).reversed().thenComparing(Backend::name));
        return list;
    }

    /**
     * The backend to use.
     *
     * @param requested a name given on the command line or by the API, or null
     */
    public static Backend choose(String requested) {
        String name = firstNonBlank(requested, System.getProperty("grokcap.backend"), System.getenv("GROKCAP_BACKEND"));
        List<Backend> all = all();
        if (name != null) {
            for (Backend b : all) {
                if (b.name().equals(name)) {
                    Backend.Availability a = b.availability();
                    if (!a.available()) {
                        throw new BadInputException("backend '" + name + "' is unavailable: " + a.reason());
                    }
                    return b;
                }
            }
            if (name.equals("tornado")) {
                throw new BadInputException("backend 'tornado' is unavailable: " + TornadoSdk.missingReason(System.getenv()));
            }
            throw new BadInputException("unknown backend '" + name + "'; available: "
                    + all.stream().map(Backend::name).collect(Collectors.joining(", ")));
        }
        return all.stream().filter(b -> b.availability().available()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no backend available"));
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }
}
