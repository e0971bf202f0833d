package org.grokcap.run;

import org.grokcap.model.Safetensors;

import org.grokcap.io.MetricsWriter;

import org.grokcap.io.JsonLines;

import org.grokcap.io.Json;

import org.grokcap.io.IoConsumer;

import org.grokcap.io.Charts;

import org.grokcap.io.AtomicFiles;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.grokcap.util.BadInputException;
import org.grokcap.model.ParamLayout;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One run's directory: {@code run.json} (resolved config and provenance, then the result),
 * {@code metrics.jsonl} (one row per evaluation, flushed as written), {@code weights.safetensors},
 * {@code checkpoints/step-NNNNNNNNN.safetensors} (the latest {@link #KEEP_CHECKPOINTS}) and
 * {@code plots/}. Opening it checks that it can be written and holds no earlier run, before any
 * work starts; every file but the metrics is written atomically.
 *
 * <p>An open run directory holds an exclusive lock on its {@code .lock} file, so two processes (or
 * two runs in one process) never write the same directory; the operating system drops the lock when
 * the process ends, however it ends, so a killed run leaves no stale lock behind.
 */
public final class RunDirectory implements Closeable {
    public static final String RUN_JSON = "run.json";
    /** The key of run.json that holds the finished run's {@link org.grokcap.run.RunResult}. */
    public static final String RESULT = "result";
    public static final String METRICS = "metrics.jsonl";
    public static final String WEIGHTS = "weights.safetensors";
    /** The token names by id, so that a run can read and write text without its task's data. */
    public static final String VOCABULARY = "vocabulary.json";
    public static final String PLOTS = "plots";
    public static final String CHECKPOINTS = "checkpoints";
    public static final String LOCK = ".lock";
    /** Checkpoints kept: the newest, and the one before in case the newest turns out unreadable. */
    public static final int KEEP_CHECKPOINTS = 2;
    private static final Pattern CHECKPOINT_NAME = Pattern.compile("step-(\\d{9})\\.safetensors");

    /** Directories this process has locked. */
    private static final Set<Path> LOCKED_HERE = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final FileChannel lockChannel;
    private MetricsWriter metrics;

    private RunDirectory(Path dir, FileChannel lockChannel) {
        this.dir = dir;
        this.lockChannel = lockChannel;
    }

    /** Creates (or reuses an empty) directory for a new run; bad input if it cannot be written or holds a run. */
    public static RunDirectory create(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new BadInputException("output directory " + dir + " exists and is not a directory");
        }
        requireNoRun(abs, dir);
        try {
            Files.createDirectories(abs);
        } catch (IOException | SecurityException e) {
            throw new BadInputException("cannot create output directory " + dir + ": " + describe(e), e);
        }
        if (!Files.isWritable(abs)) {
            throw new BadInputException("output directory " + dir + " is not writable");
        }
        FileChannel lock = lock(abs, dir);
        try {
            requireNoRun(abs, dir); // again under the lock: another run may have started here meanwhile
            removeLeftovers(abs);
        } catch (BadInputException e) {
            unlock(abs, lock);
            throw e;
        }
        return new RunDirectory(abs, lock);
    }

    /**
     * What a run and the commands that read it write into its directory ({@code analysis/} holds the
     * progress measures, {@code probes/} the probe results); a killed run may have left any of them.
     * {@code dataset/} is where grokcap:generate writes the run's dataset before grokcap:train.
     */
    private static final Set<String> RUN_ENTRIES = Set.of(RUN_JSON, METRICS, WEIGHTS, VOCABULARY, PLOTS, CHECKPOINTS,
            LOCK, "analysis", "probes", "dataset");

    /**
     * Bad input if dir is a directory with anything in it that a run does not write: {@code --out} names
     * a new run's directory, and a mistyped one (a source folder, a home directory) must not get a run's
     * files scattered among its own. An absent or empty directory, or one a stopped run left, is fine.
     */
    public static void requireNoForeignFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return; // absent, or a file: create says so
        }
        try (Stream<Path> entries = Files.list(dir)) {
            String foreign = entries.map(p -> p.getFileName().toString())
                    .filter(n -> !RUN_ENTRIES.contains(n) && !AtomicFiles.isTemporary(n)).sorted().findFirst().orElse(null);
            if (foreign != null) {
                throw new BadInputException("output directory " + dir + " is not empty and holds no run (it has "
                        + foreign + "); choose a new or empty directory for --out");
            }
        } catch (IOException e) {
            throw new BadInputException("cannot list output directory " + dir + ": " + describe(e), e);
        }
    }

    private static void requireNoRun(Path abs, Path shown) {
        for (String f : List.of(RUN_JSON, METRICS, WEIGHTS)) {
            if (Files.exists(abs.resolve(f))) {
                throw new BadInputException("output directory " + shown + " already holds a run (" + f
                        + "); choose another --out");
            }
        }
    }

    /**
     * Opens an existing run to continue or finish it: the directory must hold a run.json, and no other
     * run may have it open. Whether it is finished is its run.json's to say ({@link FinishedRun#finished(JsonNode)}).
     */
    public static RunDirectory openForResume(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new BadInputException("run directory not found: " + dir);
        }
        if (!Files.isRegularFile(abs.resolve(RUN_JSON))) {
            throw new BadInputException(dir + " is not a run directory (it has no " + RUN_JSON + ")");
        }
        FileChannel lock = lock(abs, dir);
        try {
            removeLeftovers(abs);
        } catch (BadInputException e) {
            unlock(abs, lock);
            throw e;
        }
        return new RunDirectory(abs, lock);
    }

    /**
     * Deletes the temporary files of atomic writes a killed run left in the run directory and the
     * folders it writes (checkpoints, plots, analysis). Called under the lock, so no write of another
     * run can be in progress there.
     */
    private static void removeLeftovers(Path abs) {
        for (Path d : List.of(abs, abs.resolve(CHECKPOINTS), abs.resolve(PLOTS), abs.resolve("analysis"))) {
            try {
                AtomicFiles.removeLeftovers(d, Duration.ZERO);
            } catch (IOException e) {
                throw new BadInputException("cannot remove the temporary files a stopped run left in " + d + ": "
                        + describe(e), e);
            }
        }
    }

    /** Bad input when another run holds the lock of the existing directory dir (taken and released here). */
    public static void requireIdle(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        unlock(abs, lock(abs, dir));
    }

    /**
     * Takes the directory's lock, or bad input when another run holds it. Runs of this process are
     * told apart before the file is opened: on POSIX systems closing any descriptor of a file drops
     * the process's lock on it, so a second channel to a locked file must never be opened and closed.
     */
    private static FileChannel lock(Path abs, Path shown) {
        String busy = "run directory " + shown + " is in use by another grokcap run";
        if (!LOCKED_HERE.add(abs)) {
            throw new BadInputException(busy + " in this process; wait for it to end or choose another directory");
        }
        Path file = abs.resolve(LOCK);
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            LOCKED_HERE.remove(abs);
            throw new BadInputException("cannot create the lock file " + file + ": " + describe(e), e);
        }
        try {
            FileLock held = channel.tryLock();
            if (held == null) {
                String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
                unlock(abs, channel);
                throw new BadInputException(busy + (holder.isEmpty() ? "" : " (" + holder + ")")
                        + "; wait for it to end or choose another directory");
            }
            byte[] me = ("process " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(me), 0);
            return channel;
        } catch (OverlappingFileLockException e) {
            unlock(abs, channel);
            throw new BadInputException(busy + " in this process; wait for it to end or choose another directory", e);
        } catch (IOException e) {
            unlock(abs, channel);
            throw new BadInputException("cannot lock " + file + ": " + describe(e), e);
        }
    }

    /** Releases the lock (closing the channel drops it). */
    private static void unlock(Path abs, FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing releases the lock; nothing else to do
        } finally {
            LOCKED_HERE.remove(abs);
        }
    }

    public Path path() {
        return dir;
    }

    /** Writes run.json atomically (again at the end, with the result). */
    public void writeRecord(Object record) throws IOException {
        Json.writePretty(dir.resolve(RUN_JSON), record);
    }

    /** Bad input unless runDir is a finished run: a directory with run.json and the final weights. */
    public static void requireFinished(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            throw new BadInputException("run directory not found: " + runDir);
        }
        for (String f : List.of(RUN_JSON, WEIGHTS)) {
            if (!Files.isRegularFile(runDir.resolve(f))) {
                throw new BadInputException(runDir + " is not a finished run: " + f + " is missing");
            }
        }
    }

    /** Writes {@link #VOCABULARY}: the token names, index = token id. */
    public void writeVocabulary(List<String> tokens) throws IOException {
        Json.writePretty(dir.resolve(VOCABULARY), tokens);
    }

    /** The token names a run stored; bad input when the file is missing or not a list of names. */
    public static List<String> readVocabulary(Path runDir) {
        Path file = runDir.resolve(VOCABULARY);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(runDir + " has no " + VOCABULARY + " (runs write it since question–answer "
                    + "tasks; train the run again)");
        }
        try {
            List<String> tokens = List.of(Json.mapper().readValue(file.toFile(), String[].class));
            if (tokens.isEmpty()) {
                throw new BadInputException(file + ": an empty vocabulary");
            }
            return tokens;
        } catch (IOException | NullPointerException e) {
            throw new BadInputException(file + ": not a JSON list of token names: " + e.getMessage(), e);
        }
    }

    public void appendMetrics(Map<String, ?> row) throws IOException {
        if (metrics == null) {
            metrics = new MetricsWriter(dir.resolve(METRICS));
        }
        metrics.write(row);
    }

    /** Bytes of metrics.jsonl written so far (0 before the first row): the position a checkpoint records. */
    public long metricsBytes() throws IOException {
        Path f = dir.resolve(METRICS);
        return Files.exists(f) ? Files.size(f) : 0;
    }

    /**
     * Cuts metrics.jsonl back to the length a checkpoint recorded, dropping the rows of steps that
     * will be made again. The kept bytes must end with the row of lastStep, the last evaluation the
     * checkpoint covers (-1: none): a damaged or edited position must neither cut away rows the
     * checkpoint covers (they would be lost) nor keep rows after it (they would be made twice).
     * Bad input, with the file untouched, otherwise.
     */
    public void truncateMetrics(long bytes, int lastStep, Path checkpoint) throws IOException {
        if (metrics != null) {
            throw new IllegalStateException("metrics already being appended");
        }
        Path f = dir.resolve(METRICS);
        long size = metricsBytes();
        if (size < bytes) {
            throw new BadInputException(f + " has " + size + " bytes, fewer than the " + bytes
                    + " the checkpoint recorded; it was damaged, so the run cannot continue exactly");
        }
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new BadInputException(checkpoint + ": __metadata__ metricsBytes = " + bytes
                    + ": larger than any metrics file grokcap writes");
        }
        byte[] kept = new byte[0];
        if (bytes > 0) {
            try (InputStream in = Files.newInputStream(f)) {
                kept = in.readNBytes((int) bytes);
            }
        }
        List<Map<String, Double>> rows;
        try {
            rows = JsonLines.parseMetrics(kept, f);
        } catch (IOException e) {
            throw new BadInputException(e.getMessage() + "; the run cannot continue exactly", e);
        }
        boolean endsAtRow = bytes == 0 || kept[kept.length - 1] == '\n';
        int lastKept = rows.isEmpty() ? -1 : rows.get(rows.size() - 1).getOrDefault("step", -2.0).intValue();
        if (!endsAtRow || lastKept != lastStep) {
            throw new BadInputException(checkpoint + ": __metadata__ metricsBytes = " + bytes + " does not end "
                    + (lastStep < 0 ? "before the first metrics row" : "after the metrics row of step " + lastStep)
                    + ", the last one the checkpoint covers (" + f.getFileName() + " or the checkpoint was changed); "
                    + "the run cannot continue exactly");
        }
        if (Files.exists(f)) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ch.truncate(bytes);
                ch.force(true);
            }
        }
    }

    /** The metrics rows written so far. */
    public List<Map<String, Double>> readMetrics() throws IOException {
        Path f = dir.resolve(METRICS);
        return Files.exists(f) ? JsonLines.readMetrics(f) : new ArrayList<>();
    }

    /** The file a checkpoint after this many updates goes to. */
    public Path checkpointFile(int updates) {
        return dir.resolve(CHECKPOINTS).resolve(String.format("step-%09d.safetensors", updates));
    }

    /** The checkpoints present, oldest first. */
    public List<Path> checkpoints() throws IOException {
        return checkpoints(dir);
    }

    /** The checkpoints of the run in runDir, oldest first (none if it has no checkpoints folder). */
    public static List<Path> checkpoints(Path runDir) throws IOException {
        Path cdir = runDir.resolve(CHECKPOINTS);
        if (!Files.isDirectory(cdir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(cdir)) {
            return files.filter(p -> CHECKPOINT_NAME.matcher(p.getFileName().toString()).matches())
                    .sorted().toList();
        }
    }

    /**
     * Writes a checkpoint atomically through writer, then deletes all but the newest
     * {@link #KEEP_CHECKPOINTS}; if the write fails, every earlier checkpoint stays as it was.
     */
    public Path writeCheckpoint(int updates, IoConsumer<Path> writer) throws IOException {
        Files.createDirectories(dir.resolve(CHECKPOINTS));
        Path file = checkpointFile(updates);
        writer.accept(file);
        List<Path> all = checkpoints();
        for (int i = 0; i < all.size() - KEEP_CHECKPOINTS; i++) {
            Files.deleteIfExists(all.get(i));
        }
        return file;
    }

    /**
     * The newest parameters of a run, without opening it for writing: its final weights, else its
     * newest checkpoint; bad input when it has neither.
     */
    public static Path latestWeights(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) {
            throw new BadInputException("run directory not found: " + runDir);
        }
        if (Files.isRegularFile(runDir.resolve(WEIGHTS))) {
            return runDir.resolve(WEIGHTS);
        }
        List<Path> all = checkpoints(runDir);
        if (all.isEmpty()) {
            throw new BadInputException(runDir + " holds neither " + WEIGHTS + " nor a checkpoint");
        }
        return all.get(all.size() - 1);
    }

    /** run.json as written; bad input when it is not a JSON object (see {@link #readRecord(Path)}). */
    public Map<String, Object> readRecord() {
        @SuppressWarnings("unchecked")
        Map<String, Object> record = Json.mapper().convertValue(readRecord(dir), LinkedHashMap.class);
        return record;
    }

    /**
     * The run.json of runDir as a JSON object. Bad input, one line naming the file, when it is missing,
     * unreadable, not JSON or not an object: run.json is edited and copied by hand, and every command
     * that reads it (resume, sweep, report, analyze) must say so instead of failing somewhere later.
     */
    public static ObjectNode readRecord(Path runDir) {
        Path file = runDir.resolve(RUN_JSON);
        JsonNode node;
        try {
            node = Json.mapper().readTree(file.toFile());
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            throw new BadInputException(file + ": not valid JSON" + (at == null || at.getLineNr() < 0 ? ""
                    : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")") + ": "
                    + e.getOriginalMessage().lines().findFirst().orElse("") + "; the run's record is damaged", e);
        } catch (IOException e) {
            throw new BadInputException("cannot read " + file + ": " + describe(e), e);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new BadInputException(file + ": not a run record (a JSON object), but "
                    + (node == null || node.isMissingNode() ? "empty" : node.getNodeType().toString().toLowerCase())
                    + "; the run's record is damaged");
        }
        return object;
    }

    public void writeWeights(ParamLayout layout, float[] flat, Map<String, String> metadata) throws IOException {
        Safetensors.write(dir.resolve(WEIGHTS), layout, flat, metadata);
    }

    public void writePlots(String title, List<Map<String, Double>> rows, List<String> splits) throws IOException {
        writePlots(title, rows, splits, false);
    }

    /** The training curves into plots/, with a logarithmic step axis if logX. */
    public void writePlots(String title, List<Map<String, Double>> rows, List<String> splits, boolean logX)
            throws IOException {
        Charts.trainingCurves(dir.resolve(PLOTS), title, rows, splits, logX);
    }

    @Override
    public void close() throws IOException {
        try {
            if (metrics != null) {
                metrics.close();
            }
        } finally {
            unlock(dir, lockChannel);
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        String kind = e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2");
        return m == null ? kind : kind.toLowerCase() + " (" + m + ")";
    }
}
