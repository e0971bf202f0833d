package org.grokcap.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The one table of grokcap's commands and their options: {@link Args} checks the options a command
 * takes against it, and the general usage, each command's {@code --help} and the "did you mean"
 * suggestions are all made from it.
 * <p>
 * Why not picocli: the command line's contract (exit 2 with one line on stderr that starts with the
 * messages scripts and tests match, such as "unknown option --ms for 'bench'" or "option --seed given
 * twice"; {@code --name=value}; a value that may start with "-"; the final JSON line on stdout) is
 * the hand-written parser's, and the commands read their options through it. picocli's parser words
 * and orders these errors its own way, so a conversion would change what users and the Maven plugin
 * see for no gain in what grokcap accepts. What users missed (per-command help, {@code -h},
 * {@code --version}, suggestions) needs only a table of the commands, this class, and no dependency.
 */
final class Commands {
    private Commands() {}

    /** An option: its name, the label of its value (null for a flag) and what it does. */
    record Opt(String name, String label, String help) {
        boolean flag() {
            return label == null;
        }

        /** An option whose value may be left out ("--together" or "--together 8"): its label is in brackets. */
        boolean optionalValue() {
            return label != null && label.startsWith("[");
        }

        String shown() {
            return label == null ? name : name + " " + label;
        }
    }

    /** A positional argument and what it is. */
    record Arg(String label, String help) {}

    /**
     * A command: its name (two words for a sub-command, "capacity plan"), its usage lines, what it
     * does, its arguments and its options (besides the common ones, {@link #COMMON}).
     */
    record Cmd(String name, List<String> synopsis, String summary, List<Arg> args, List<Opt> opts) {
        /** The names of the options this command accepts, the common ones included. */
        Set<String> optionNames() {
            Set<String> names = new LinkedHashSet<>();
            opts.forEach(o -> names.add(o.name()));
            COMMON.forEach(o -> names.add(o.name()));
            return names;
        }
    }

    private static Opt opt(String name, String label, String help) {
        return new Opt(name, label, help);
    }

    private static Opt flag(String name, String help) {
        return new Opt(name, null, help);
    }

    private static Arg arg(String label, String help) {
        return new Arg(label, help);
    }

    private static final String BACKEND_HELP = "the backend: cpu (default, fastest) or reference (scalar, one thread), "
            + "tornado where installed; grokcap info lists them";
    /** The encoding- and selection-scheme options that capacity entropy, plan and of share. */
    private static final Opt SCHEME = opt("--scheme", "S", "the encoding scheme: optimal (default), two-hop-big-hash, two-hop-double");
    private static final Opt SELECTION = opt("--selection", "T", "the selection scheme: optimal (default), enumerate, independent");

    /** The options every command takes. */
    static final List<Opt> COMMON = List.of(
            flag("--debug", "print the stack trace of an error as well"),
            flag("--help", "print this help and exit"));

