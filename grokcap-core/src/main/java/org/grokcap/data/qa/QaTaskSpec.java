package org.grokcap.data.qa;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonTypeName;
import org.apache.commons.rng.UniformRandomProvider;
import org.grokcap.util.BadInputException;
import org.grokcap.config.Check;
import org.grokcap.config.ConfigException;
import org.grokcap.data.TaskSpec;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.model.ModelConfig;
import org.grokcap.util.Rngs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Question–answer data the user brings (docs/science.md §4): a CSV or JSONL file with a question and an
 * answer per row and optionally a context (premises). Text becomes words ({@link WordTokenizer}),
 * words become ids ({@link QaVocabulary}: special tokens, then every word of the file in order of
 * first appearance), and each row one sequence {@code context <q> question <a> answer </a>}, padded
 * with {@code <pad>} to the longest row (or maxLength). The loss and the accuracy read only the answer
 * and its end token, and the accuracy is exact match of the whole answer. A seeded shuffle holds out
 * testFraction (or testCount) of the rows as the split "test"; the rest are "train".
 *
 * <p>The vocabulary covers the held-out rows too, so a held-out answer word has an id; a word that
 * appears only in held-out rows was never trained and is answered only by luck.
 *
 * @param file           the data file; a relative path is read from the config file's directory
 * @param format         "csv" (header row, RFC 4180 quoting) or "jsonl"; default from the extension
 *                       (.csv, else .jsonl / .ndjson / .json)
 * @param contextColumn  column of the context; default "context" when the file has it, else none
 * @param questionColumn column of the question; default "question"
 * @param answerColumn   column of the answer; default "answer"
 * @param lowercase      lower-case text before splitting it into words; default true
 * @param testFraction   fraction of rows held out, in (0, 1); default 0.1 (unless testCount is set)
 * @param testCount      number of rows held out, instead of testFraction
 * @param maxLength      sequence length T; default the longest row; a longer row is an error
 */
