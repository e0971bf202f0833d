package org.grokcap.cli;

import org.grokcap.BadInputException;
import org.grokcap.Grokcap;
import org.grokcap.RunOptions;
import org.grokcap.RunResult;
import org.grokcap.backend.Backend;
import org.grokcap.backend.Backends;
import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.config.ConfigLoader;
import org.grokcap.config.ExperimentSpec;
import org.grokcap.io.Json;
import org.grokcap.io.Provenance;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code grokcap train|info}. Exit 0 on success, 2 for bad input (usage, config, files), 1 for any
 * other failure; errors are one line on stderr, with the stack trace only under {@code --debug}.
 * A command that computes a result prints it last, as one JSON line on stdout.
 */
public final class Main {
    static final String USAGE = """
            usage: grokcap train CONFIG [--out DIR] [--max-steps N] [--seed S] [--backend B] [--threads N] [--quiet]
                   grokcap info
            options for every command: --debug (stack traces), --help""";

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command and returns its exit code (no System.exit, for tests and embedding). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean debug = List.of(args).contains("--debug");
        try {
            Args a = new Args(args);
            if (a.command == null || a.flag("--help")) {
                out.println(USAGE);
                return a.command == null && !a.flag("--help") ? 2 : 0;
            }
            return switch (a.command) {
                case "train" -> train(a, out, err);
                case "info" -> info(a, out);
                default -> throw new BadInputException("unknown command '" + a.command + "'\n" + USAGE);
            };
        } catch (BadInputException e) {
            err.println("error: " + e.getMessage());
            if (debug) {
                e.printStackTrace(err);
            }
            return 2;
        } catch (Throwable e) {
            err.println("error: " + describe(e));
            if (debug) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    private static int train(Args a, PrintStream out, PrintStream err) throws Exception {
        a.allow("--out", "--max-steps", "--seed", "--backend", "--threads", "--quiet", "--debug");
        String config = a.positional(0, "CONFIG");
        a.noMorePositionals(1);
        ExperimentSpec spec = ConfigLoader.load(Path.of(config));
        if (a.has("--seed")) {
            spec = spec.withTrain(spec.train().withSeed(a.longValue("--seed")));
        }
        if (a.has("--max-steps")) {
            int max = a.intValue("--max-steps", 1);
            if (max < spec.train().steps()) {
                spec = spec.withTrain(spec.train().withSteps(max));
            }
        }
        Path outDir = a.has("--out") ? Path.of(a.value("--out")) : null;
        int threads = a.has("--threads") ? a.intValue("--threads", 1) : 0;
        Progress progress = new Progress(err, a.flag("--quiet"));
        RunResult result = Grokcap.train(spec, new RunOptions(outDir, a.value("--backend"), threads, progress));
        progress.finish();
        printSummary(result, out);
        return 0;
    }

    private static void printSummary(RunResult r, PrintStream out) throws Exception {
        out.println();
        out.printf("run directory  %s%n", r.runDir());
        out.printf("steps          %d (%d parameters)%n", r.steps(), r.parameters());
        out.printf("wall time      %.1f s (%.2f ms/step)%n", r.wallSeconds(), 1000 * r.wallSeconds() / r.steps());
        for (Map.Entry<String, Double> e : r.finalMetrics().entrySet()) {
            if (!e.getKey().equals("step")) {
                out.printf("%-14s %.6g%n", e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<String, Integer> e : r.milestones().entrySet()) {
            out.printf("first step with %s: %d%n", e.getKey().replace("_accuracy_", " accuracy ≥ ")
                    .replace("≥ 99", "≥ 0.99").replace("≥ 100", "= 1"), e.getValue());
        }
        out.println(Json.mapper().writeValueAsString(r));
    }

    private static int info(Args a, PrintStream out) throws Exception {
        a.allow("--debug");
        a.noMorePositionals(0);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("grokcap", Provenance.version());
        info.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        info.put("cpu", Provenance.cpuModel());
        info.put("cores", Runtime.getRuntime().availableProcessors());
        info.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        info.put("vectorApi", CpuDevice.vectorApiPresent());
        List<Map<String, Object>> backends = new ArrayList<>();
        String chosen = null;
        try {
            chosen = Backends.choose(null).name();
        } catch (RuntimeException e) {
            chosen = "none: " + e.getMessage();
        }
        out.printf("grokcap %s on Java %s, %s%n", info.get("grokcap"), info.get("java"), info.get("os"));
        out.printf("cpu: %s, %d cores, max heap %d MiB, Vector API %s%n", info.get("cpu"), info.get("cores"),
                info.get("maxHeapMiB"), CpuDevice.vectorApiPresent() ? "present" : "absent");
        out.println("backends (best first):");
        for (Backend b : Backends.all()) {
            Backend.Availability av = b.availability();
            out.printf("  %-10s rank %3d  %-11s %s%n", b.name(), b.rank(), av.available() ? "available" : "UNAVAILABLE",
                    av.reason());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", b.name());
            m.put("rank", b.rank());
            m.put("available", av.available());
            m.put("reason", av.reason());
            backends.add(m);
        }
        out.println("default backend: " + chosen);
        info.put("backends", backends);
        info.put("defaultBackend", chosen);
        out.println(Json.mapper().writeValueAsString(info));
        return 0;
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        if (e instanceof OutOfMemoryError) {
            return "out of memory (" + m + "); give the JVM more heap with GROKCAP_JAVA_OPTS=-Xmx...";
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