    /** Every command, in the order of the general usage. */
    static final List<Cmd> ALL = List.of(
            new Cmd("train", List.of(
                    "train CONFIG [--out DIR] [--steps N] [--max-steps N] [--seed S] [--backend B] [--threads N]",
                    "      [--checkpoint-every N] [--analysis-every N] [--quiet]",
                    "train --resume RUN_DIR [--steps N] [--backend B] [--threads N] [--checkpoint-every N] [--quiet]"),
                    "Trains the experiment CONFIG describes into a run directory, or continues a stopped run "
                            + "exactly where it stopped. Ends with the result as one JSON line.",
                    List.of(arg("CONFIG", "an experiment config, JSON or YAML (the extension may be left out)")),
                    List.of(opt("--out", "DIR", "the run directory; new, empty or a run's own (default runs/<name>-<time>)"),
                            opt("--resume", "RUN_DIR", "continue the stopped run in RUN_DIR from its newest checkpoint, "
                                    + "bit for bit as if it had never stopped"),
                            opt("--steps", "N", "train N steps in all, instead of the config's train.steps; with --resume, "
                                    + "the new total of a run that has not finished (more or fewer than it had)"),
                            opt("--max-steps", "N", "cap the run at N steps (a config with fewer runs them all)"),
                            opt("--seed", "S", "replace the config's seed (data split, initialisation, batch order)"),
                            opt("--backend", "B", BACKEND_HELP),
                            opt("--threads", "N", "CPU threads (default: all cores)"),
                            opt("--checkpoint-every", "N", "write a checkpoint every N steps (default: every 5 minutes "
                                    + "of wall time; with --resume, the run's own interval)"),
                            opt("--analysis-every", "N", "record the progress measures every N steps (modular tasks; "
                                    + "a new run only)"),
                            flag("--quiet", "no progress line on stderr"))),
            new Cmd("generate", List.of("generate CONFIG --out DIR [--seed S]"),
                    "Writes the dataset of an experiment, each split as JSON lines, with its metadata.",
                    List.of(arg("CONFIG", "an experiment config, JSON or YAML")),
                    List.of(opt("--out", "DIR", "the directory to write (required; must be new or empty)"),
                            opt("--seed", "S", "replace the config's seed"))),
            new Cmd("capacity entropy", List.of(
                    "capacity entropy DATASET_DIR [--scheme optimal|two-hop-big-hash|two-hop-double]",
                    "                 [--selection optimal|enumerate|independent]"),
                    "The information content, in bits, of a profiles dataset written by grokcap generate.",
                    List.of(arg("DATASET_DIR", "a directory written by grokcap generate (a profiles task)")),
                    List.of(SCHEME, SELECTION)),
            new Cmd("capacity plan", List.of("capacity plan --target-bits B CONFIG [--scheme S] [--selection T]"),
                    "Sizes a profiles config's dataset to hold about B bits.",
                    List.of(arg("CONFIG", "a profiles experiment config")),
                    List.of(opt("--target-bits", "B", "the bits the dataset should hold (required)"),
                            SCHEME, SELECTION)),
            new Cmd("capacity of", List.of(
                    "capacity of RUN_DIR|SWEEP_DIR [--scheme S] [--selection T] [--all-schemes] [--window K]",
                    "            [--threshold X] [--backend B]"),
                    "The capacity a trained run (or each run of a sweep) reached, in bits, once converged: profiles runs from "
                            + "their facts under an encoding and a selection scheme, random-tokens runs from their sequences "
                            + "(a sweep of those: each model size at its plateau over N). A sweep's plots go to "
                            + "SWEEP_DIR/plots, capacity-S-T and bits-per-parameter-S-T for profiles runs.",
                    List.of(arg("RUN_DIR|SWEEP_DIR", "a run directory, or a sweep's output directory")),
                    List.of(SCHEME, SELECTION,
                            flag("--all-schemes", "also measure a profiles run under every scheme/selection combination "
                                    + "(one evaluation of the model; a JSON field and a table row each, and a sweep's "
                                    + "plots for each)"),
                            opt("--window", "K", "evaluations the training loss must stay flat over to count as converged "
                                    + "(at least 2; default 5)"),
                            opt("--threshold", "X", "the largest fitted slope of the training loss, in nats per 1,000 "
                                    + "steps either way, that counts as flat (default 0.01)"),
                            opt("--backend", "B", BACKEND_HELP))),
            new Cmd("analyze", List.of("analyze RUN_DIR [--input \"TOKENS\"] [--backend B]"),
                    "Analyses a trained run: attention, Fourier structure and progress measures where the task has them.",
                    List.of(arg("RUN_DIR", "a run directory")),
                    List.of(opt("--input", "\"TOKENS\"", "an input (tokens separated by spaces) to show the attention on"),
                            opt("--backend", "B", BACKEND_HELP))),
            new Cmd("export", List.of("export RUN_DIR --out DIR [--format gpt2|llama]"),
                    "Exports a run's newest parameters as a Hugging Face GPT-2 or Llama checkpoint (model.safetensors, config.json).",
                    List.of(arg("RUN_DIR", "a run directory")),
                    List.of(opt("--out", "DIR", "the directory to write (required)"),
                            opt("--format", "F", "gpt2 (default) for GPT-style models, llama for Llama-style ones"))),
            new Cmd("import", List.of("import HF_DIR --out WEIGHTS.safetensors"),
                    "Imports a Hugging Face GPT-2 or Llama checkpoint directory (by config.json's model_type) as a grokcap weights file.",
                    List.of(arg("HF_DIR", "a directory with config.json and model.safetensors")),
                    List.of(opt("--out", "WEIGHTS.safetensors", "the weights file to write (required; must not exist)"))),
            new Cmd("answer", List.of("answer RUN_DIR \"QUESTION\" [--context \"TEXT\"] [--max-tokens N] [--backend B]",
                    "       [--sample [--temperature T] [--top-k K] [--seed S]]"),
                    "Answers a question with a question-answer run: greedy by default, sampled with --sample.",
                    List.of(arg("RUN_DIR", "a question-answer run directory"), arg("\"QUESTION\"", "the question, in words")),
                    List.of(opt("--context", "\"TEXT\"", "a context to answer from"),
                            opt("--max-tokens", "N", "stop after N answer tokens"),
                            opt("--backend", "B", BACKEND_HELP),
                            flag("--sample", "sample the answer instead of taking the likeliest token"),
                            opt("--temperature", "T", "with --sample: the temperature, > 0 (default 1)"),
                            opt("--top-k", "K", "with --sample: draw from the K likeliest tokens only (default 0: all)"),
                            opt("--seed", "S", "with --sample: the seed of the draws (default 0)"))),
            new Cmd("sweep", List.of("sweep SWEEP_FILE [--out DIR] [--shard i/N | --shards N] [--dry-run] [--max-steps N]",
                    "      [--together [K]] [--backend B] [--threads N] [--quiet]"),
                    "Runs every run of a sweep (variants, a grid or random draws over a base config), or one shard of "
                            + "them, then compares them as grokcap sweep report does; exit 1 when a run failed (the "
                            + "others still ran).",
                    List.of(arg("SWEEP_FILE", "a sweep file, JSON or YAML")),
                    List.of(opt("--out", "DIR", "the sweep's directory (default runs/<sweep name>)"),
                            opt("--shard", "i/N", "run shard i of N only (0-based)"),
                            opt("--shards", "N", "run one shard of N, its index from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID"),
                            flag("--dry-run", "list the runs without training"),
                            opt("--max-steps", "N", "cap every run at N steps"),
                            opt("--together", "[K]", "train the runs that share model, task and batch sizes together, "
                                    + "K at a time (default: all of a group), the threads stepping whole models"),
                            opt("--backend", "B", BACKEND_HELP),
                            opt("--threads", "N", "CPU threads (default: all cores)"),
                            flag("--quiet", "no progress lines on stderr"))),
            new Cmd("sweep report", List.of("sweep report SWEEP_DIR [--split NAME]"),
                    "Compares a sweep's methods over seeds: its runs grouped by variant (without variants, by the "
                            + "varied fields but the seed), by the step at which test accuracy first reached 50, 90 and "
                            + "99 %; writes comparison.md, comparison.json and the test-accuracy chart into SWEEP_DIR, "
                            + "and the HTML report into SWEEP_DIR/report/. A sweep does this when it ends; runs still "
                            + "training count with what they logged so far.",
                    List.of(arg("SWEEP_DIR", "a sweep's output directory (finished or not)")),
                    List.of(opt("--split", "NAME", "compare this split's accuracy instead of test's (e.g. "
                            + "test_inferred_id, train_atomic): comparison-NAME.md, comparison-NAME.json and "
                            + "comparison-NAME-accuracy.png"))),
            new Cmd("probe", List.of("probe RUN_DIR [--backend B]"),
                    "Linear probes for the bridge entity of a profiles run's two-hop questions.",
                    List.of(arg("RUN_DIR", "a profiles run directory")),
                    List.of(opt("--backend", "B", BACKEND_HELP))),
            new Cmd("report", List.of("report DIR... [--out DIR]"),
                    "One HTML report, with PNG and SVG charts, over every run found under the DIRs.",
                    List.of(arg("DIR...", "run directories, or folders of them")),
                    List.of(opt("--out", "DIR", "the report's directory (default report)"))),
            new Cmd("jvm-flags", List.of("jvm-flags BACKEND"),
                    "The JVM flags a JVM needs to run a backend, one per line, then as a JSON list (for launchers).",
                    List.of(arg("BACKEND", "a backend name, e.g. tornado")),
                    List.of()),
            new Cmd("info", List.of("info"),
                    "This machine as grokcap sees it: Java, CPU, backends, matrix products.",
                    List.of(), List.of()),
            new Cmd("bench", List.of("bench modular-addition|gpt2-small-cpu [--threads N] [--backend B] [--epochs N] [--warmup N]",
                    "bench modular-addition --models K [--together-only] [--threads N] [--epochs N] [--warmup N]",
                    "bench matmul [--threads N] [--ms N] [--backend B] [--model M]"),
                    "Times full-batch epochs (modular-addition) or training steps (gpt2-small-cpu) against the "
                            + "measured matrix-product peak; bench matmul times every matrix product the cpu backend has.",
                    List.of(arg("NAME", "modular-addition, gpt2-small-cpu or matmul")),
                    List.of(opt("--threads", "N", "CPU threads (default: all cores)"),
                            opt("--backend", "B", BACKEND_HELP),
                            opt("--epochs", "N", "timed epochs or steps (default 100)"),
                            opt("--warmup", "N", "untimed warm-up epochs or steps (default 30)"),
                            opt("--models", "K", "modular-addition: K seeds trained together, beside the same K "
                                    + "trained one after another"),
                            flag("--together-only", "with --models: time only the K trained together (one after "
                                    + "another, each model builds a device of its own)"))),
            new Cmd("bench matmul", List.of("bench matmul [--threads N] [--ms N] [--backend B] [--model M]"),
                    "Times every matrix product (GEMM) the cpu backend can run, on the shapes of the shipped models; "
                            + "with --backend, that backend's linear layer on the same shapes.",
                    List.of(),
                    List.of(opt("--threads", "N", "CPU threads (default: all cores)"),
                            opt("--ms", "N", "milliseconds to time each product (default 60)"),
                            opt("--backend", "B", BACKEND_HELP),
                            opt("--model", "M", "only the products of modular-addition, gpt2-small-cpu or "
                                    + "profiles-probe-small (default: all three)"))));

