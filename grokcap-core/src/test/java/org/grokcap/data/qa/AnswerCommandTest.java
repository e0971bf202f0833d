package org.grokcap.data.qa;

import org.grokcap.analysis.QaAnswerer;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.cli.CommandRun;
import org.grokcap.run.ConfigLoader;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.io.Json;
import org.grokcap.io.JsonLines;
import org.grokcap.run.RunDirectory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Trains one tiny question–answer run, then answers with it through the command line. */
class AnswerCommandTest {
    private static final String[] PEOPLE = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
            "ivan", "judy"};
    private static final String[] CITIES = {"paris", "rome", "oslo", "new york", "lima"};

    @TempDir
    static Path dir;
    static Path runDir;
    static Path data;

    @BeforeAll
    static void trainATinyRun() throws Exception {
        StringBuilder csv = new StringBuilder("context,question,answer\n");
        for (int i = 0; i < PEOPLE.length; i++) {
            // closed book: the answer is remembered, not read; the context only varies the prompt
            csv.append(i % 2 == 0 ? "\"Hello, " + PEOPLE[i] + ".\"" : "")
                    .append(",Where does ").append(PEOPLE[i]).append(" live?,").append(CITIES[i % CITIES.length])
                    .append('\n');
        }
        data = Files.writeString(dir.resolve("facts.csv"), csv);
        Path config = Files.writeString(dir.resolve("qa.json"), """
                {"name":"qa-tiny","task":{"type":"qa","file":"facts.csv","testCount":2},
                 "model":{"layers":1,"dModel":32,"heads":2,"dMlp":64,"layerNorm":true,"init":"gpt2"},
                 "train":{"seed":1,"steps":150,"evalEvery":50,"optimizer":{"lr":0.01,"weightDecay":0.01}}}""");
        runDir = dir.resolve("run");
        CommandRun train = CommandRun.of("train", config.toString(), "--out", runDir.toString(), "--quiet");
        assertEquals(0, train.exitCode(), train.err());
    }

    @Test
    void theRunStoresItsVocabularyAndLearnsItsTrainingAnswers() throws Exception {
        List<String> vocab = RunDirectory.readVocabulary(runDir);
        assertEquals(QaVocabulary.SPECIAL, vocab.subList(0, 5));
        assertTrue(vocab.containsAll(List.of("hello", "new", "york", "where")), vocab.toString());
        Map<String, Double> last = JsonLines.readMetrics(runDir.resolve(RunDirectory.METRICS)).getLast();
        assertEquals(1.0, last.get("train_accuracy"), "memorised: " + last);
    }

    /**
     * The metrics' accuracy is exact match under teacher forcing; greedy decoding of every row of both
     * splits reproduces exactly the rows that count as right.
     */
    @Test
    void greedyDecodingReproducesExactlyTheRowsTheAccuracyCounts() throws Exception {
        QaTaskSpec task = (QaTaskSpec) ConfigLoader.load(runDir.resolve(RunDirectory.RUN_JSON)).task();
        TokenizedDataset d = task.generate(1);
        Map<String, Double> last = JsonLines.readMetrics(runDir.resolve(RunDirectory.METRICS)).getLast();
        try (ReferenceDevice dev = new ReferenceDevice()) {
            QaAnswerer answerer = QaAnswerer.load(runDir, dev);
            int T = d.contextLength();
            for (Split s : d.splits().values()) {
                int right = 0;
                for (int i = 0; i < s.size(); i++) {
                    StringBuilder context = new StringBuilder();
                    StringBuilder question = new StringBuilder();
                    StringBuilder answer = new StringBuilder();
                    StringBuilder part = context;
                    for (int t = 0; t < T; t++) {
                        String w = d.vocabulary().get(s.tokens()[i * T + t]);
                        switch (w) {
                            case QaVocabulary.QUESTION -> part = question;
                            case QaVocabulary.ANSWER -> part = answer;
                            case QaVocabulary.END, QaVocabulary.PAD -> part = new StringBuilder();
                            default -> part.append(part.isEmpty() ? "" : " ").append(w);
                        }
                    }
                    QaAnswerer.Answer a = answerer.answer(context.toString(), question.toString(),
                            new QaAnswerer.Options(null, null));
                    boolean exact = a.answer().equals(answer.toString()) && a.stop().equals("end");
                    right += exact ? 1 : 0;
                    if (s.name().equals("train")) {
                        assertTrue(exact, "training row " + i + ": " + a + " for " + answer);
                    }
                }
                assertEquals(last.get(s.name() + "_accuracy"), right / (double) s.size(), s.name());
            }
        }
    }

    @Test
    void answerPrintsTheAnswerAndOneJsonLineAndNeedsOnlyTheRunDirectory() throws Exception {
        List<String> trained = trainingPeople();
        Path moved = dir.resolve("facts.moved");
        Files.move(data, moved);
        try {
            String ny = trained.contains("dave") ? "Dave" : "Judy"; // the people who live in new york
            assertTrue(trained.contains(ny.toLowerCase()), "a training row has a two-word answer: " + trained);
            String withContext = trained.stream().filter(p -> List.of(PEOPLE).indexOf(p) % 2 == 0).findFirst()
                    .orElseThrow();
            String city = CITIES[List.of(PEOPLE).indexOf(withContext) % CITIES.length];
            CommandRun o = CommandRun.of("answer", runDir.toString(), "Where does " + ny + " live?");
            assertEquals(0, o.exitCode(), o.err());
            assertTrue(o.out().contains("answer: new york\n"), o.out());
            JsonNode j = o.lastJsonLine();
            assertEquals("new york", j.get("answer").asText());
            assertEquals(List.of("new", "york", "</a>"), Json.mapper().convertValue(j.get("tokens"), List.class));
            assertEquals("end", j.get("stop").asText());
            assertEquals("greedy", j.get("decoding").asText());
            assertEquals(0, j.get("unknownWords").size());

            CommandRun ctx = CommandRun.of("answer", runDir.toString(), "Where does " + withContext + " live?", "--context",
                    "Hello, " + withContext + ".");
            assertEquals(city, ctx.lastJsonLine().get("answer").asText(), ctx.out());
            assertTrue(ctx.out().contains("prompt: hello , " + withContext + " . <q> where does " + withContext
                    + " live ? <a>\n"), ctx.out());

            CommandRun cut = CommandRun.of("answer", runDir.toString(), "Where does " + ny + " live?", "--max-tokens", "1");
            assertEquals("new", cut.lastJsonLine().get("answer").asText());
            assertEquals("max-tokens", cut.lastJsonLine().get("stop").asText());
        } finally {
            Files.move(moved, data);
        }
    }

    /** The people the training split asks about (the word after "does"). */
    private static List<String> trainingPeople() {
        QaTaskSpec task = (QaTaskSpec) ConfigLoader.load(runDir.resolve(RunDirectory.RUN_JSON)).task();
        TokenizedDataset d = task.generate(1);
        Split train = d.split("train");
        List<String> people = new java.util.ArrayList<>();
        for (int i = 0; i < train.tokens().length - 1; i++) {
            if (d.vocabulary().get(train.tokens()[i]).equals("does")) {
                people.add(d.vocabulary().get(train.tokens()[i + 1]));
            }
        }
        return people;
    }

    @Test
    void unknownWordsAreReadAsUnkAndSaid() throws Exception {
        CommandRun o = CommandRun.of("answer", runDir.toString(), "Where does Zorro live?");
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().startsWith("unknown words (read as <unk>): zorro\n"), o.out());
        assertEquals("zorro", o.lastJsonLine().get("unknownWords").get(0).asText());
        assertTrue(o.out().contains("prompt: <q> where does <unk> live ? <a>\n"), o.out());
    }

    @Test
    void samplingWithASeedRepeatsItself() throws Exception {
        String[] args = {"answer", runDir.toString(), "Where does Frank live?", "--sample", "--temperature", "3",
                "--top-k", "4", "--seed", "5"};
        CommandRun a = CommandRun.of(args);
        assertEquals(0, a.exitCode(), a.err());
        assertEquals(a.out(), CommandRun.of(args).out());
        assertEquals("sample", a.lastJsonLine().get("decoding").asText());
    }

    @Test
    void badRequestsExitWithTwoAndOneLine() throws Exception {
        CommandRun temp = CommandRun.of("answer", runDir.toString(), "Where?", "--temperature", "2");
        assertEquals(2, temp.exitCode());
        assertEquals("error: --temperature applies to sampling; add --sample\n", temp.err());
        CommandRun zero = CommandRun.of("answer", runDir.toString(), "Where?", "--sample", "--temperature", "0");
        assertEquals(2, zero.exitCode());
        assertEquals("error: --temperature = 0: must be > 0\n", zero.err());
        CommandRun none = CommandRun.of("answer", dir.resolve("nothing").toString(), "Where?");
        assertEquals(2, none.exitCode());
        assertEquals("error: run directory not found: " + dir.resolve("nothing") + "\n", none.err());
        CommandRun missing = CommandRun.of("answer", runDir.toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().startsWith("error: missing QUESTION\n"), missing.err());
        CommandRun blank = CommandRun.of("answer", runDir.toString(), "  ");
        assertEquals("error: the question is empty\n", blank.err());

        Path modular = dir.resolve("modular");
        Path config = Files.writeString(dir.resolve("m.json"), """
                {"task":{"type":"modular","p":5,"trainFraction":0.5},"model":{"dModel":8,"heads":2,"dMlp":8},
                 "train":{"steps":1}}""");
        assertEquals(0, CommandRun.of("train", config.toString(), "--out", modular.toString(), "--quiet").exitCode());
        CommandRun wrong = CommandRun.of("answer", modular.toString(), "Where?");
        assertEquals(2, wrong.exitCode());
        assertEquals("error: " + modular + " trained a ModularTaskSpec; answer needs a run of a question–answer task "
                + "(task type qa)\n", wrong.err());
    }
}
