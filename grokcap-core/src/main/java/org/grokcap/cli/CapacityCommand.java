package org.grokcap.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.util.BadInputException;
import org.grokcap.capacity.DatasetEntropy;
import org.grokcap.capacity.DatasetShape;
import org.grokcap.capacity.EncodingScheme;
import org.grokcap.capacity.EntropyPlanner;
import org.grokcap.capacity.SelectionScheme;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.DatasetFiles;
import org.grokcap.data.profiles.ProfilesTaskSpec;
import org.grokcap.data.profiles.ValuePools;
import org.grokcap.io.Json;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code grokcap capacity entropy DATASET_DIR [--scheme S] [--selection T]} and
 * {@code grokcap capacity plan --target-bits B CONFIG [--scheme S] [--selection T]} and
 * {@code grokcap capacity of RUN_DIR|SWEEP_DIR} ({@link CapacityOfCommand}): one sub-command
 * per method; the last line printed is one JSON object.
 */
final class CapacityCommand {
    private CapacityCommand() {}

    static int run(Args a, PrintStream out) throws Exception {
        String sub = a.positional(0, "capacity sub-command (entropy, plan, of)");
        return switch (sub) {
            case "entropy" -> entropy(a, out);
            case "plan" -> plan(a, out);
            case "of" -> CapacityOfCommand.run(a, out);
            default -> throw new BadInputException("unknown capacity sub-command '" + sub + "'; use entropy, plan or of"
                    + Commands.didYouMean(sub, List.of("entropy", "plan", "of"), true));
        };
    }

    private static int entropy(Args a, PrintStream out) throws Exception {
        a.allowFor("capacity entropy");
        Path dir = Path.of(a.positional(1, "DATASET_DIR"));
        a.noMorePositionals(2);
        EncodingScheme scheme = EncodingScheme.of(a.has("--scheme") ? a.value("--scheme") : "optimal");
        SelectionScheme selection = SelectionScheme.of(a.has("--selection") ? a.value("--selection") : "optimal");
        DatasetShape shape = readShape(dir);
        DatasetEntropy.Breakdown b = DatasetEntropy.compute(shape, scheme, selection);
        out.printf("dataset %s: n = %d, R = %d (%s), N_names = %d, %d distinct birth dates, %s%n", dir, shape.n(),
                shape.relations().size(), shape.relationMode().json(), shape.possibleNames(), shape.distinctBirthDates(),
                shape.twoHop() ? "with 2-hop questions" : "1-hop questions only");
        out.printf("encoding scheme %s, selection scheme %s%n", scheme.json(), selection.json());
        out.printf("%-26s %16s %14s %16s%n", "component", "bits", "bits/profile", "approx bits");
        for (DatasetEntropy.Component c : b.subjects()) {
            row(out, c);
        }
        row(out, b.nameSet());
        row(out, b.birthDateSet());
        row(out, b.twoHop());
        out.printf("%-26s %16.1f %14.4f %16.1f%n", "total", b.totalBits(), b.bitsPerProfile(), b.approximateBits());
        out.println("(approx: log2 C(N, n) replaced by the approximation n·log2 N − n·log2 n; see DatasetEntropy)");
        Map<String, Object> all = new LinkedHashMap<>();
        for (EncodingScheme e : EncodingScheme.values()) {
            for (SelectionScheme s : SelectionScheme.values()) {
                all.put(e.json() + "/" + s.json(), DatasetEntropy.compute(shape, e, s).totalBits());
            }
        }
        out.println("totals of every scheme/selection (bits):");
        all.forEach((k, v) -> out.printf("  %-36s %16.1f%n", k, (Double) v));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("dataset", dir.toString());
        json.putAll(DatasetEntropy.toJson(b));
        json.put("all_total_bits", all);
        out.println(Json.mapper().writeValueAsString(json));
        return 0;
    }

    private static void row(PrintStream out, DatasetEntropy.Component c) {
        out.printf("%-26s %16.1f %14.4f %16.1f%n", c.name(), c.bits(), c.bitsPerProfile(), c.approximateBits());
    }

    private static DatasetShape readShape(Path dir) {
        Path file = dir.resolve(DatasetFiles.METADATA);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("no " + DatasetFiles.METADATA + " in " + dir + " (write one with grokcap generate "
                    + "CONFIG --out DIR)");
        }
        JsonNode meta;
        try {
            meta = Json.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new BadInputException(file + ": not readable JSON: " + e.getMessage());
        }
        JsonNode type = meta.path("task").path("type");
        if (!"profiles".equals(type.asText())) {
            throw new BadInputException(file + ": task.type is " + (type.isMissingNode() ? "missing" : type)
                    + "; dataset entropy is defined for the profiles task only");
        }
        try {
            return DatasetShape.fromMetadata(meta);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file + ": " + e.getMessage());
        }
    }

    private static int plan(Args a, PrintStream out) throws Exception {
        a.allowFor("capacity plan");
        String config = a.positional(1, "CONFIG");
        a.noMorePositionals(2);
        if (!a.has("--target-bits")) {
            throw new BadInputException("missing --target-bits B");
        }
        double target;
        try {
            target = Double.parseDouble(a.value("--target-bits"));
        } catch (NumberFormatException e) {
            throw new BadInputException("--target-bits " + a.value("--target-bits") + ": not a number");
        }
        EncodingScheme scheme = EncodingScheme.of(a.has("--scheme") ? a.value("--scheme") : "optimal");
        SelectionScheme selection = SelectionScheme.of(a.has("--selection") ? a.value("--selection") : "optimal");
        ExperimentSpec spec = ConfigLoader.load(Path.of(config));
        if (!(spec.task() instanceof ProfilesTaskSpec task)) {
            throw new BadInputException(config + ": task type must be profiles for capacity plan");
        }
        ValuePools pools = task.loadPools();
        EntropyPlanner.Plan p = EntropyPlanner.plan(task, pools, target, scheme, selection);
        out.printf("n = %d gives %.1f bits (target %.1f; n−1: %.1f, n+1: %.1f), scheme %s, selection %s%n", p.n(),
                p.bits(), target, p.bitsBelow(), p.bitsAbove(), scheme.json(), selection.json());
        out.println("(planned with the expected number of distinct birth dates; set task.n = " + p.n() + ")");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("n", p.n());
        json.put("total_bits", p.bits());
        json.put("target_bits", target);
        json.put("scheme", scheme.json());
        json.put("selection", selection.json());
        json.put("bits_at_n_minus_1", p.bitsBelow());
        json.put("bits_at_n_plus_1", p.bitsAbove());
        json.put("max_n_searched", p.maxN());
        out.println(Json.mapper().writeValueAsString(json));
        return 0;
    }
}