    /** The command named name ("train", "capacity plan"), or null. */
    static Cmd find(String name) {
        return ALL.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }

    /** The first words of the commands: train, capacity, bench, ... */
    static List<String> topLevel() {
        return ALL.stream().map(c -> c.name().split(" ")[0]).distinct().toList();
    }

    /** The general usage: every command's usage lines. */
    static String usage() {
        StringBuilder b = new StringBuilder("usage: ");
        String indent = "       ";
        boolean first = true;
        for (Cmd c : ALL) {
            if (c.name().equals("bench matmul")) {
                continue; // bench's own lines include it
            }
            for (String line : c.synopsis()) {
                boolean continuation = line.startsWith(" ");
                String prefix = first ? "" : indent;
                b.append(prefix).append(continuation ? " ".repeat("grokcap ".length() + c.name().length() + 1) + line.strip()
                        : "grokcap " + line).append('\n');
                first = false;
            }
        }
        b.append("options for every command: --debug (stack traces), -h or --help (the command's own help)\n");
        b.append("grokcap --version prints the version; grokcap COMMAND --help explains each option of COMMAND");
        return b.toString();
    }

    /** The help of the command named name; for "capacity", the help of each of its sub-commands. */
    static String help(String name) {
        List<Cmd> cmds = ALL.stream().filter(c -> c.name().equals(name)
                || (!name.equals("bench") && c.name().startsWith(name + " "))).toList();
        StringBuilder b = new StringBuilder();
        for (Cmd c : cmds) {
            if (!b.isEmpty()) {
                b.append('\n');
            }
            b.append(help(c));
        }
        return b.toString().stripTrailing();
    }

