package org.grokcap.cli;

import org.grokcap.util.BadInputException;
import org.grokcap.capacity.Convergence;
import org.grokcap.capacity.EncodingScheme;
import org.grokcap.capacity.SelectionScheme;
import org.grokcap.capacity.RunCapacity;
import org.grokcap.io.Json;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code grokcap capacity of RUN_DIR|SWEEP_DIR [--scheme S] [--selection T] [--all-schemes] [--window K]
 * [--threshold X] [--backend B]}: the capacity of a trained profiles or random-tokens model in bits and
 * bits per parameter ({@link RunCapacity}); for a directory of runs, every run and the capacity plots,
 * and for random tokens each model size's plateau. Prints a line per run (with --all-schemes a table of
 * every scheme/selection combination: per combination for a run, bits per parameter per run for a
 * sweep), then the result as one JSON line.
 */
final class CapacityOfCommand {
    private CapacityOfCommand() {}

    static int run(Args a, PrintStream out) throws Exception {
        a.allowFor("capacity of");
        Path dir = Path.of(a.positional(1, "RUN_DIR or a directory of runs"));
        a.noMorePositionals(2);
        int window = a.has("--window") ? a.intValue("--window", 2) : Convergence.DEFAULT_WINDOW;
        double threshold = Convergence.DEFAULT_THRESHOLD;
        if (a.has("--threshold")) {
            try {
                threshold = Double.parseDouble(a.value("--threshold"));
            } catch (NumberFormatException e) {
                throw new BadInputException("--threshold = " + a.value("--threshold") + ": not a number");
            }
            if (!(threshold > 0) || Double.isInfinite(threshold)) {
                throw new BadInputException("--threshold = " + a.value("--threshold") + ": must be a positive number");
            }
        }
        EncodingScheme scheme = EncodingScheme.of(a.has("--scheme") ? a.value("--scheme") : "optimal");
        SelectionScheme selection = SelectionScheme.of(a.has("--selection") ? a.value("--selection") : "optimal");
        RunCapacity.Options options = new RunCapacity.Options(window, threshold, a.value("--backend"), scheme, selection,
                a.has("--all-schemes"));
        Map<String, Object> result;
        if (RunCapacity.isRun(dir)) {
            result = RunCapacity.of(dir, options);
            print(out, result);
            if (options.allSchemes()) {
                runTable(out, result, options);
            }
        } else {
            result = RunCapacity.ofSweep(dir, options);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> runs = (List<Map<String, Object>>) result.get("runs");
            runs.forEach(r -> print(out, r));
            if (result.containsKey("models")) {
                @SuppressWarnings("unchecked")
                List<RunCapacity.Plateau> models = (List<RunCapacity.Plateau>) result.get("models");
                for (RunCapacity.Plateau m : models) {
                    out.printf("%,d parameters: %.0f bits at the plateau (%.3f bits/parameter, N = %d, %s, %.1f%% of its"
                                    + " data), plateau %s%s%n",
                            m.parameters(), m.capacityBits(), m.bitsPerParameter(), m.bestN(),
                            m.converged() ? "converged" : "NOT converged", 100 * m.bestHeldFraction(),
                            m.plateau() ? "reached" : "NOT reached",
                            m.dataLimited() ? "; the best run was limited by its data, so this is a lower bound" : "");
                }
                out.printf("plots in %s%n", result.get("plots"));
            } else {
                if (options.allSchemes()) {
                    sweepTable(out, runs, options);
                }
                out.printf("dataset entropy %.0f bits (%s/%s); plots in %s%n", (double) result.get("datasetBits"),
                        scheme.json(), selection.json(), result.get("plots"));
            }
        }
        out.println(Json.mapper().writeValueAsString(result));
        return 0;
    }

    private static void print(PrintStream out, Map<String, Object> r) {
        if (r.containsKey("nllBits")) {
            out.printf("%s: N = %d, %,d parameters, NLL %.1f bits of entropy %.1f; stored %.1f bits (%.3f bits/parameter), %s%n",
                    Path.of((String) r.get("run")).getFileName(), (int) r.get("n"), (long) r.get("parameters"),
                    (double) r.get("nllBits"), (double) r.get("datasetBits"), (double) r.get("capacityBits"),
                    (double) r.get("bitsPerParameter"), (boolean) r.get("converged") ? "converged" : "NOT converged");
            return;
        }
        out.printf("%s: %,d parameters, capacity %.0f bits (%.3f bits/parameter) of %.0f (%s/%s), %s%n",
                Path.of((String) r.get("run")).getFileName(), (long) r.get("parameters"), (double) r.get("capacityBits"),
                (double) r.get("bitsPerParameter"), (double) r.get("datasetBits"), r.get("scheme"), r.get("selection"),
                (boolean) r.get("converged") ? "converged" : "NOT converged");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> combination(Map<String, Object> run, RunCapacity.Schemes c) {
        return (Map<String, Object>) ((Map<String, Object>) run.get(RunCapacity.SCHEMES)).get(c.key());
    }

    /** One run, every combination: capacity, bits per parameter, the 2-hop share and the dataset's entropy. */
    private static void runTable(PrintStream out, Map<String, Object> run, RunCapacity.Options options) {
        out.printf("  %-30s %14s %11s %12s %14s%n", "scheme/selection", "capacity bits", "bits/param", "2-hop bits",
                "dataset bits");
        for (RunCapacity.Schemes c : options.combinations()) {
            Map<String, Object> m = combination(run, c);
            out.printf("  %-30s %14.1f %11.4f %12.1f %14.1f%n", c.key(), (double) m.get("capacityBits"),
                    (double) m.get("bitsPerParameter"), (double) m.get("twoHopBits"), (double) m.get("datasetBits"));
        }
    }

    /**
     * A sweep, every combination: bits per parameter of each run (in ascending parameter count) and the
     * ratio of the largest to the smallest, which is 1 where capacity is proportional to parameters.
     */
    private static void sweepTable(PrintStream out, List<Map<String, Object>> runs, RunCapacity.Options options) {
        List<Map<String, Object>> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingLong(r -> (long) r.get("parameters")));
        StringBuilder head = new StringBuilder(String.format("  %-30s", "bits/parameter at"));
        for (Map<String, Object> r : sorted) {
            head.append(String.format(" %11s", String.format("%,d", (long) r.get("parameters"))));
        }
        out.println(head.append(String.format(" %9s", "max/min")));
        for (RunCapacity.Schemes c : options.combinations()) {
            StringBuilder row = new StringBuilder(String.format("  %-30s", c.key()));
            double lo = Double.POSITIVE_INFINITY;
            double hi = 0;
            for (Map<String, Object> r : sorted) {
                double b = (double) combination(r, c).get("bitsPerParameter");
                lo = Math.min(lo, b);
                hi = Math.max(hi, b);
                row.append(String.format(" %11.4f", b));
            }
            out.println(row.append(String.format(" %9.3f", hi / lo)));
        }
    }
}