@JsonTypeName("qa")
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QaTaskSpec(String file, String format, String contextColumn, String questionColumn,
                         String answerColumn, Boolean lowercase, Double testFraction, Integer testCount,
                         Integer maxLength) implements TaskSpec {

    public QaTaskSpec {
        Check.present("file", file);
        if (file.isBlank()) {
            throw new ConfigException("file", file, "must name a CSV or JSONL file");
        }
        format = format == null ? formatOf(file) : format.toLowerCase(Locale.ROOT);
        if (!format.equals("csv") && !format.equals("jsonl")) {
            throw new ConfigException("format", format, "must be csv or jsonl");
        }
        questionColumn = nonBlank("questionColumn", questionColumn == null ? "question" : questionColumn);
        answerColumn = nonBlank("answerColumn", answerColumn == null ? "answer" : answerColumn);
        if (contextColumn != null) {
            nonBlank("contextColumn", contextColumn);
        }
        lowercase = lowercase == null || lowercase;
        if (testFraction != null && testCount != null) {
            throw new ConfigException("testCount", testCount, "give testFraction or testCount, not both");
        }
        if (testCount != null) {
            Check.atLeast("testCount", testCount, 1);
        } else {
            testFraction = Check.openInterval("testFraction", testFraction == null ? 0.1 : testFraction, 0.0, 1.0);
        }
        if (maxLength != null) {
            Check.between("maxLength", maxLength, 4, ModelConfig.MAX_DIM);
        }
    }

    private static String formatOf(String file) {
        String f = file.toLowerCase(Locale.ROOT);
        if (f.endsWith(".csv")) {
            return "csv";
        }
        if (f.endsWith(".jsonl") || f.endsWith(".ndjson") || f.endsWith(".json")) {
            return "jsonl";
        }
        throw new ConfigException("file", file, "cannot tell the format from the extension; set format to csv or jsonl");
    }

    private static String nonBlank(String field, String value) {
        if (value.isBlank()) {
            throw new ConfigException(field, value, "must name a column");
        }
        return value;
    }

    /** The same task with file resolved against the config file's directory. */
    @Override
    public TaskSpec relativeTo(Path configDir) {
        Path p = Path.of(file);
        if (p.isAbsolute() || configDir == null) {
            return this;
        }
        return new QaTaskSpec(configDir.resolve(p).toAbsolutePath().normalize().toString(), format, contextColumn,
                questionColumn, answerColumn, lowercase, testFraction, testCount, maxLength);
    }

    public WordTokenizer tokenizer() {
        return new WordTokenizer(lowercase);
    }

    /** A row as words. */
    record Words(int line, List<String> context, List<String> question, List<String> answer) {
        int length() {
            return QaVocabulary.length(context.size(), question.size(), answer.size());
        }
    }

    /** The file's rows as words, in file order. */
    List<Words> readWords() {
        WordTokenizer tok = tokenizer();
        List<Words> rows = new ArrayList<>();
        for (QaFile.Row r : QaFile.read(Path.of(file), format,
                new QaFile.Columns(contextColumn, questionColumn, answerColumn))) {
            rows.add(new Words(r.line(), tok.words(r.context()), tok.words(r.question()), tok.words(r.answer())));
        }
        return rows;
    }

    @Override
    public TokenizedDataset generate(long seed) {
        List<Words> rows = readWords();
        List<List<String>> all = new ArrayList<>();
        for (Words w : rows) {
            all.add(w.context());
            all.add(w.question());
            all.add(w.answer());
        }
        QaVocabulary vocab = QaVocabulary.build(all);
        int T = contextLength(rows);

        int n = rows.size();
        int nTest = testCount != null ? testCount : (int) Math.round(testFraction * n);
        if (nTest < 1 || nTest >= n) {
            String field = testCount != null ? "testCount" : "testFraction";
            throw new ConfigException(field, testCount != null ? testCount : testFraction,
                    "holds out " + nTest + " of the file's " + n + " rows; both splits need at least one row");
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        UniformRandomProvider rng = Rngs.stream(seed, "data");
        for (int i = n - 1; i > 0; i--) { // Fisher–Yates: the split is a function of (seed, file)
            int j = rng.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        int[] test = Arrays.copyOfRange(order, 0, nTest);
        int[] train = Arrays.copyOfRange(order, nTest, n);
        Arrays.sort(test); // each split in file order
        Arrays.sort(train);
        Map<String, Split> splits = new LinkedHashMap<>();
        splits.put("train", encode("train", rows, train, vocab, T));
        splits.put("test", encode("test", rows, test, vocab, T));
        return new TokenizedDataset(T, vocab.tokens(), vocab.size(), splits, "train");
    }

    /** maxLength, or the longest row; a row longer than maxLength is an error naming its line. */
    private int contextLength(List<Words> rows) {
        int longest = 0;
        for (Words w : rows) {
            if (maxLength != null && w.length() > maxLength) {
                throw new BadInputException(file + ":" + w.line() + ": the row is " + w.length() + " tokens long ("
                        + w.context().size() + " context, " + w.question().size() + " question, " + w.answer().size()
                        + " answer words and 3 markers), more than maxLength = " + maxLength);
            }
            longest = Math.max(longest, w.length());
        }
        return maxLength != null ? maxLength : longest;
    }

    /** The rows at these indices as sequences; targets only at the answer's positions (see {@link QaVocabulary}). */
    static Split encode(String name, List<Words> rows, int[] indices, QaVocabulary vocab, int T) {
        int[] tokens = new int[indices.length * T];
        int[] targets = new int[indices.length * T];
        Arrays.fill(tokens, QaVocabulary.PAD_ID);
        Arrays.fill(targets, -1);
        for (int s = 0; s < indices.length; s++) {
            Words w = rows.get(indices[s]);
            int o = s * T;
            int[] prompt = vocab.prompt(w.context(), w.question());
            System.arraycopy(prompt, 0, tokens, o, prompt.length);
            int k = o + prompt.length;
            for (String a : w.answer()) {
                targets[k - 1] = vocab.id(a);
                tokens[k++] = vocab.id(a);
            }
            targets[k - 1] = QaVocabulary.END_ID;
            tokens[k] = QaVocabulary.END_ID;
        }
        return new Split(name, indices.length, tokens, targets);
    }
}