    private static String help(Cmd c) {
        StringBuilder b = new StringBuilder();
        boolean first = true;
        for (String line : c.synopsis()) {
            if (line.startsWith(" ")) { // a continuation, under the first argument
                b.append("       ").append(" ".repeat("grokcap ".length() + c.name().length() + 1)).append(line.strip());
            } else {
                b.append(first ? "usage: " : "       ").append("grokcap ").append(line);
            }
            b.append('\n');
            first = false;
        }
        b.append('\n').append(wrap(c.summary(), "", 100)).append('\n');
        int width = 0;
        for (Arg a : c.args()) {
            width = Math.max(width, a.label().length());
        }
        for (Opt o : Stream.concat(c.opts().stream(), COMMON.stream()).toList()) {
            width = Math.max(width, o.shown().length() + (o.name().equals("--help") ? 4 : 0));
        }
        width += 4;
        if (!c.args().isEmpty()) {
            b.append("\narguments:\n");
            for (Arg a : c.args()) {
                b.append(row(a.label(), a.help(), width));
            }
        }
        b.append("\noptions:\n");
        for (Opt o : c.opts()) {
            b.append(row(o.shown(), o.help(), width));
        }
        for (Opt o : COMMON) {
            b.append(row(o.name().equals("--help") ? "-h, --help" : o.shown(), o.help(), width));
        }
        b.append("\nexit status: 0 success, 2 bad input (one line on stderr), 1 any other failure\n");
        return b.toString();
    }

