package org.grokcap.analysis;

import org.grokcap.run.FinishedRun;
import org.grokcap.data.qa.WordTokenizer;

import org.grokcap.data.qa.QaVocabulary;

import org.grokcap.data.qa.QaTaskSpec;

import org.grokcap.util.BadInputException;
import org.grokcap.backend.Device;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.model.Decoder;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.Transformer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * {@code grokcap answer RUN_DIR "question"}: answers new questions with a finished question–answer run.
 * It needs only the run directory (run.json for the task's tokenizer settings and the model, the
 * stored vocabulary, the final weights), not the data file the run trained on.
 */
public final class QaAnswerer {
    /**
     * How to answer.
     *
     * @param maxTokens most answer tokens to generate (the end token included); null: as many as the
     *                  model's context length leaves after the prompt
     * @param sampling  null for greedy decoding
     */
    public record Options(Integer maxTokens, Decoder.Sampling sampling) {}

    /**
     * An answer.
     *
     * @param answer       the answer words joined by spaces (without the end token)
     * @param tokens       every generated token, the end token included when the model produced it
     * @param prompt       the tokens the model read: context {@code <q>} question {@code <a>}
     * @param unknownWords words of the context or question the vocabulary lacks, read as {@code <unk>}
     * @param stop         why generation ended: "end" (the end token), "max-tokens" or "context-full"
     * @param decoding     "greedy" or "sample"
     */
    public record Answer(String answer, List<String> tokens, List<String> prompt, List<String> unknownWords,
                         String stop, String decoding) {}

    private final QaTaskSpec task;
    private final QaVocabulary vocabulary;
    private final Transformer model;
    private final Decoder decoder;

    private QaAnswerer(QaTaskSpec task, QaVocabulary vocabulary, Transformer model) {
        this.task = task;
        this.vocabulary = vocabulary;
        this.model = model;
        this.decoder = new Decoder(model);
    }

    /** Loads a finished question–answer run onto a device. */
    public static QaAnswerer load(Path runDir, Device device) {
        FinishedRun run = FinishedRun.open(runDir);
        ExperimentSpec spec = run.spec();
        if (!(spec.task() instanceof QaTaskSpec task)) {
            throw new BadInputException(runDir + " trained a " + spec.task().getClass().getSimpleName()
                    + "; answer needs a run of a question–answer task (task type qa)");
        }
        QaVocabulary vocab = QaVocabulary.of(run.vocabulary());
        ModelConfig cfg = spec.model();
        if (cfg.vocabSize() == null || cfg.contextLength() == null || cfg.vocabSize() != vocab.size()) {
            throw new BadInputException(runDir + ": the stored vocabulary has " + vocab.size() + " tokens but the "
                    + "model in run.json reads " + cfg.vocabSize());
        }
        Transformer model = run.loadModel(device, 1).model();
        return new QaAnswerer(task, vocab, model);
    }

    public QaVocabulary vocabulary() {
        return vocabulary;
    }

    /** Answers a question, given an optional context (null or blank for none). */
    public Answer answer(String context, String question, Options options) {
        WordTokenizer tok = task.tokenizer();
        List<String> contextWords = context == null ? List.of() : tok.words(context);
        List<String> questionWords = tok.words(question);
        if (questionWords.isEmpty()) {
            throw new BadInputException("the question is empty");
        }
        LinkedHashSet<String> unknown = new LinkedHashSet<>();
        for (List<String> words : List.of(contextWords, questionWords)) {
            for (String w : words) {
                if (!vocabulary.contains(w)) {
                    unknown.add(w);
                }
            }
        }
        int[] prompt = vocabulary.prompt(contextWords, questionWords);
        int T = model.config().contextLength();
        if (prompt.length >= T) {
            throw new BadInputException("the prompt is " + prompt.length + " tokens (" + contextWords.size()
                    + " context, " + questionWords.size() + " question words and 2 markers); this model reads at most "
                    + T + " positions, which leaves no room for an answer");
        }
        int maxNew = options.maxTokens() == null ? Integer.MAX_VALUE : options.maxTokens();
        if (maxNew < 1) {
            throw new BadInputException("--max-tokens must be at least 1");
        }
        Decoder.Result r = decoder.generate(prompt, maxNew, QaVocabulary.END_ID, options.sampling());
        List<String> tokens = new ArrayList<>();
        List<String> answerWords = new ArrayList<>();
        for (int t : r.tokens()) {
            tokens.add(vocabulary.name(t));
            if (t != QaVocabulary.END_ID) {
                answerWords.add(vocabulary.name(t));
            }
        }
        List<String> promptNames = new ArrayList<>();
        for (int t : prompt) {
            promptNames.add(vocabulary.name(t));
        }
        String stop = switch (r.stop()) {
            case STOP_TOKEN -> "end";
            case MAX_TOKENS -> "max-tokens";
            case CONTEXT_FULL -> "context-full";
        };
        return new Answer(String.join(" ", answerWords), tokens, promptNames, List.copyOf(unknown), stop,
                options.sampling() == null ? "greedy" : "sample");
    }
}
