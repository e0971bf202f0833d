package org.grokcap.run;

import org.grokcap.train.Trainer;

import org.grokcap.train.AdamWOptimizer;
import org.grokcap.train.GradFilter;

import org.apache.commons.rng.core.RandomProviderDefaultState;
import com.fasterxml.jackson.core.JacksonException;
import org.grokcap.util.BadInputException;
import org.grokcap.backend.Device;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.io.Json;
import org.grokcap.run.Provenance;
import org.grokcap.model.Safetensors;
import org.grokcap.model.SafetensorsException;
import org.grokcap.model.Transformer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trainer's whole state as one safetensors file, enough to continue as if never stopped:
 * <ul>
 *   <li>the parameters under their own names (so a checkpoint also loads as weights),</li>
 *   <li>AdamW's moments as {@code adam.m.<name>} and {@code adam.v.<name>},</li>
 *   <li>with a Grokfast filter, its state: the EMA μ as {@code gradfilter.ema.<name>}, or the moving
 *       average's ring buffer as {@code gradfilter.ma.<k>.<name>} per slot k, and in
 *       {@code __metadata__} how many gradients it has seen and its next slot,</li>
 *   <li>with minibatches, the current pass's order of the training split as {@code batch.order}
 *       (F32, exact: indices stay below 2^24), and in {@code __metadata__} the position in it and
 *       the batch stream's RNG state,</li>
 *   <li>in {@code __metadata__}: {@code step} (updates applied) and whatever the caller adds
 *       (config, provenance, metrics position).</li>
 * </ul>
 * Reading checks every tensor's name and shape and every metadata value before the trainer is
 * touched; any problem is a {@link BadInputException} naming the file and the tensor or key.
 */
public final class Checkpoint {
    public static final String FORMAT = "grokcap-checkpoint";
    public static final String FORMAT_VERSION = "1";
    public static final String STEP = "step";
    public static final String CONFIG = "config";
    public static final String PROVENANCE = "provenance";
    /** The length of metrics.jsonl when the checkpoint was written. */
    public static final String METRICS_BYTES = "metricsBytes";
    public static final String CHECKPOINT_EVERY = "checkpointEvery";
    static final String M = "adam.m.";
    static final String V = "adam.v.";
    static final String ORDER = "batch.order";
    static final String CURSOR = "batchCursor";
    static final String RNG = "batchRngState";
    static final String FILTER_SEEN = "gradFilterSeen";
    static final String FILTER_POSITION = "gradFilterPosition";
    /** Larger indices would not survive the trip through F32. */
    private static final int MAX_ORDER = 1 << 24;

    private Checkpoint() {}

    /** Writes the trainer's state (atomically) with extra metadata. */
    public static void write(Path file, Trainer trainer, Map<String, String> extraMetadata) throws IOException {
        Transformer model = trainer.model();
        AdamWOptimizer opt = trainer.optimizer();
        Device dev = model.device();
        dev.toHost(model.params());
        dev.toHost(opt.m());
        dev.toHost(opt.v());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("formatVersion", FORMAT_VERSION);
        meta.put(STEP, Integer.toString(opt.stepCount()));
        List<Safetensors.Tensor> extra = new ArrayList<>();
        if (!trainer.fullBatch()) {
            int[] order = trainer.batchOrder();
            if (order.length > MAX_ORDER) {
                throw new IllegalStateException("training split of " + order.length
                        + " sequences is too large for a checkpoint's batch order (at most " + MAX_ORDER + ")");
            }
            float[] asFloats = new float[order.length];
            for (int i = 0; i < order.length; i++) {
                asFloats[i] = order[i];
            }
            extra.add(new Safetensors.Tensor(ORDER, new int[]{order.length}, asFloats));
            meta.put(CURSOR, Integer.toString(trainer.batchCursor()));
            byte[] rng = ((RandomProviderDefaultState) trainer.batchRng().saveState()).getState();
            meta.put(RNG, Base64.getEncoder().encodeToString(rng));
        }
        GradFilter filter = opt.filter();
        if (filter != null) {
            meta.put(FILTER_SEEN, Integer.toString(filter.seen()));
            meta.put(FILTER_POSITION, Integer.toString(filter.position()));
        }
        meta.putAll(extraMetadata);
        Map<String, float[]> groups = new LinkedHashMap<>();
        groups.put("", model.params().host());
        groups.put(M, opt.m().host());
        groups.put(V, opt.v().host());
        if (filter != null) {
            filter.state().forEach((prefix, buf) -> {
                dev.toHost(buf);
                groups.put(prefix, buf.host());
            });
        }
        Safetensors.write(file, model.layout(), groups, extra, meta);
    }

