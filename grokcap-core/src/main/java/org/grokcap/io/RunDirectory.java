package org.grokcap.io;

import org.grokcap.BadInputException;
import org.grokcap.model.ParamLayout;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One run's directory: {@code run.json} (resolved config and provenance, then the result),
 * {@code metrics.jsonl} (one row per evaluation, flushed as written), {@code weights.safetensors}
 * and {@code plots/}. Opening it checks that it can be written and holds no earlier run, before any
 * work starts; every file but the metrics is written atomically.
 */
public final class RunDirectory implements Closeable {
    public static final String RUN_JSON = "run.json";
    public static final String METRICS = "metrics.jsonl";
    public static final String WEIGHTS = "weights.safetensors";
    public static final String PLOTS = "plots";

    private final Path dir;
    private MetricsWriter metrics;

    private RunDirectory(Path dir) {
        this.dir = dir;
    }

    /** Creates (or reuses an empty) directory for a new run; bad input if it cannot be written or holds a run. */
    public static RunDirectory create(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new BadInputException("output directory " + dir + " exists and is not a directory");
        }
        for (String f : List.of(RUN_JSON, METRICS, WEIGHTS)) {
            if (Files.exists(abs.resolve(f))) {
                throw new BadInputException("output directory " + dir + " already holds a run (" + f
                        + "); choose another --out");
            }
        }
        try {
            Files.createDirectories(abs);
        } catch (IOException | SecurityException e) {
            throw new BadInputException("cannot create output directory " + dir + ": " + describe(e), e);
        }
        if (!Files.isWritable(abs)) {
            throw new BadInputException("output directory " + dir + " is not writable");
        }
        return new RunDirectory(abs);
    }

    public Path path() {
        return dir;
    }

    /** Writes run.json atomically (again at the end, with the result). */
    public void writeRecord(Object record) throws IOException {
        Json.writePretty(dir.resolve(RUN_JSON), record);
    }

    public void appendMetrics(Map<String, ?> row) throws IOException {
        if (metrics == null) {
            metrics = new MetricsWriter(dir.resolve(METRICS));
        }
        metrics.write(row);
    }

    public void writeWeights(ParamLayout layout, float[] flat, Map<String, String> metadata) throws IOException {
        Safetensors.write(dir.resolve(WEIGHTS), layout, flat, metadata);
    }

    public void writePlots(String title, List<Map<String, Double>> rows, List<String> splits) throws IOException {
        Charts.trainingCurves(dir.resolve(PLOTS), title, rows, splits);
    }

    @Override
    public void close() throws IOException {
        if (metrics != null) {
            metrics.close();
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        String kind = e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2");
        return m == null ? kind : kind.toLowerCase() + " (" + m + ")";
    }
}
