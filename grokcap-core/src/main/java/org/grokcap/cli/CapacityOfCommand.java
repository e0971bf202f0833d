package org.grokcap.cli;

import org.grokcap.util.BadInputException;
import org.grokcap.capacity.Convergence;
import org.grokcap.capacity.RunCapacity;
import org.grokcap.io.Json;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code grokcap capacity of RUN_DIR|SWEEP_DIR [--window K] [--threshold X] [--backend B]}: the capacity of
 * a trained profiles or random-tokens model in bits and bits per parameter ({@link RunCapacity}); for a
 * directory of runs, every run and the capacity plots, and for random tokens each model size's plateau. Prints a line per run, then the result as one JSON line.
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
        RunCapacity.Options options = new RunCapacity.Options(window, threshold, a.value("--backend"));
        Map<String, Object> result;
        if (RunCapacity.isRun(dir)) {
            result = RunCapacity.of(dir, options);
            print(out, result);
        } else {
            result = RunCapacity.ofSweep(dir, options);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> runs = (List<Map<String, Object>>) result.get("runs");
            runs.forEach(r -> print(out, r));
            if (result.containsKey("models")) {
                @SuppressWarnings("unchecked")
                List<RunCapacity.Plateau> models = (List<RunCapacity.Plateau>) result.get("models");
                for (RunCapacity.Plateau m : models) {
                    out.printf("%,d parameters: %.0f bits at the plateau (%.3f bits/parameter, N = %d, %s), plateau %s%n",
                            m.parameters(), m.capacityBits(), m.bitsPerParameter(), m.bestN(),
                            m.converged() ? "converged" : "NOT converged", m.plateau() ? "reached" : "NOT reached");
                }
                out.printf("plots in %s%n", result.get("plots"));
            } else {
                out.printf("dataset entropy %.0f bits; plots in %s%n", (double) result.get("datasetBits"), result.get("plots"));
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
        out.printf("%s: %,d parameters, capacity %.0f bits (%.3f bits/parameter) of %.0f, %s%n",
                Path.of((String) r.get("run")).getFileName(), (long) r.get("parameters"), (double) r.get("capacityBits"),
                (double) r.get("bitsPerParameter"), (double) r.get("datasetBits"),
                (boolean) r.get("converged") ? "converged" : "NOT converged");
    }
}
