package org.grokcap.data.reasoning;

import org.apache.commons.rng.UniformRandomProvider;
import org.grokcap.data.TaskSpec;
import org.grokcap.data.DatasetFiles;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.io.AtomicFiles;
import org.grokcap.io.Json;
import org.grokcap.util.Rngs;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A generated knowledge task: facts by split name, the vocabulary, and which splits are trained.
 *
 * <p>As one {@link TokenizedDataset}, a fact is the sequence question + answer (without the answer's last
 * token), padded with {@link #PAD} to the longest fact; its targets are the answer's tokens at the
 * positions that predict them, so the loss reads only the answer. The optimizer sees the split
 * {@value #TRAIN}, the shuffled union of the trained splits; every named split is also reported
 * on its own.
 *
 * @param vocabulary      token names; the first outputVocab of them are the possible answer tokens
 * @param outputVocab     how many tokens an answer may use
 * @param splits          facts by split name, each list already shuffled
 * @param trainedSplits   the splits whose union is {@value #TRAIN}
 */
public record ReasoningData(List<String> vocabulary, int outputVocab, Map<String, List<Fact>> splits,
                            List<String> trainedSplits) {
    /** The split the optimizer sees: the union of the trained splits. */
    public static final String TRAIN = "train";
    /** Fills positions after a short fact's answer; never a target. */
    public static final String PAD = "<pad>";
    /** Ends every answer. */
    public static final String END = "</a>";

    public ReasoningData {
        vocabulary = List.copyOf(vocabulary);
        splits = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(splits));
        trainedSplits = List.copyOf(trainedSplits);
    }

    /** The longest fact's length: the dataset's context length T. */
    public int contextLength() {
        int t = 1;
        for (List<Fact> facts : splits.values()) {
            for (Fact f : facts) {
                t = Math.max(t, f.length());
            }
        }
        return t;
    }

    /** Every split as sequences, plus {@value #TRAIN}, the trained splits' union shuffled with the seed. */
    public TokenizedDataset toDataset(long seed) {
        int T = contextLength();
        int pad = vocabulary.indexOf(PAD);
        List<Fact> train = new ArrayList<>();
        for (String s : trainedSplits) {
            train.addAll(splits.get(s));
        }
        shuffle(train, Rngs.stream(seed, "data.union"));
        Map<String, Split> out = new LinkedHashMap<>();
        out.put(TRAIN, encode(TRAIN, train, T, pad));
        for (Map.Entry<String, List<Fact>> e : splits.entrySet()) {
            out.put(e.getKey(), encode(e.getKey(), e.getValue(), T, pad));
        }
        return new TokenizedDataset(T, vocabulary, outputVocab, out, TRAIN);
    }

    private static Split encode(String name, List<Fact> facts, int T, int pad) {
        int n = facts.size();
        int[] tokens = new int[n * T];
        int[] targets = new int[n * T];
        Arrays.fill(tokens, pad);
        Arrays.fill(targets, -1);
        for (int i = 0; i < n; i++) {
            Fact f = facts.get(i);
            int o = i * T;
            int q = f.input().length;
            System.arraycopy(f.input(), 0, tokens, o, q);
            System.arraycopy(f.answer(), 0, tokens, o + q, f.answer().length - 1);
            for (int j = 0; j < f.answer().length; j++) {
                targets[o + q - 1 + j] = f.answer()[j];
            }
        }
        return new Split(name, n, tokens, targets);
    }

    /**
     * Writes one {@code <split>.jsonl} per split (records {@code {"input":[...],"target":[...]}} of token
     * names) and dataset.json: the task's knobs, seed, hash of the tokenized dataset, sizes, which
     * splits are trained, and extra (the generator's own counts).
     */
    public Map<String, Object> write(TaskSpec task, long seed, Path dir, Map<String, Object> extra) throws IOException {
        Map<String, Object> sizes = new LinkedHashMap<>();
        for (Map.Entry<String, List<Fact>> e : splits.entrySet()) {
            List<Fact> facts = e.getValue();
            AtomicFiles.write(dir.resolve(e.getKey() + ".jsonl"), os -> {
                BufferedWriter w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8));
                for (Fact f : facts) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("input", names(f.input()));
                    row.put("target", names(f.answer()));
                    w.write(Json.mapper().writeValueAsString(row));
                    w.write('\n');
                }
                w.flush();
            });
            sizes.put(e.getKey(), facts.size());
        }
        TokenizedDataset data = toDataset(seed);
        Map<String, Object> meta = DatasetFiles.metadata(task, seed, data.hash());
        meta.put("contextLength", data.contextLength());
        meta.put("vocabSize", data.vocabSize());
        meta.put("outputVocabSize", outputVocab);
        meta.put("splits", sizes);
        meta.put("trainedSplits", trainedSplits);
        meta.put("trainingSplit", TRAIN + " = " + String.join(" ∪ ", trainedSplits) + ", shuffled");
        meta.putAll(extra);
        DatasetFiles.writeMetadata(dir, meta);
        return meta;
    }

    private List<String> names(int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(vocabulary.get(id));
        }
        return out;
    }

    /** Fisher–Yates in place. */
    static <T> void shuffle(List<T> list, UniformRandomProvider rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            T tmp = list.get(i);
            list.set(i, list.get(j));
            list.set(j, tmp);
        }
    }

    /** Fisher–Yates over a[0..n) in place. */
    static void shuffle(int[] a, int n, UniformRandomProvider rng) {
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
    }

    /** Fisher–Yates over a[0..n) in place. */
    static void shuffle(long[] a, int n, UniformRandomProvider rng) {
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            long tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
    }

    /** Token names "&lt;prefix0&gt;" .. "&lt;prefix(n-1)&gt;". */
    static List<String> tokens(String prefix, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add("<" + prefix + i + ">");
        }
        return out;
    }
}
