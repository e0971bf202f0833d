package org.grokcap.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.grokcap.io.Json;
import org.grokcap.model.Safetensors;
import org.grokcap.run.Provenance;
import org.grokcap.run.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, item 5: a command line as users expect: each command's own --help (and -h) with every
 * option explained, --version, "did you mean" for a mistyped command or option, and train --steps N,
 * on a new run and on a resumed one.
 */
class CommandLineTest {
    private final CommandRun cli = new CommandRun();

    /** Every command and the options it takes besides --debug and --help: what the commands accepted before the table. */
    private static final Map<String, List<String>> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("train", List.of("--out", "--resume", "--steps", "--max-steps", "--seed", "--backend", "--threads",
                "--checkpoint-every", "--analysis-every", "--quiet"));
        OPTIONS.put("generate", List.of("--out", "--seed"));
        OPTIONS.put("capacity entropy", List.of("--scheme", "--selection"));
        OPTIONS.put("capacity plan", List.of("--target-bits", "--scheme", "--selection"));
        OPTIONS.put("capacity of", List.of("--scheme", "--selection", "--all-schemes", "--window", "--threshold", "--backend"));
        OPTIONS.put("analyze", List.of("--input", "--backend"));
        OPTIONS.put("export", List.of("--out", "--format"));
        OPTIONS.put("import", List.of("--out"));
        OPTIONS.put("answer", List.of("--context", "--max-tokens", "--backend", "--sample", "--temperature", "--top-k",
                "--seed"));
        OPTIONS.put("sweep", List.of("--out", "--shard", "--shards", "--dry-run", "--max-steps", "--together", "--backend",
                "--threads", "--quiet"));
        OPTIONS.put("sweep report", List.of("--split"));
        OPTIONS.put("probe", List.of("--backend"));
        OPTIONS.put("report", List.of("--out"));
        OPTIONS.put("jvm-flags", List.of());
        OPTIONS.put("info", List.of());
        OPTIONS.put("bench", List.of("--threads", "--backend", "--epochs", "--warmup", "--models", "--together-only"));
        OPTIONS.put("bench matmul", List.of("--threads", "--ms", "--backend", "--model"));
    }

    private void assertOneLineError(int exit, String start) {
        assertEquals(2, exit, cli.err());
        String err = cli.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("error: " + start), err);
        assertEquals("", cli.out());
    }

    @Test
    void everyCommandHasItsOwnHelpWithEveryOptionExplained() {
        assertEquals(OPTIONS.keySet(), new java.util.LinkedHashSet<>(Commands.ALL.stream().map(Commands.Cmd::name).toList()),
                "every command has its help tested here");
        for (Map.Entry<String, List<String>> e : OPTIONS.entrySet()) {
            String[] words = (e.getKey() + " --help").split(" ");
            assertEquals(0, cli.run(words), e.getKey() + ": " + cli.err());
            String help = cli.out();
            assertTrue(help.startsWith("usage: grokcap " + e.getKey()), help);
            Set<String> expected = new TreeSet<>(e.getValue());
            expected.addAll(List.of("--debug", "--help"));
            assertEquals(expected, new TreeSet<>(Commands.find(e.getKey()).optionNames()), e.getKey());
            for (String option : expected) {
                // a row of the options list: the option (with its value's label) and what it does
                assertTrue(help.lines().anyMatch(l -> l.matches("  (-h, )?" + option + "( \\S+)?\\s{2,}\\S.*")),
                        e.getKey() + " --help explains " + option + ":\n" + help);
            }
            assertTrue(help.contains("exit status"), help);
        }
        assertEquals(0, cli.run("capacity", "--help"));
        for (String sub : List.of("entropy", "plan", "of")) {
            assertTrue(cli.out().contains("usage: grokcap capacity " + sub), cli.out());
        }
    }

    @Test
    void dashHIsHelp() {
        for (String command : List.of("train", "sweep", "bench matmul", "capacity plan", "info")) {
            assertEquals(0, cli.run((command + " --help").split(" ")));
            String help = cli.out();
            assertEquals(0, cli.run((command + " -h").split(" ")));
            assertEquals(help, cli.out(), command);
        }
        assertEquals(0, cli.run("-h"));
        String usage = cli.out();
        assertEquals(0, cli.run("--help"));
        assertEquals(usage, cli.out());
        for (String command : Commands.topLevel()) {
            assertTrue(usage.contains("grokcap " + command), command + " in\n" + usage);
        }
        assertEquals(2, cli.run(), "no command: the usage, exit 2");
        assertEquals(usage, cli.out());
    }

    @Test
    void versionPrintsTheVersion() {
        assertEquals(0, cli.run("--version"));
        assertEquals("grokcap " + Provenance.version(), cli.out().strip());
        assertFalse(Provenance.version().isBlank());
    }

    @Test
    void aMistypedCommandGetsASuggestion() {
        assertOneLineError(cli.run("trian", "conf/x"), "unknown command 'trian'; did you mean 'train'?");
        assertOneLineError(cli.run("benhc"), "unknown command 'benhc'; did you mean 'bench'?");
        assertOneLineError(cli.run("frobnicate"), "unknown command 'frobnicate'; grokcap --help lists the commands");
        assertOneLineError(cli.run("bench", "matmul", "--backend", "nosuch"), "unknown backend 'nosuch'");
        assertOneLineError(cli.run("bench", "matmul", "--model", "gpt3"), "--model gpt3: must be one of modular-addition");
        assertFalse(cli.err().contains("did you mean"), cli.err());
        assertOneLineError(cli.run("capacity", "entrpy"), "unknown capacity sub-command 'entrpy'; use entropy, plan or of; "
                + "did you mean 'entropy'?");
        assertOneLineError(cli.run("bench", "modular-additon"), "unknown benchmark 'modular-additon'");
        assertTrue(cli.err().contains("did you mean 'modular-addition'?"), cli.err());
    }

    @Test
    void aMistypedOptionGetsASuggestion(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("c.json");
        Files.writeString(config, NoSilentWrongResultsTest.TINY);
        assertOneLineError(cli.run("train", config.toString(), "--max-step", "3"),
                "unknown option --max-step for 'train'; did you mean --max-steps?");
        assertOneLineError(cli.run("train", config.toString(), "--chekpoint-every", "3"),
                "unknown option --chekpoint-every for 'train'; did you mean --checkpoint-every?");
        assertOneLineError(cli.run("sweep", config.toString(), "--dryrun"),
                "unknown option --dryrun for 'sweep'; did you mean --dry-run?");
        assertOneLineError(cli.run("bench", "modular-addition", "--ms", "3"), "unknown option --ms for 'bench'");
        assertOneLineError(cli.run("train", config.toString(), "--bogus", "1"), "unknown option --bogus for 'train'");
        assertFalse(cli.err().contains("did you mean"), cli.err());
        assertOneLineError(cli.run("train", "--resume", dir.toString(), "--max-steps", "3"),
                "option --max-steps applies to a new run, not to train --resume; --steps N");
        assertFalse(Files.exists(dir.resolve("runs")));
    }

    private static float[][] tensors(Path weights) throws Exception {
        return Safetensors.read(weights).tensors().values().stream().map(Safetensors.Tensor::data).toArray(float[][]::new);
    }

    @Test
    void stepsSetsTheTotalOfANewRun(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("c.json");
        Files.writeString(config, NoSilentWrongResultsTest.TINY); // train.steps 30
        Path run = dir.resolve("run");
        assertEquals(0, cli.run("train", config.toString(), "--out", run.toString(), "--steps", "42", "--quiet"), cli.err());
        assertEquals(42, cli.lastJsonLine().get("steps").asInt());
        JsonNode record = Json.mapper().readTree(run.resolve(RunDirectory.RUN_JSON).toFile());
        assertEquals(42, record.at("/config/train/steps").asInt());
        assertEquals(42, record.at("/result/steps").asInt());

        Path capped = dir.resolve("capped");
        assertEquals(0, cli.run("train", config.toString(), "--out", capped.toString(), "--steps", "42", "--max-steps",
                "7", "--quiet"), cli.err());
        assertEquals(7, cli.lastJsonLine().get("steps").asInt(), "--max-steps still caps");

        assertOneLineError(cli.run("train", config.toString(), "--steps", "0"), "--steps = 0: must be at least 1");
    }

    @Test
    void stepsOnAResumedRunContinuesItToTheNewTotalBitForBit(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("c.json");
        Files.writeString(config, NoSilentWrongResultsTest.TINY); // train.steps 30, evalEvery 5
        Path whole = dir.resolve("whole");
        assertEquals(0, cli.run("train", config.toString(), "--out", whole.toString(), "--steps", "50",
                "--checkpoint-every", "10", "--quiet"), cli.err());

        // A run of the config's 30 steps, as if killed after its checkpoint at step 20 and its last rows.
        Path run = dir.resolve("run");
        assertEquals(0, cli.run("train", config.toString(), "--out", run.toString(), "--checkpoint-every", "10",
                "--quiet"), cli.err());
        assertEquals(30, cli.lastJsonLine().get("steps").asInt());
        assertOneLineError(cli.run("train", "--resume", run.toString(), "--steps", "50", "--quiet"), "run " + run
                + " is already finished");
        assertTrue(cli.err().contains("--steps cannot extend a finished run"), cli.err());
        ObjectNode record = (ObjectNode) Json.mapper().readTree(run.resolve(RunDirectory.RUN_JSON).toFile());
        record.remove(RunDirectory.RESULT);
        Files.writeString(run.resolve(RunDirectory.RUN_JSON), record.toPrettyString());
        Files.delete(run.resolve(RunDirectory.WEIGHTS));
        FinishEveryRunTest.deleteTree(run.resolve(RunDirectory.PLOTS));

        assertOneLineError(cli.run("train", "--resume", run.toString(), "--steps", "20", "--quiet"),
                "--steps 20: the run is at step 20");
        assertEquals(0, cli.run("train", "--resume", run.toString(), "--steps", "50", "--quiet"), cli.err());
        assertEquals(50, cli.lastJsonLine().get("steps").asInt());
        assertEquals(30, cli.lastJsonLine().get("sessionSteps").asInt(), "from the checkpoint at step 20");

        assertArrayEquals(Files.readAllBytes(whole.resolve(RunDirectory.METRICS)),
                Files.readAllBytes(run.resolve(RunDirectory.METRICS)), "every row as in a run of 50 steps from the start");
        float[][] expected = tensors(whole.resolve(RunDirectory.WEIGHTS));
        float[][] actual = tensors(run.resolve(RunDirectory.WEIGHTS));
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], "tensor " + i);
        }
        JsonNode resumed = Json.mapper().readTree(run.resolve(RunDirectory.RUN_JSON).toFile());
        assertEquals(50, resumed.at("/config/train/steps").asInt(), "run.json holds the new total");
        assertEquals(50, resumed.at("/result/steps").asInt());
        assertEquals(50, resumed.get("resumes").get(0).get("steps").asInt());
        assertEquals(20, resumed.get("resumes").get(0).get("step").asInt());
    }

    @Test
    void orthogonalGradientWithWeightDecayIsWarnedAboutOnce(@TempDir Path dir) throws Exception {
        Path both = dir.resolve("both.json");
        Files.writeString(both, NoSilentWrongResultsTest.TINY.replace("\"weightDecay\":0.1",
                "\"weightDecay\":0.1,\"orthogonalGradient\":true"));
        assertEquals(0, cli.run("train", both.toString(), "--out", dir.resolve("a").toString(), "--steps", "2",
                "--quiet"), cli.err());
        assertEquals(1, cli.err().lines().filter(l -> l.startsWith("warning: train.optimizer.orthogonalGradient")
                && l.contains("weightDecay 0.1")).count(), cli.err());

        Path ortho = dir.resolve("ortho.json");
        Files.writeString(ortho, NoSilentWrongResultsTest.TINY.replace("\"weightDecay\":0.1",
                "\"weightDecay\":0,\"orthogonalGradient\":true"));
        assertEquals(0, cli.run("train", ortho.toString(), "--out", dir.resolve("b").toString(), "--steps", "2",
                "--quiet"), cli.err());
        assertFalse(cli.err().contains("warning"), cli.err());
    }
}
