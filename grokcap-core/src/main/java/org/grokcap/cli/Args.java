package org.grokcap.cli;

import org.grokcap.util.BadInputException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Command-line words: a command, positionals, {@code --name value} options and {@code --flag}s. */
final class Args {
    /** The options without a value, from the table of commands (see {@link Commands}). */
    private static final Set<String> FLAGS = Commands.flags();

    /**
     * Every option of every command: one no command has ("--dryrun") takes no value, so that it is
     * reported as unknown, with a suggestion, rather than as needing a value.
     */
    private static final Set<String> KNOWN = Commands.optionNames();

    /** The options that take the next word as their value only when it is a whole number ("--together 8"). */
    private static final Set<String> OPTIONAL_VALUES = Commands.optionalValues();

    final String command;
    private final List<String> positionals = new ArrayList<>();
    private final Map<String, String> options = new LinkedHashMap<>();

    Args(String[] args) {
        String cmd = null;
        for (int i = 0; i < args.length; i++) {
            String w = args[i].equals("-h") ? "--help" : args[i];
            if (w.startsWith("--")) {
                String name = w;
                String value = null;
                int eq = w.indexOf('=');
                if (eq > 0) {
                    name = w.substring(0, eq);
                    value = w.substring(eq + 1);
                } else if (OPTIONAL_VALUES.contains(w)) {
                    if (i + 1 < args.length && args[i + 1].matches("[0-9]+")) {
                        value = args[++i];
                    }
                } else if (!FLAGS.contains(w) && KNOWN.contains(w)) {
                    if (i + 1 >= args.length) {
                        throw new BadInputException("option " + w + " needs a value");
                    }
                    value = args[++i];
                }
                if (options.containsKey(name)) {
                    throw new BadInputException("option " + name + " given twice");
                }
                options.put(name, value);
            } else if (cmd == null) {
                cmd = w;
            } else {
                positionals.add(w);
            }
        }
        this.command = cmd;
    }

    /** Refuses any option that the command named name ("train", "capacity plan") does not take, per {@link Commands}. */
    void allowFor(String name) {
        Commands.Cmd cmd = Commands.find(name);
        if (cmd == null) {
            throw new IllegalStateException("no command " + name + " in Commands.ALL");
        }
        allow(cmd.optionNames().toArray(String[]::new));
    }

    void allow(String... names) {
        Set<String> ok = new LinkedHashSet<>(List.of(names));
        ok.add("--help");
        for (String n : options.keySet()) {
            if (!ok.contains(n)) {
                throw new BadInputException("unknown option " + n + " for '" + command + "'"
                        + Commands.didYouMean(n, ok, false) + seeHelp());
            }
        }
    }

    /** Where to read more after an error: " (grokcap COMMAND --help lists ...)". */
    String seeHelp() {
        return command == null ? " (grokcap --help lists the commands)"
                : " (grokcap " + command + " --help lists its arguments and options)";
    }

    String positional(int i, String what) {
        if (i >= positionals.size()) {
            throw new BadInputException("missing " + what); // one line, as scripts match it
        }
        return positionals.get(i);
    }

    List<String> positionals() {
        return List.copyOf(positionals);
    }

    void noMorePositionals(int n) {
        if (positionals.size() > n) {
            throw new BadInputException("unexpected argument '" + positionals.get(n) + "'" + seeHelp());
        }
    }

    boolean has(String name) {
        return options.containsKey(name);
    }

    boolean flag(String name) {
        return options.containsKey(name);
    }

    String value(String name) {
        return options.get(name);
    }

    int intValue(String name, int min) {
        String v = options.get(name);
        try {
            int x = Integer.parseInt(v);
            if (x < min) {
                throw new BadInputException(name + " = " + v + ": must be at least " + min);
            }
            return x;
        } catch (NumberFormatException e) {
            throw new BadInputException(name + " = " + v + ": not a whole number");
        }
    }

    /**
     * The most threads --threads accepts: each is a platform thread with its own stack and matrix
     * scratch buffers, so "--threads 100000" must be refused, not exhaust the machine; far more than
     * any machine grokcap runs on has cores.
     */
    static final int MAX_THREADS = 1024;

    /** --threads N, checked to be in [1, {@link #MAX_THREADS}]. */
    int threads() {
        int n = intValue("--threads", 1);
        if (n > MAX_THREADS) {
            throw new BadInputException("--threads = " + n + ": must be at most " + MAX_THREADS + " (this machine has "
                    + Runtime.getRuntime().availableProcessors() + " cores)");
        }
        return n;
    }

    long longValue(String name) {
        String v = options.get(name);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new BadInputException(name + " = " + v + ": not a whole number");
        }
    }
}
