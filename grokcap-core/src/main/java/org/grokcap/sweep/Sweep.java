package org.grokcap.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.rng.UniformRandomProvider;
import org.grokcap.util.BadInputException;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.util.Rngs;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A sweep file: a base config and the config fields to vary, as a grid, as seeded random draws, or
 * both (every grid point with every draw). JSON or YAML:
 * <pre>
 * name: model-size                      # optional; default the file's name
 * base: ../conf/modular-addition.json   # a config file (relative to this file) or an inline config
 * grid:                                 # dotted paths into the config, each with its values
 *   model.dModel: [32, 64, 128]
 *   train.seed: [0, 1]
 * random:                               # optional
 *   seed: 7
 *   draws: 4
 *   fields:
 *     train.optimizer.lr: {logUniform: [1.0e-4, 1.0e-2]}
 *     train.optimizer.weightDecay: {uniform: [0.0, 2.0]}
 *     model.heads: {choice: [2, 4]}
 *     model.layers: {int: [1, 2]}
 * variants:                             # optional: named sets of fields, each crossed with the grid
 *   adamw: {}                           # the base as it is
 *   orthogonal:
 *     train.optimizer.orthogonalGradient: true
 *     train.optimizer.weightDecay: 0.0
 * checkpointEvery: 500                  # optional: checkpoints let an interrupted run resume mid-way
 * </pre>
 * Its runs are a deterministic list, variants in file order (slowest), then the grid in file order
 * (first field slowest), then draws. A variant sets several fields at once (a method: an optimizer
 * and its settings), so runs compare methods rather than single values; no variant may set a field
 * the grid or the draws vary. A run's id comes from its variant's name and its varied values alone
 * (readable {@code leaf-value} parts, after {@code NAME_} for a variant, and a hash of all values and
 * the variant's name), so it does not change when values are added to the grid or runs are reordered. Random values keep 4
 * significant digits; a draw that repeats an earlier combination is the same run and is dropped.
 * Every config is validated when the file is loaded, before any run starts.
 */
public final class Sweep {
    private static final Set<String> KEYS = Set.of("name", "base", "grid", "random", "variants", "checkpointEvery");
    private static final Set<String> RANDOM_KEYS = Set.of("seed", "draws", "fields");
    private static final Pattern FIELD = Pattern.compile("[A-Za-z][A-Za-z0-9]*(\\.[A-Za-z][A-Za-z0-9]*)*");
    private static final int READABLE_ID_CHARS = 60;
    /** A variant's name starts its runs' ids, so it holds no '_' (the separator of the id's parts). */
    private static final Pattern VARIANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+-]{0,39}");
    /**
     * The most runs a sweep file may describe (grid points × random draws): each run's config is
     * expanded and validated when the file is loaded, so a grid of ten fields with a hundred values
     * each must be refused before it is expanded, not exhaust the memory trying.
     */
    public static final int MAX_RUNS = 10_000;

    private final String name;
    private final Path source;
    private final int checkpointEvery;
    private final Map<String, Map<String, JsonNode>> variants;
    private final List<SweepRun> runs;

    private Sweep(String name, Path source, int checkpointEvery, Map<String, Map<String, JsonNode>> variants,
                  List<SweepRun> runs) {
        this.name = name;
        this.source = source;
        this.checkpointEvery = checkpointEvery;
        this.variants = variants;
        this.runs = List.copyOf(runs);
    }

    public String name() {
        return name;
    }

    public Path source() {
        return source;
    }

    /** Checkpoint interval for every run (0: none). */
    public int checkpointEvery() {
        return checkpointEvery;
    }

    /** The variants by name, in the file's order, each with the fields it sets; empty for a sweep without variants. */
    public Map<String, Map<String, JsonNode>> variants() {
        return variants;
    }

    /** Every run of the sweep, in its deterministic order. */
    public List<SweepRun> runs() {
        return runs;
    }

    /**
     * The same sweep with no run longer than max steps (a quick look, or a build's test of an example):
     * each run keeps its id, so a later sweep without the cap finds these runs finished.
     */
    public Sweep withMaxSteps(int max) {
        List<SweepRun> capped = new ArrayList<>();
        for (SweepRun r : runs) {
            if (r.spec().train().steps() <= max) {
                capped.add(r);
                continue;
            }
            ObjectNode config = r.config().deepCopy();
            config.with("train").put("steps", max);
            capped.add(new SweepRun(r.id(), r.variant(), r.values(), config, r.spec().withTrain(r.spec().train().withSteps(max))));
        }
        return new Sweep(name, source, checkpointEvery, variants, capped);
    }

    /** The runs of one shard, in order. */
    public List<SweepRun> runs(Shard shard) {
        List<SweepRun> mine = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            if (shard.selects(i)) {
                mine.add(runs.get(i));
            }
        }
        return mine;
    }

    /** Reads and expands a sweep file; any problem is bad input naming the file and the field. */
    public static Sweep load(Path given) {
        Path file = ConfigLoader.resolve(given);
        String where = file.toString();
        JsonNode root = ConfigLoader.readTree(file);
        if (root == null || !root.isObject()) {
            throw new BadInputException(where + ": a sweep file must be a JSON object or YAML mapping");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                throw new BadInputException(where + ": unknown field '" + k + "' (known fields: base, checkpointEvery, "
                        + "grid, name, random, variants)");
            }
        }
        String name = root.has("name") ? root.get("name").asText() : ConfigLoader.defaultName(file);
        if (!name.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new BadInputException(where + ": name = \"" + name + "\": use 1-100 letters, digits, '.', '_' or '-'");
        }
        int checkpointEvery = 0;
        if (root.has("checkpointEvery")) {
            JsonNode c = root.get("checkpointEvery");
            if (!c.canConvertToInt() || !c.isIntegralNumber() || c.asInt() < 0) {
                throw new BadInputException(where + ": checkpointEvery = " + c + ": must be a whole number ≥ 0");
            }
            checkpointEvery = c.asInt();
        }
        ObjectNode base = base(root.get("base"), file);
        Path baseDir = baseDirectory(root.get("base"), file);
        Map<String, List<JsonNode>> grid = grid(root.get("grid"), where);
        Map<String, Map<String, JsonNode>> variants = variants(root.get("variants"), where);
        // Counted before anything is expanded; each factor is capped, so the product cannot overflow.
        long planned = root.hasNonNull("random") ? Math.clamp(root.get("random").path("draws").asLong(1), 1, MAX_RUNS + 1) : 1;
        planned = Math.min(planned * Math.max(1, variants.size()), MAX_RUNS + 1);
        for (List<JsonNode> values : grid.values()) {
            planned = Math.min(planned * values.size(), MAX_RUNS + 1);
        }
        if (planned > MAX_RUNS) {
            throw new BadInputException(where + ": the " + (variants.isEmpty() ? "" : "variants, ") + "grid"
                    + (root.hasNonNull("random") ? " and random draws" : "")
                    + " describe more than " + MAX_RUNS + " runs, the limit of one sweep file; split the sweep into "
                    + "several files");
        }
        List<Map<String, JsonNode>> draws = draws(root.get("random"), where, grid);
        List<String> varied = new ArrayList<>(grid.keySet());
        varied.addAll(draws.get(0).keySet());
        requireNoNesting(varied, where);
        for (Map.Entry<String, Map<String, JsonNode>> v : variants.entrySet()) {
            String at = where + ": variants." + v.getKey();
            List<String> fields = new ArrayList<>(v.getValue().keySet());
            requireNoNesting(fields, at);
            for (String f : fields) {
                for (String g : varied) {
                    if (f.equals(g) || f.startsWith(g + ".") || g.startsWith(f + ".")) {
                        throw new BadInputException(at + " sets " + f + ", which the " + (grid.containsKey(g) ? "grid"
                                : "random draws") + " also var" + (f.equals(g) ? "ies" : "y (" + g + ")")
                                + "; a field is set by the variants or varied by the grid, not both");
                    }
                }
            }
            // The variant alone on the base, so that a bad field is named by its variant, not by a run id.
            resolve(base, baseDir, v.getValue(), Map.of(), null, null, at);
        }
        if (grid.isEmpty() && draws.size() <= 1 && variants.size() <= 1) {
            throw new BadInputException(where + ": nothing to sweep; give a grid (field: [values]), random draws or "
                    + "variants");
        }
        Map<String, SweepRun> runs = new LinkedHashMap<>();
        Map<String, Map<String, JsonNode>> each = variants.isEmpty() ? Collections.singletonMap(null, Map.of()) : variants;
        for (Map.Entry<String, Map<String, JsonNode>> variant : each.entrySet()) {
            for (Map<String, JsonNode> point : cartesian(grid)) {
                for (Map<String, JsonNode> draw : draws) {
                    Map<String, JsonNode> values = new LinkedHashMap<>(point);
                    values.putAll(draw);
                    String id = runId(variant.getKey(), values);
                    if (!runs.containsKey(id)) {
                        runs.put(id, resolve(base, baseDir, variant.getValue(), values, variant.getKey(), id, where
                                + " (run " + id + ")"));
                    }
                }
            }
        }
        return new Sweep(name, file, checkpointEvery, variants, new ArrayList<>(runs.values()));
    }

    /**
     * The variants: names (which start the runs' ids) mapped to the config fields each sets; empty when
     * the file has none. A variant may set nothing (the base as it is, a baseline among methods).
     */
    private static Map<String, Map<String, JsonNode>> variants(JsonNode node, String where) {
        Map<String, Map<String, JsonNode>> variants = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return variants;
        }
        if (!node.isObject() || node.isEmpty()) {
            throw new BadInputException(where + ": variants = " + node + ": must map variant names to the config fields "
                    + "each sets (e.g. variants: {adamw: {}, orthogonal: {train.optimizer.orthogonalGradient: true}})");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (!VARIANT.matcher(name).matches()) {
                throw new BadInputException(where + ": variant name '" + name + "': use 1-40 letters, digits, '.', '+' "
                        + "or '-' (it starts its runs' ids), beginning with a letter or digit");
            }
            JsonNode fields = e.getValue();
            if (fields == null || !fields.isObject()) {
                throw new BadInputException(where + ": variants." + name + " = " + fields + ": must map config fields "
                        + "(dotted paths) to values; {} for the base as it is");
            }
            Map<String, JsonNode> set = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> f = fields.fields(); f.hasNext(); ) {
                Map.Entry<String, JsonNode> field = f.next();
                set.put(field(field.getKey(), where + ": variants." + name), field.getValue());
            }
            variants.put(name, Collections.unmodifiableMap(set));
        }
        return Collections.unmodifiableMap(variants);
    }

    /** The folder the base config's relative paths (such as data files) resolve against: the base file's, or the sweep file's for an inline base. */
    private static Path baseDirectory(JsonNode node, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        return node.isTextual() ? ConfigLoader.resolve(dir.resolve(node.asText())).toAbsolutePath().getParent() : dir;
    }

    private static ObjectNode base(JsonNode node, Path file) {
        String where = file.toString();
        if (node == null || node.isNull()) {
            throw new BadInputException(where + ": missing field 'base' (a config file or an inline config)");
        }
        ObjectNode base;
        String baseName;
        if (node.isTextual()) {
            Path dir = file.toAbsolutePath().getParent();
            Path config = ConfigLoader.resolve(dir.resolve(node.asText()));
            JsonNode tree = ConfigLoader.readTree(config);
            if (tree == null || !tree.isObject()) {
                throw new BadInputException(config + ": a config must be a JSON object or YAML mapping");
            }
            base = (ObjectNode) tree;
            if (base.has("provenance") && base.get("config") instanceof ObjectNode inner) {
                base = inner; // a run.json is a config too
            }
            baseName = ConfigLoader.defaultName(config);
        } else if (node.isObject()) {
            base = (ObjectNode) node;
            baseName = ConfigLoader.defaultName(file);
        } else {
            throw new BadInputException(where + ": base = " + node + ": must be a config file name or an inline config");
        }
        base = base.deepCopy();
        if (!base.has("name")) {
            base.put("name", baseName);
        }
        ConfigLoader.parse(base.toString(), false, where + " (base)"); // a broken base is named as such
        return base;
    }

    private static Map<String, List<JsonNode>> grid(JsonNode node, String where) {
        Map<String, List<JsonNode>> grid = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return grid;
        }
        if (!node.isObject()) {
            throw new BadInputException(where + ": grid must map config fields to lists of values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = field(e.getKey(), where + ": grid");
            JsonNode values = e.getValue();
            if (!values.isArray() || values.isEmpty()) {
                throw new BadInputException(where + ": grid." + field + " = " + values + ": must be a non-empty list of values");
            }
            List<JsonNode> list = new ArrayList<>();
            for (JsonNode v : values) {
                if (list.contains(v)) {
                    throw new BadInputException(where + ": grid." + field + " lists " + v + " twice");
                }
                list.add(v);
            }
            grid.put(field, list);
        }
        return grid;
    }

    /** The random draws, or one empty draw when the file has none. */
    private static List<Map<String, JsonNode>> draws(JsonNode node, String where, Map<String, List<JsonNode>> grid) {
        if (node == null || node.isNull()) {
            return List.of(Map.of());
        }
        if (!node.isObject()) {
            throw new BadInputException(where + ": random must be a mapping with seed, draws and fields");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!RANDOM_KEYS.contains(k)) {
                throw new BadInputException(where + ": unknown field 'random." + k + "' (known fields: draws, fields, seed)");
            }
        }
        JsonNode seed = node.get("seed");
        JsonNode count = node.get("draws");
        JsonNode fields = node.get("fields");
        if (seed == null || !seed.isIntegralNumber()) {
            throw new BadInputException(where + ": random.seed must be a whole number (draws are reproducible)");
        }
        if (count == null || !count.isIntegralNumber() || count.asLong() < 1 || count.asLong() > MAX_RUNS) {
            throw new BadInputException(where + ": random.draws = " + count + ": must be a whole number from 1 to "
                    + MAX_RUNS);
        }
        if (fields == null || !fields.isObject() || fields.isEmpty()) {
            throw new BadInputException(where + ": random.fields must map config fields to distributions");
        }
        Map<String, Distribution> dists = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = fields.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = field(e.getKey(), where + ": random.fields");
            if (grid.containsKey(field)) {
                throw new BadInputException(where + ": " + field + " is in both the grid and random.fields");
            }
            dists.put(field, Distribution.parse(e.getValue(), where + ": random.fields." + field));
        }
        UniformRandomProvider rng = Rngs.stream(seed.asLong(), "sweep-draws");
        List<Map<String, JsonNode>> draws = new ArrayList<>();
        for (int i = 0; i < count.asInt(); i++) {
            Map<String, JsonNode> draw = new LinkedHashMap<>();
            dists.forEach((f, d) -> draw.put(f, d.draw(rng)));
            draws.add(draw);
        }
        return draws;
    }

    /**
     * Bad input when one varied field holds another (train and train.seed): the values are set in
     * order, so the section's value would silently replace the inner field's, or the other way round.
     */
    private static void requireNoNesting(List<String> fields, String where) {
        for (String outer : fields) {
            for (String inner : fields) {
                if (inner.startsWith(outer + ".")) {
                    throw new BadInputException(where + ": the sweep varies both '" + outer + "' and '" + inner
                            + "', which it holds; vary the inner fields alone, or '" + outer + "' alone");
                }
            }
        }
    }

    private static String field(String path, String where) {
        if (!FIELD.matcher(path).matches()) {
            throw new BadInputException(where + ": '" + path + "' is not a config field path (e.g. model.dModel)");
        }
        return path;
    }

    /** Every combination of the grid's values, first field slowest; one empty point for no grid. */
    private static List<Map<String, JsonNode>> cartesian(Map<String, List<JsonNode>> grid) {
        List<Map<String, JsonNode>> points = new ArrayList<>();
        points.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<JsonNode>> e : grid.entrySet()) {
            List<Map<String, JsonNode>> next = new ArrayList<>();
            for (Map<String, JsonNode> p : points) {
                for (JsonNode v : e.getValue()) {
                    Map<String, JsonNode> q = new LinkedHashMap<>(p);
                    q.put(e.getKey(), v);
                    next.add(q);
                }
            }
            points = next;
        }
        return points;
    }

    /**
     * The id of a run with these varied values: {@code leaf-value} parts joined by '_' (a field's last
     * name, or its whole path where two fields share a last name), cut to 60 characters, then '-' and 8
     * hex digits of the SHA-256 of all (path, value) pairs sorted by path, so ids differ whenever values do.
     */
    public static String runId(Map<String, JsonNode> values) {
        return runId(null, values);
    }

    /**
     * {@link #runId(Map)} of a run of a variant: the variant's name and '_' before the readable parts
     * (whole, so ids group by variant), and the name in the hash too; a null variant gives runId(values).
     */
    public static String runId(String variant, Map<String, JsonNode> values) {
        Map<String, Integer> leaves = new LinkedHashMap<>();
        values.keySet().forEach(p -> leaves.merge(leaf(p), 1, Integer::sum));
        StringBuilder readable = new StringBuilder();
        for (Map.Entry<String, JsonNode> e : values.entrySet()) {
            String label = leaves.get(leaf(e.getKey())) > 1 ? e.getKey() : leaf(e.getKey());
            if (!readable.isEmpty()) {
                readable.append('_');
            }
            JsonNode v = e.getValue();
            readable.append(label).append('-').append((v.isValueNode() ? v.asText() : v.toString())
                    .replaceAll("[^A-Za-z0-9.+-]", "-"));
        }
        String text = readable.length() > READABLE_ID_CHARS ? readable.substring(0, READABLE_ID_CHARS) : readable.toString();
        StringBuilder canonical = new StringBuilder();
        new TreeMap<>(values).forEach((k, v) -> canonical.append(k).append('=').append(v).append('\n'));
        if (variant == null) {
            return text + "-" + sha256(canonical.toString()).substring(0, 8);
        }
        canonical.append("variant=").append(variant).append('\n'); // after the fields, as no field path has '='
        return variant + (text.isEmpty() ? "" : "_" + text) + "-" + sha256(canonical.toString()).substring(0, 8);
    }

    private static String leaf(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    /**
     * The run with the variant's fields (if any) then the varied values set on the base; where names the
     * run (or the variant) in the message of a config that does not validate.
     */
    private static SweepRun resolve(ObjectNode base, Path baseDir, Map<String, JsonNode> variantFields,
                                    Map<String, JsonNode> values, String variant, String id, String where) {
        ObjectNode config = base.deepCopy();
        Map<String, JsonNode> all = new LinkedHashMap<>(variantFields);
        all.putAll(values); // disjoint: load refuses a variant that sets a varied field
        for (Map.Entry<String, JsonNode> e : all.entrySet()) {
            String[] names = e.getKey().split("\\.");
            ObjectNode node = config;
            for (int i = 0; i < names.length - 1; i++) {
                JsonNode child = node.get(names[i]);
                if (child == null || child.isNull()) {
                    child = node.putObject(names[i]);
                } else if (!child.isObject()) {
                    throw new BadInputException(where + ": " + e.getKey() + ": '" + names[i]
                            + "' is a value, not a section, in the base config");
                }
                node = (ObjectNode) child;
            }
            node.set(names[names.length - 1], e.getValue());
        }
        ExperimentSpec spec = ConfigLoader.parse(config.toString(), false, where);
        return new SweepRun(id, variant, values, config, ConfigLoader.relativeTo(spec, baseDir, where));
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** A distribution of random.fields: uniform, logUniform, int (both ends included) or choice. */
    private record Distribution(String kind, double lo, double hi, List<JsonNode> choices) {
        static Distribution parse(JsonNode node, String where) {
            if (!node.isObject() || node.size() != 1) {
                throw new BadInputException(where + " = " + node + ": expected one of {uniform: [lo, hi]}, "
                        + "{logUniform: [lo, hi]}, {int: [lo, hi]}, {choice: [values]}");
            }
            String kind = node.fieldNames().next();
            JsonNode args = node.get(kind);
            if (kind.equals("choice")) {
                if (!args.isArray() || args.isEmpty()) {
                    throw new BadInputException(where + ".choice must be a non-empty list");
                }
                List<JsonNode> choices = new ArrayList<>();
                args.forEach(choices::add);
                return new Distribution(kind, 0, 0, choices);
            }
            if (!List.of("uniform", "logUniform", "int").contains(kind)) {
                throw new BadInputException(where + ": unknown distribution '" + kind
                        + "' (known: choice, int, logUniform, uniform)");
            }
            if (!args.isArray() || args.size() != 2 || !args.get(0).isNumber() || !args.get(1).isNumber()) {
                throw new BadInputException(where + "." + kind + " = " + args + ": must be [lo, hi], two numbers");
            }
            double lo = args.get(0).asDouble();
            double hi = args.get(1).asDouble();
            if (!(lo <= hi) || (kind.equals("logUniform") && lo <= 0)
                    || (kind.equals("int") && (!args.get(0).isIntegralNumber() || !args.get(1).isIntegralNumber()))) {
                throw new BadInputException(where + "." + kind + " = " + args + ": need lo ≤ hi"
                        + (kind.equals("logUniform") ? " and lo > 0" : kind.equals("int") ? ", both whole numbers" : ""));
            }
            return new Distribution(kind, lo, hi, null);
        }

        JsonNode draw(UniformRandomProvider rng) {
            return switch (kind) {
                case "choice" -> choices.get(rng.nextInt(choices.size()));
                case "int" -> {
                    long v = (long) lo + rng.nextLong((long) hi - (long) lo + 1);
                    yield v == (int) v ? IntNode.valueOf((int) v) : LongNode.valueOf(v);
                }
                case "uniform" -> DoubleNode.valueOf(round(lo + (hi - lo) * rng.nextDouble()));
                default -> DoubleNode.valueOf(round(Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rng.nextDouble())));
            };
        }

        private static double round(double x) {
            return new BigDecimal(x).round(new MathContext(4)).doubleValue();
        }
    }

    /**
     * The sweep's record for OUT/NAME.sweep.json: its name, source, variants (if any) and every run's id,
     * variant and values.
     */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sweep", name);
        m.put("source", source.toString());
        m.put("checkpointEvery", checkpointEvery);
        if (!variants.isEmpty()) {
            m.put("variants", variants);
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (SweepRun r : runs) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("id", r.id());
            if (r.variant() != null) {
                one.put("variant", r.variant());
            }
            one.put("values", r.values());
            list.add(one);
        }
        m.put("runs", list);
        return m;
    }
}
