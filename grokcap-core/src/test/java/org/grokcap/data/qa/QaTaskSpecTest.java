package org.grokcap.data.qa;

import org.grokcap.util.BadInputException;
import org.grokcap.config.ConfigException;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QaTaskSpecTest {
    private static final String CSV = """
            context,question,answer
            "Alice lives in Paris, and Bob likes tea.",Where does Alice live?,Paris
            Bob likes tea.,What does Bob like?,green tea
            ,Who is there?,"nobody, really"
            "Carol says ""hi"".",What does Carol say?,hi
            """;

    private static final String JSONL = """
            {"context": "Alice lives in Paris, and Bob likes tea.", "question": "Where does Alice live?", "answer": "Paris"}
            {"context": "Bob likes tea.", "question": "What does Bob like?", "answer": "green tea"}

            {"question": "Who is there?", "answer": "nobody, really"}
            {"context": "Carol says \\"hi\\".", "question": "What does Carol say?", "answer": "hi"}
            """;

    private static QaTaskSpec spec(Path file) {
        return new QaTaskSpec(file.toString(), null, null, null, null, null, null, 1, null);
    }

    private static Path write(Path dir, String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    /** Every sequence of both splits as words, tokens and targets side by side. */
    private static List<String> render(TokenizedDataset d) {
        List<String> out = new ArrayList<>();
        int T = d.contextLength();
        for (Split s : d.splits().values()) {
            for (int i = 0; i < s.size(); i++) {
                StringBuilder sb = new StringBuilder(s.name()).append(':');
                for (int t = 0; t < T; t++) {
                    int target = s.targets()[i * T + t];
                    sb.append(' ').append(d.vocabulary().get(s.tokens()[i * T + t]))
                            .append(target < 0 ? "" : "→" + d.vocabulary().get(target));
                }
                out.add(sb.toString());
            }
        }
        return out;
    }

    @Test
    void csvAndJsonlGiveTheSameSequencesWithTheLossOnTheAnswerOnly(@TempDir Path dir) throws Exception {
        TokenizedDataset csv = spec(write(dir, "d.csv", CSV)).generate(0);
        TokenizedDataset jsonl = spec(write(dir, "d.jsonl", JSONL)).generate(0);
        assertEquals(render(csv), render(jsonl));
        assertEquals(csv.hash(), jsonl.hash());
        // the longest row: 10 context + 5 question + 1 answer word + 3 markers
        assertEquals(19, csv.contextLength());
        assertEquals(QaVocabulary.SPECIAL, csv.vocabulary().subList(0, 5));
        assertEquals(csv.vocabSize(), csv.outputVocabSize());
        List<String> all = render(csv).stream().map(r -> r.substring(r.indexOf(':') + 1)).toList();
        assertTrue(all.contains(" bob likes tea . <q> what does bob like ? <a>→green green→tea tea→</a> </a>"
                + " <pad> <pad> <pad> <pad> <pad>"), String.join("\n", all));
        assertTrue(all.contains(" <q> who is there ? <a>→nobody nobody→, ,→really really→</a> </a>"
                + " <pad> <pad> <pad> <pad> <pad> <pad> <pad> <pad> <pad>"), String.join("\n", all));
        assertTrue(all.contains(" carol says \" hi \" . <q> what does carol say ? <a>→hi hi→</a> </a>"
                + " <pad> <pad> <pad> <pad>"), String.join("\n", all));
        assertEquals(List.of(1, 3), List.of(csv.split("test").size(), csv.split("train").size()));
    }

    @Test
    void theSplitIsDeterminedByTheSeedAndCoversEveryRowOnce(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("question,answer\n");
        for (int i = 0; i < 50; i++) {
            csv.append("what is ").append(i).append(" ?,").append(i % 7).append('\n');
        }
        Path f = write(dir, "n.csv", csv.toString());
        QaTaskSpec task = new QaTaskSpec(f.toString(), null, null, null, null, null, 0.2, null, null);
        TokenizedDataset a = task.generate(5);
        assertEquals(render(a), render(task.generate(5)), "same seed, same split");
        assertNotEquals(render(a), render(task.generate(6)), "another seed, another split");
        assertEquals(10, a.split("test").size());
        assertEquals(40, a.split("train").size());
        Set<String> rows = new HashSet<>();
        for (String r : render(a)) {
            rows.add(r.substring(r.indexOf(':')));
        }
        assertEquals(50, rows.size(), "every row in exactly one split");
        assertEquals(3, new QaTaskSpec(f.toString(), null, null, null, null, null, null, 3, null).generate(5)
                .split("test").size());
    }

    @Test
    void maxLengthPadsAndRejectsRowsThatDoNotFit(@TempDir Path dir) throws Exception {
        Path f = write(dir, "d.csv", CSV);
        assertEquals(30, new QaTaskSpec(f.toString(), null, null, null, null, null, null, 1, 30).generate(0).contextLength());
        BadInputException e = assertThrows(BadInputException.class,
                () -> new QaTaskSpec(f.toString(), null, null, null, null, null, null, 1, 12).generate(0));
        assertEquals(f + ":2: the row is 19 tokens long (10 context, 5 question, 1 answer words and 3 markers), "
                + "more than maxLength = 12", e.getMessage());
    }

    @Test
    void columnNamesAndCaseAreConfigurable(@TempDir Path dir) throws Exception {
        Path f = write(dir, "d.csv", "premise,q,a\nAlice is here.,Who?,Alice\nBob is there.,Who?,Bob\n");
        TokenizedDataset d = new QaTaskSpec(f.toString(), null, "premise", "q", "a", false, null, 1, null).generate(0);
        assertTrue(d.vocabulary().contains("Alice"), "case kept: " + d.vocabulary());
        assertTrue(d.vocabulary().contains("is"), "context read: " + d.vocabulary());
    }

    private static String error(Path dir, String name, String text) throws Exception {
        Path f = write(dir, name, text);
        return assertThrows(BadInputException.class, () -> spec(f).generate(0)).getMessage().replace(f.toString(), name);
    }

    @Test
    void badFilesGiveOneLineNamingFileLineAndProblem(@TempDir Path dir) throws Exception {
        assertEquals("question–answer file not found: " + dir.resolve("none.csv") + " (task.file)",
                assertThrows(BadInputException.class, () -> spec(dir.resolve("none.csv")).generate(0)).getMessage());
        assertEquals("a.csv:1: no column 'answer' in the header [context, question, reply] (set the task's column names "
                + "to match)", error(dir, "a.csv", "context,question,reply\nc,q,r\n"));
        assertEquals("b.csv:3: empty answer (column 'answer')", error(dir, "b.csv", "question,answer\nq,a\nq2, \n"));
        assertEquals("c.csv:2: empty question (column 'question')", error(dir, "c.csv", "question,answer\n,a\n"));
        assertEquals("d.csv:3: a quote inside unquoted field 2 (quote the whole field and double the quotes inside it)",
                error(dir, "d.csv", "question,answer\nq,a\nq,say \"x\"\n"));
        assertEquals("e.csv:2: 3 fields, but the header has 2 (quote fields that contain commas)",
                error(dir, "e.csv", "question,answer\nwhere, then?,here\n"));
        assertEquals("f.csv: empty file (expected a header row naming the columns question, answer and optionally context)",
                error(dir, "f.csv", "\n\n"));
        assertEquals("g.csv: no rows (the file holds no question–answer pairs)", error(dir, "g.csv", "question,answer\n"));
        assertEquals("h.jsonl:2: no \"answer\" field", error(dir, "h.jsonl", "{\"question\":\"q\",\"answer\":\"a\"}\n"
                + "{\"question\":\"q\"}\n"));
        assertTrue(error(dir, "i.jsonl", "{\"question\":\"q\",\"answer\":\"a\"}\n\n{\"question\": oops}\n")
                .startsWith("i.jsonl:3: not valid JSON: "));
        assertEquals("j.jsonl:1: expected one JSON object per line", error(dir, "j.jsonl", "[1, 2]\n"));
        assertEquals("k.jsonl:1: \"answer\" must be text, not an array",
                error(dir, "k.jsonl", "{\"question\":\"q\",\"answer\":[\"a\"]}\n"));
        assertEquals("l.csv:1: the header names column 'answer' twice", error(dir, "l.csv", "answer,question,answer\n"));
        Path bad = dir.resolve("m.csv");
        Files.write(bad, new byte[]{'q', ',', 'a', '\n', (byte) 0xc3, (byte) 0xa9, ',', 'y', '\n', 'x', ',', (byte) 0xff,
                '\n'});
        assertEquals(bad + ":3: not UTF-8 text (save the file as UTF-8)",
                assertThrows(BadInputException.class, () -> spec(bad).generate(0)).getMessage());
    }

    @Test
    void anExplicitContextColumnMustExist(@TempDir Path dir) throws Exception {
        Path f = write(dir, "d.csv", "question,answer\nq,a\nq2,b\n");
        assertEquals(2, spec(f).generate(0).splits().values().stream().mapToInt(Split::size).sum(), "context optional");
        BadInputException e = assertThrows(BadInputException.class,
                () -> new QaTaskSpec(f.toString(), null, "premise", null, null, null, null, 1, null).generate(0));
        assertTrue(e.getMessage().startsWith(f + ":1: no column 'premise'"), e.getMessage());
    }

    @Test
    void splitsThatWouldBeEmptyAreConfigErrors(@TempDir Path dir) throws Exception {
        Path f = write(dir, "d.csv", "question,answer\nq,a\nq2,b\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> new QaTaskSpec(f.toString(), null, null, null, null, null, 0.1, null, null).generate(0));
        assertEquals("testFraction = 0.1: holds out 0 of the file's 2 rows; both splits need at least one row",
                e.getMessage());
        assertThrows(ConfigException.class, () -> new QaTaskSpec(f.toString(), null, null, null, null, null, 0.5, 1, null));
        assertThrows(ConfigException.class, () -> new QaTaskSpec("data.txt", null, null, null, null, null, null, null, null));
    }

    @Test
    void aRelativeFileIsReadFromTheConfigFilesDirectory(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        write(data, "d.csv", CSV);
        Path conf = Files.createDirectories(dir.resolve("conf"));
        write(conf, "qa.yaml", """
                task:
                  type: qa
                  file: ../data/d.csv
                  testCount: 1
                """);
        ExperimentSpec spec = ConfigLoader.load(conf.resolve("qa.yaml"));
        QaTaskSpec task = (QaTaskSpec) spec.task();
        assertEquals(data.resolve("d.csv").toAbsolutePath().normalize().toString(), task.file());
        assertEquals("csv", task.format());
        assertEquals(4, spec.task().generate(0).splits().values().stream().mapToInt(Split::size).sum());
    }
}