    /** The metadata alone (header checked in full); bad input when the file is not a grokcap checkpoint. */
    public static Map<String, String> readMetadata(Path file) {
        Map<String, String> meta = metadataOf(file, "checkpoint");
        if (!FORMAT.equals(meta.get("format"))) {
            throw new BadInputException(file + ": not a grokcap checkpoint (__metadata__ format is "
                    + (meta.get("format") == null ? "missing" : "'" + meta.get("format") + "'") + ")");
        }
        if (!FORMAT_VERSION.equals(meta.get("formatVersion"))) {
            throw new BadInputException(file + ": checkpoint format version " + meta.get("formatVersion")
                    + " is not the supported " + FORMAT_VERSION);
        }
        return meta;
    }

    /**
     * What a run's checkpoint says about the run, every value checked.
     *
     * @param spec            the resolved experiment
     * @param provenance      the run's provenance (its dataset hash must match the data made again)
     * @param step            updates applied, in [0, spec's steps]
     * @param checkpointEvery the run's checkpoint interval (0: none; the checkpoint was written when it was stopped)
     * @param metricsBytes    the length of metrics.jsonl at the checkpoint
     */
    public record Info(ExperimentSpec spec, Provenance provenance, int step, int checkpointEvery, long metricsBytes) {}

    /** Reads and checks a checkpoint's metadata (no tensor data); every problem is bad input naming the file and key. */
    public static Info readInfo(Path file) {
        Map<String, String> meta = readMetadata(file);
        ExperimentSpec spec = config(file, meta);
        Provenance provenance = json(file, meta, PROVENANCE, Provenance.class);
        return new Info(spec, provenance, integer(file, meta, STEP, 0, spec.train().steps()),
                integer(file, meta, CHECKPOINT_EVERY, 0, Integer.MAX_VALUE), // 0: a run without interval, stopped by a signal
                number(file, meta, METRICS_BYTES, 0, Long.MAX_VALUE));
    }

    /** The experiment in a grokcap file's metadata (key "config"). */
    public static ExperimentSpec config(Path file, Map<String, String> meta) {
        return ConfigLoader.parse(required(file, meta, CONFIG), false, file + " __metadata__ " + CONFIG);
    }

    private static String required(Path file, Map<String, String> meta, String key) {
        String v = meta.get(key);
        if (v == null) {
            throw new BadInputException(file + ": __metadata__ has no " + key);
        }
        return v;
    }

    private static <T> T json(Path file, Map<String, String> meta, String key, Class<T> type) {
        try {
            T value = Json.mapper().readValue(required(file, meta, key), type);
            if (value == null) {
                throw new BadInputException(file + ": __metadata__ " + key + " is null");
            }
            return value;
        } catch (JacksonException e) {
            throw new BadInputException(file + ": __metadata__ " + key + " is not a valid " + type.getSimpleName()
                    + ": " + e.getOriginalMessage(), e);
        }
    }

