package org.grokcap.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.grokcap.util.BadInputException;
import org.grokcap.data.TaskSpec;
import org.grokcap.io.AtomicFiles;
import org.grokcap.io.Json;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What {@code grokcap generate} writes: a dataset directory. Tasks with their own record format
 * (profiles, facts) write that; every task can fall back on {@link #writeSplits}, one JSONL file per
 * split with the token names of each sequence and its targets.
 */
public final class DatasetFiles {
    /** The metadata file every generated dataset directory holds: the task's knobs, seed, sizes, hash. */
    public static final String METADATA = "dataset.json";

    private DatasetFiles() {}

    /**
     * Checks that dir may receive a dataset (absent, or an empty directory) and creates it; refuses
     * anything else so a second generate never mixes two datasets.
     */
    public static Path prepare(Path dir) throws IOException {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new BadInputException("output " + dir + " exists and is not a directory");
            }
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new BadInputException("output directory " + dir + " is not empty; choose another --out");
                }
            }
        }
        return Files.createDirectories(dir);
    }

    /**
     * Writes every split of data as {@code <split>.jsonl} (one object per sequence: {@code tokens}, the
     * token names, and {@code targets}, the target token name or null per position) and
     * {@link #METADATA}; returns the metadata.
     */
    public static Map<String, Object> writeSplits(TaskSpec task, TokenizedDataset data, long seed, Path dir)
            throws IOException {
        List<String> vocab = data.vocabulary();
        int T = data.contextLength();
        Map<String, Object> sizes = new LinkedHashMap<>();
        for (Split s : data.splits().values()) {
            AtomicFiles.write(dir.resolve(s.name() + ".jsonl"), os -> {
                BufferedWriter w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8));
                for (int i = 0; i < s.size(); i++) {
                    List<String> tokens = new ArrayList<>(T);
                    List<String> targets = new ArrayList<>(T);
                    for (int t = 0; t < T; t++) {
                        tokens.add(vocab.get(s.tokens()[i * T + t]));
                        int target = s.targets()[i * T + t];
                        targets.add(target < 0 ? null : vocab.get(target));
                    }
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("tokens", tokens);
                    row.put("targets", targets);
                    w.write(Json.mapper().writeValueAsString(row));
                    w.write('\n');
                }
                w.flush();
            });
            sizes.put(s.name(), s.size());
        }
        Map<String, Object> meta = metadata(task, seed, data.hash());
        meta.put("contextLength", T);
        meta.put("vocabSize", data.vocabSize());
        meta.put("splits", sizes);
        writeMetadata(dir, meta);
        return meta;
    }

    /** The start of every dataset.json: the task with all its knobs resolved, the seed and a hash. */
    public static Map<String, Object> metadata(TaskSpec task, long seed, String hash) {
        Map<String, Object> meta = new LinkedHashMap<>();
        // Written through the declared type, so the task keeps its "type" and reads back as a config's task.
        try {
            meta.put("task", Json.mapper().readTree(Json.mapper().writerFor(TaskSpec.class).writeValueAsString(task)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a task spec always serializes", e);
        }
        meta.put("seed", seed);
        meta.put("hash", hash);
        return meta;
    }

    public static void writeMetadata(Path dir, Map<String, Object> meta) throws IOException {
        Json.writePretty(dir.resolve(METADATA), meta);
    }
}