    private static String row(String left, String help, int width) {
        String first = "  " + left + " ".repeat(Math.max(1, width - left.length()));
        return wrap(help, first, 100 - first.length()).replace("\n", "\n" + " ".repeat(first.length())) + "\n";
    }

    private static String wrap(String text, String lead, int columns) {
        StringBuilder b = new StringBuilder(lead);
        int col = 0;
        for (String w : text.split(" ")) {
            if (col > 0 && col + 1 + w.length() > columns) {
                b.append('\n');
                col = 0;
            } else if (col > 0) {
                b.append(' ');
                col++;
            }
            b.append(w);
            col += w.length();
        }
        return b.toString();
    }

    /** Every flag (an option without a value) of every command. */
    static Set<String> flags() {
        Set<String> flags = new LinkedHashSet<>();
        for (Cmd c : ALL) {
            Stream.concat(c.opts().stream(), COMMON.stream()).filter(Opt::flag).forEach(o -> flags.add(o.name()));
        }
        flags.add("--version");
        return flags;
    }

    /** The options whose value may be left out (see {@link Opt#optionalValue}). */
    static Set<String> optionalValues() {
        Set<String> names = new LinkedHashSet<>();
        for (Cmd c : ALL) {
            c.opts().stream().filter(Opt::optionalValue).forEach(o -> names.add(o.name()));
        }
        return names;
    }

    /** Every option of every command, --version included. */
    static Set<String> optionNames() {
        Set<String> names = new LinkedHashSet<>();
        ALL.forEach(c -> names.addAll(c.optionNames()));
        names.add("--version");
        return names;
    }

    /** "; did you mean 'x'?" with the candidate closest to word when one is close enough, else "". */
    static String didYouMean(String word, java.util.Collection<String> candidates, boolean quote) {
        String best = suggestion(word, candidates);
        return best == null ? "" : "; did you mean " + (quote ? "'" + best + "'" : best) + "?";
    }

    /**
     * The candidate closest to word: one that word is a prefix of (when only one is), else the
     * nearest by edit distance (an adjacent swap counts one edit) within 1 edit for words of up to
     * 4 letters and 2 for longer ones; null when none is that close.
     */
    static String suggestion(String word, java.util.Collection<String> candidates) {
        String bare = strip(word);
        if (bare.length() >= 2) {
            List<String> prefixed = candidates.stream().filter(c -> strip(c).startsWith(bare)).toList();
            if (prefixed.size() == 1) {
                return prefixed.get(0);
            }
        }
        int limit = bare.length() <= 4 ? 1 : 2;
        List<String> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparingInt(c -> distance(bare, strip(c))));
        if (sorted.isEmpty() || distance(bare, strip(sorted.get(0))) > limit) {
            return null;
        }
        return sorted.get(0);
    }

    private static String strip(String s) {
        return s.startsWith("--") ? s.substring(2) : s;
    }

    /** Edit distance with adjacent transpositions (optimal string alignment). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