    /** The metadata of any safetensors file grokcap wrote (what: "checkpoint", "weights"); damage is bad input. */
    public static Map<String, String> metadataOf(Path file, String what) {
        try {
            return Safetensors.readMetadata(file);
        } catch (SafetensorsException e) {
            throw new BadInputException("corrupt " + what + " " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BadInputException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads a checkpoint into a trainer built from the same config and data. Everything is read and
     * checked into fresh arrays first, so a bad file leaves the trainer as it was. Returns the metadata.
     */
    public static Map<String, String> restore(Path file, Trainer trainer) {
        Map<String, String> meta = readMetadata(file);
        Transformer model = trainer.model();
        AdamWOptimizer opt = trainer.optimizer();
        int n = model.layout().size();
        int steps = integer(file, meta, STEP, 0, Integer.MAX_VALUE);
        float[] params = new float[n];
        float[] m = new float[n];
        float[] v = new float[n];
        int[] order = trainer.fullBatch() ? null : new int[trainer.batchOrder().length];
        float[] orderFloats = order == null ? null : new float[order.length];
        Map<String, float[]> groups = new LinkedHashMap<>();
        groups.put("", params);
        groups.put(M, m);
        groups.put(V, v);
        GradFilter filter = opt.filter();
        Map<String, float[]> filterState = new LinkedHashMap<>();
        if (filter != null) {
            filter.state().keySet().forEach(prefix -> filterState.put(prefix, new float[n]));
            groups.putAll(filterState);
        }
        List<Safetensors.Tensor> extra = order == null ? List.of()
                : List.of(new Safetensors.Tensor(ORDER, new int[]{order.length}, orderFloats));
        try {
            Safetensors.readInto(file, model.layout(), groups, extra);
        } catch (SafetensorsException e) {
            throw new BadInputException("corrupt checkpoint " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BadInputException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
        requireFinite(file, model, "", params);
        requireFinite(file, model, M, m);
        requireFinite(file, model, V, v);
        filterState.forEach((prefix, values) -> requireFinite(file, model, prefix, values));
        int filterSeen = filter == null ? 0 : integer(file, meta, FILTER_SEEN, 0, filter.maxSeen());
        int filterPosition = filter == null ? 0 : integer(file, meta, FILTER_POSITION, 0, filter.maxPosition());
        byte[] rngState = null;
        int cursor = 0;
        if (order != null) {
            boolean[] seen = new boolean[order.length];
            for (int i = 0; i < order.length; i++) {
                float f = orderFloats[i];
                int k = (int) f;
                if (k != f || k < 0 || k >= order.length || seen[k]) {
                    throw new BadInputException(file + ": tensor '" + ORDER + "' is not a permutation of 0.."
                            + (order.length - 1) + " (element " + i + " = " + f + ")");
                }
                seen[k] = true;
                order[i] = k;
            }
            cursor = integer(file, meta, CURSOR, 0, order.length);
            String encoded = meta.get(RNG);
            try {
                rngState = Base64.getDecoder().decode(encoded == null ? "" : encoded);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(file + ": __metadata__ " + RNG + " is not base64");
            }
        }
        // Everything checked: now the trainer changes.
        if (rngState != null) {
            try {
                trainer.batchRng().restoreState(new RandomProviderDefaultState(rngState));
            } catch (RuntimeException e) {
                throw new BadInputException(file + ": __metadata__ " + RNG + " is not a state of the batch stream ("
                        + e.getMessage() + ")", e);
            }
            System.arraycopy(order, 0, trainer.batchOrder(), 0, order.length);
            trainer.restoreBatchCursor(cursor);
        }
        Device dev = model.device();
        System.arraycopy(params, 0, model.params().host(), model.params().offset(), n);
        System.arraycopy(m, 0, opt.m().host(), opt.m().offset(), n);
        System.arraycopy(v, 0, opt.v().host(), opt.v().offset(), n);
        dev.toDevice(model.params());
        dev.toDevice(opt.m());
        dev.toDevice(opt.v());
        if (filter != null) {
            filter.state().forEach((prefix, buf) -> {
                System.arraycopy(filterState.get(prefix), 0, buf.host(), buf.offset(), n);
                dev.toDevice(buf);
            });
            filter.restoreCounters(filterSeen, filterPosition);
        }
        opt.restoreStepCount(steps);
        return meta;
    }

    /** A whole number from the metadata in [min, max], or bad input naming the file and key. */
    static int integer(Path file, Map<String, String> meta, String key, int min, int max) {
        return (int) number(file, meta, key, min, max);
    }

    private static long number(Path file, Map<String, String> meta, String key, long min, long max) {
        String s = meta.get(key);
        try {
            long x = Long.parseLong(s == null ? "" : s);
            if (x >= min && x <= max) {
                return x;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new BadInputException(file + ": __metadata__ " + key + " = " + (s == null ? "missing" : "'" + s + "'")
                + ": must be a whole number in [" + min + ", " + max + "]");
    }

    /** A checkpoint is only ever written from finite state, so a non-finite value means corruption. */
    private static void requireFinite(Path file, Transformer model, String prefix, float[] flat) {
        String bad = Trainer.firstNonFinite(model.layout(), prefix, flat, 0);
        if (bad != null) {
            throw new BadInputException(file + ": non-finite value in tensor " + bad
                    + "; a checkpoint holds finite values only");
        }
    }
}
