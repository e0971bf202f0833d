package org.grokcap.data;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A task's data as integer tokens: every sequence has the same length T, targets sit at chosen
 * positions, and sequences are grouped into named splits.
 *
 * @param contextLength     T
 * @param vocabulary        the input tokens' names, index = token id
 * @param outputVocabSize   targets lie in [0, outputVocabSize)
 * @param splits            by name, in reporting order
 * @param trainSplit        the split the optimizer sees
 */
public record TokenizedDataset(int contextLength, List<String> vocabulary, int outputVocabSize,
                               Map<String, Split> splits, String trainSplit) {
    public TokenizedDataset {
        vocabulary = List.copyOf(vocabulary);
        splits = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(splits));
        if (!splits.containsKey(trainSplit)) {
            throw new IllegalArgumentException("no training split '" + trainSplit + "' among " + splits.keySet());
        }
        for (Split s : splits.values()) {
            if (s.size() > 0 && s.tokens().length != s.size() * contextLength) {
                throw new IllegalArgumentException("split " + s.name() + " is not " + s.size() + "×" + contextLength);
            }
        }
    }

    public int vocabSize() {
        return vocabulary.size();
    }

    public Split split(String name) {
        Split s = splits.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no split '" + name + "'; have " + splits.keySet());
        }
        return s;
    }

    /** SHA-256 over the sizes and every split's name, tokens and targets: the data's identity in run.json. */
    public String hash() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer head = ByteBuffer.allocate(12).putInt(contextLength).putInt(vocabSize()).putInt(outputVocabSize);
            md.update(head.array());
            for (Split s : splits.values()) {
                md.update(s.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                ByteBuffer bb = ByteBuffer.allocate(4 * (1 + 2 * s.tokens().length));
                bb.putInt(s.size());
                for (int t : s.tokens()) {
                    bb.putInt(t);
                }
                for (int t : s.targets()) {
                    bb.putInt(t);
                }
                md.update(bb.array());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
