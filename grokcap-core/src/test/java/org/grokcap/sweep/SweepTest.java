package org.grokcap.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import org.grokcap.util.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepTest {
    static final String BASE = """
            {"name":"tiny","task":{"type":"modular","p":7,"trainFraction":0.5},
             "model":{"dModel":16,"heads":2,"dMlp":32},"train":{"steps":3,"evalEvery":1}}""";

    static Path write(Path dir, String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void aGridIsEveryCombinationFirstFieldSlowestWithTheValuesSet(@TempDir Path dir) throws Exception {
        write(dir, "base.json", BASE);
        Sweep s = Sweep.load(write(dir, "s.yaml", """
                base: base.json
                grid:
                  model.dModel: [16, 32]
                  train.seed: [0, 1, 2]
                """));
        assertEquals("s", s.name(), "the file's name by default");
        assertEquals(6, s.runs().size());
        List<String> seen = new ArrayList<>();
        for (SweepRun r : s.runs()) {
            seen.add(r.spec().model().dModel() + "/" + r.spec().train().seed());
            assertEquals("tiny", r.spec().name(), "the base's name is kept");
        }
        assertEquals(List.of("16/0", "16/1", "16/2", "32/0", "32/1", "32/2"), seen);
        assertTrue(s.runs().get(0).id().startsWith("dModel-16_seed-0-"), s.runs().get(0).id());
        assertEquals(6, new HashSet<>(s.runs().stream().map(SweepRun::id).toList()).size());
    }

    @Test
    void runIdsComeFromTheValuesNotFromTheOrderOrTheOtherRuns(@TempDir Path dir) throws Exception {
        write(dir, "base.json", BASE);
        Sweep small = Sweep.load(write(dir, "a.yaml", "base: base.json\ngrid:\n  model.dModel: [16, 32]\n  train.seed: [1]\n"));
        Sweep large = Sweep.load(write(dir, "b.yaml", "base: base.json\ngrid:\n  train.seed: [3, 1]\n  model.dModel: [32, 64, 16]\n"));
        Map<String, String> byValues = new LinkedHashMap<>();
        for (SweepRun r : large.runs()) {
            byValues.put(r.spec().model().dModel() + "/" + r.spec().train().seed(), r.id());
        }
        for (SweepRun r : small.runs()) {
            String key = r.spec().model().dModel() + "/" + r.spec().train().seed();
            // same values, same id: only the hash must agree, the readable part follows the file's field order
            String hash = r.id().substring(r.id().lastIndexOf('-'));
            assertTrue(byValues.get(key).endsWith(hash), key + ": " + r.id() + " vs " + byValues.get(key));
        }
        Map<String, JsonNode> v = new LinkedHashMap<>();
        v.put("model.dModel", IntNode.valueOf(16));
        assertEquals(Sweep.runId(v), Sweep.runId(new LinkedHashMap<>(v)));
        Map<String, JsonNode> w = Map.of("model.dModel", IntNode.valueOf(17));
        assertNotEquals(Sweep.runId(v), Sweep.runId(w));
    }

    @Test
    void randomDrawsAreSeededInTheirRangesAndRoundedToFourDigits(@TempDir Path dir) throws Exception {
        write(dir, "base.json", BASE);
        String text = """
                {"base": "base.json",
                 "random": {"seed": 7, "draws": 20, "fields": {
                   "train.optimizer.lr": {"logUniform": [1e-4, 1e-2]},
                   "train.optimizer.weightDecay": {"uniform": [0.0, 2.0]},
                   "model.heads": {"choice": [1, 2]},
                   "train.seed": {"int": [0, 1000000]}}}}""";
        Sweep a = Sweep.load(write(dir, "r1.json", text));
        Sweep b = Sweep.load(write(dir, "r2.json", text));
        assertEquals(a.runs().stream().map(SweepRun::id).toList(), b.runs().stream().map(SweepRun::id).toList(),
                "the same seed draws the same runs");
        assertEquals(20, a.runs().size());
        Set<Integer> heads = new HashSet<>();
        for (SweepRun r : a.runs()) {
            double lr = r.spec().train().optimizer().lr();
            double wd = r.spec().train().optimizer().weightDecay();
            assertTrue(lr >= 1e-4 && lr <= 1e-2, "lr " + lr);
            assertTrue(wd >= 0 && wd <= 2, "wd " + wd);
            assertEquals(lr, new java.math.BigDecimal(lr).round(new java.math.MathContext(4)).doubleValue());
            heads.add(r.spec().model().heads());
        }
        assertEquals(Set.of(1, 2), heads);
        Sweep other = Sweep.load(write(dir, "r3.json", text.replace("\"seed\": 7", "\"seed\": 8")));
        assertNotEquals(a.runs().get(0).id(), other.runs().get(0).id());
    }

    @Test
    void drawsThatRepeatACombinationAreOneRun(@TempDir Path dir) throws Exception {
        write(dir, "base.json", BASE);
        Sweep s = Sweep.load(write(dir, "c.yaml", """
                base: base.json
                random: {seed: 1, draws: 50, fields: {model.heads: {choice: [1, 2]}}}
                """));
        assertEquals(2, s.runs().size());
    }

    @Test
    void shardsCutTheListIntoDisjointSlicesThatCoverIt(@TempDir Path dir) throws Exception {
        write(dir, "base.json", BASE);
        Sweep s = Sweep.load(write(dir, "s.yaml", "base: base.json\ngrid:\n  train.seed: [0, 1, 2, 3, 4, 5, 6]\n"));
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<SweepRun> mine = s.runs(Shard.parse(i + "/3"));
            assertTrue(mine.size() == 2 || mine.size() == 3, "balanced: " + mine.size());
            mine.forEach(r -> all.add(r.id()));
        }
        assertEquals(s.runs().stream().map(SweepRun::id).sorted().toList(), all.stream().sorted().toList());
        assertEquals(new Shard(2, 4), Shard.fromEnvironment(Map.of("JOB_COMPLETION_INDEX", "2"), 4));
        assertEquals(new Shard(0, 4), Shard.fromEnvironment(Map.of("SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_MIN", "1"), 4));
        assertEquals(new Shard(3, 4), Shard.fromEnvironment(Map.of("SLURM_ARRAY_TASK_ID", "3"), 4));
        assertTrue(assertThrows(BadInputException.class, () -> Shard.fromEnvironment(Map.of(), 4)).getMessage()
                .contains("JOB_COMPLETION_INDEX"));
        assertTrue(assertThrows(BadInputException.class, () -> Shard.parse("4/4")).getMessage().contains("from 0 to 3"));
        assertTrue(assertThrows(BadInputException.class, () -> Shard.parse("1of4")).getMessage().contains("i/N"));
        assertTrue(assertThrows(BadInputException.class, () -> Shard.fromEnvironment(Map.of("JOB_COMPLETION_INDEX", "5"), 4))
                .getMessage().contains("from 0 to 3"));
    }

    @Test
    void relativePathsInTheBaseConfigResolveAgainstItsOwnFolder(@TempDir Path dir) throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        write(conf, "qa.json", "{\"task\": {\"type\": \"qa\", \"file\": \"facts.csv\"}}");
        Sweep s = Sweep.load(write(dir, "s.yaml", "base: conf/qa.json\ngrid:\n  train.seed: [0, 1]\n"));
        for (SweepRun r : s.runs()) {
            assertEquals(conf.resolve("facts.csv").toAbsolutePath().normalize().toString(),
                    ((org.grokcap.data.qa.QaTaskSpec) r.spec().task()).file());
            assertEquals("facts.csv", r.config().at("/task/file").asText(), "the config as written keeps the path");
        }
    }

    @Test
    void badSweepFilesNameTheProblem(@TempDir Path dir) throws Exception {
        write(dir, "base.json", BASE);
        assertEquals("bad.yaml: unknown field 'grids' (known fields: base, checkpointEvery, grid, name, random, variants)",
                message(dir, "grids: {}\nbase: base.json\n"));
        assertTrue(message(dir, "base: base.json\ngrid:\n  model.dmodel: [16]\n")
                .contains("unknown field 'model.dmodel'"));
        assertTrue(message(dir, "base: base.json\ngrid:\n  model.dModel: [15]\n")
                .contains("(run dModel-15-"), "a value the config refuses names the run");
        assertTrue(message(dir, "base: missing.json\ngrid:\n  model.dModel: [16]\n").contains("config file not found"));
        assertTrue(message(dir, "base: base.json\n").contains("nothing to sweep"));
        assertTrue(message(dir, "base: base.json\ngrid:\n  model.dModel: []\n").contains("non-empty list"));
        assertTrue(message(dir, "base: base.json\ngrid:\n  model..x: [1]\n").contains("not a config field path"));
        assertTrue(message(dir, "base: base.json\ngrid:\n  task.p.x: [1]\n").contains("'p' is a value, not a section"));
        assertTrue(message(dir, "base: base.json\nrandom: {seed: 1, draws: 2, fields: {train.seed: {normal: [0, 1]}}}\n")
                .contains("unknown distribution 'normal'"));
        assertTrue(message(dir, "base: base.json\nrandom: {seed: 1, draws: 2, fields: {train.optimizer.lr: {logUniform: [0, 1]}}}\n")
                .contains("lo > 0"));
    }

    @Test
    void variantsAreCrossedWithTheGridAndNameTheirRuns(@TempDir Path dir) throws Exception {
        write(dir, "base.json", BASE);
        Sweep s = Sweep.load(write(dir, "m.yaml", """
                base: base.json
                variants:
                  plain: {}
                  orth-wd0:
                    train.optimizer.orthogonalGradient: true
                    train.optimizer.weightDecay: 0.0
                  ema:
                    train.gradFilter: {type: ema, alpha: 0.98, lambda: 2.0}
                grid:
                  train.seed: [0, 1]
                """));
        assertEquals(6, s.runs().size());
        List<String> seen = new ArrayList<>();
        for (SweepRun r : s.runs()) {
            seen.add(r.variant() + "/" + r.spec().train().seed() + "/" + r.spec().train().optimizer().weightDecay()
                    + "/" + r.spec().train().optimizer().orthogonalGradient() + "/" + (r.spec().train().gradFilter() != null));
            assertTrue(r.id().startsWith(r.variant() + "_seed-" + r.spec().train().seed() + "-"), r.id());
            assertEquals(Set.of("train.seed"), r.values().keySet(), "the variant's fields are not varied values");
        }
        double wd = s.runs().get(0).spec().train().optimizer().weightDecay();
        assertEquals(List.of("plain/0/" + wd + "/false/false", "plain/1/" + wd + "/false/false",
                "orth-wd0/0/0.0/true/false", "orth-wd0/1/0.0/true/false",
                "ema/0/" + wd + "/false/true", "ema/1/" + wd + "/false/true"), seen, "variants slowest, then the grid");
        assertEquals(6, new HashSet<>(s.runs().stream().map(SweepRun::id).toList()).size());
        assertEquals(List.of("plain", "orth-wd0", "ema"), List.copyOf(s.variants().keySet()));
        Map<String, JsonNode> seed0 = Map.of("train.seed", IntNode.valueOf(0));
        assertEquals(s.runs().get(0).id(), Sweep.runId("plain", seed0));
        assertNotEquals(Sweep.runId(seed0).substring(Sweep.runId(seed0).lastIndexOf('-')),
                Sweep.runId("plain", seed0).substring(Sweep.runId("plain", seed0).lastIndexOf('-')),
                "the variant's name is in the hash too");
        assertEquals(Sweep.runId(seed0), Sweep.runId(null, seed0), "a sweep without variants keeps its ids");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> described = (List<Map<String, Object>>) s.describe().get("runs");
        assertEquals("orth-wd0", described.get(2).get("variant"));
        assertTrue(s.describe().containsKey("variants"));
        assertEquals(s.runs().get(5).id(), s.withMaxSteps(1).runs().get(5).id());
        assertEquals("ema", s.withMaxSteps(1).runs().get(5).variant());
    }

    @Test
    void variantsAloneAreASweep(@TempDir Path dir) throws Exception {
        write(dir, "base.json", BASE);
        Sweep s = Sweep.load(write(dir, "v.yaml", "base: base.json\nvariants:\n  a: {}\n  b: {model.dModel: 32}\n"));
        assertEquals(List.of("a", "b"), s.runs().stream().map(SweepRun::variant).toList());
        assertTrue(s.runs().get(0).id().matches("a-[0-9a-f]{8}"), s.runs().get(0).id());
        assertEquals(32, s.runs().get(1).spec().model().dModel());
    }

    @Test
    void theShippedMethodsSweepIsFourVariantsTimesFiveSeeds() {
        Sweep s = Sweep.load(Path.of("..", "conf", "grokking-methods", "sweep.json"));
        assertEquals(20, s.runs().size());
        assertEquals(List.of("adamw", "orthogonal-adamw", "grokfast-ma", "grokfast-ema"), List.copyOf(s.variants().keySet()));
        for (SweepRun r : s.runs()) {
            assertEquals(97, ((org.grokcap.data.modular.ModularTaskSpec) r.spec().task()).p(), r.id());
            assertEquals(12_000, r.spec().train().steps(), "every method runs as long as AdamW needs to grok");
            assertEquals(r.variant().equals("orthogonal-adamw"), r.spec().train().optimizer().orthogonalGradient(), r.id());
            assertEquals(r.variant().equals("orthogonal-adamw") ? 0.0 : 1.0, r.spec().train().optimizer().weightDecay(), r.id());
            assertEquals(r.variant().startsWith("grokfast"), r.spec().train().gradFilter() != null, r.id());
        }
        assertEquals(5, s.runs().stream().filter(r -> r.variant().equals("grokfast-ema")).count());
        assertEquals(100, s.runs().get(10).spec().train().gradFilter().window());
        assertEquals(0.98, s.runs().get(15).spec().train().gradFilter().alpha());
    }

    @Test
    void badVariantsNameTheProblem(@TempDir Path dir) throws Exception {
        write(dir, "base.json", BASE);
        String grid = "grid:\n  train.seed: [0, 1]\n";
        assertEquals("bad.yaml: variants.orth sets train.seed, which the grid also varies; a field is set by the "
                        + "variants or varied by the grid, not both",
                message(dir, "base: base.json\n" + grid + "variants:\n  orth: {train.seed: 3}\n"));
        assertTrue(message(dir, "base: base.json\n" + grid + "variants:\n  orth: {train.optimizer: {lr: 0.1}}\n"
                        + "random: {seed: 1, draws: 2, fields: {train.optimizer.lr: {uniform: [0, 1]}}}\n")
                .startsWith("bad.yaml: variants.orth sets train.optimizer, which the random draws also vary "
                        + "(train.optimizer.lr)"));
        assertTrue(message(dir, "base: base.json\n" + grid + "variants:\n  orth: {train.optimzer.lr: 0.1}\n")
                .startsWith("bad.yaml: variants.orth"), "an unknown field is named with its variant");
        assertTrue(message(dir, "base: base.json\n" + grid + "variants:\n  orth: {train.optimzer.lr: 0.1}\n")
                .contains("optimzer"));
        assertTrue(message(dir, "base: base.json\n" + grid + "variants:\n  big: {model.dModel: 15}\n")
                .startsWith("bad.yaml: variants.big"), "a value the config refuses names the variant");
        assertTrue(message(dir, "base: base.json\n" + grid + "variants: {}\n").contains("variants = {}: must map"));
        assertTrue(message(dir, "base: base.json\n" + grid + "variants:\n  a_b: {}\n").contains("variant name 'a_b'"));
        assertTrue(message(dir, "base: base.json\n" + grid + "variants:\n  a: [1]\n").contains("variants.a = [1]"));
        assertTrue(message(dir, "base: base.json\nvariants:\n  a: {}\n").contains("nothing to sweep"),
                "one variant without a grid is a single run");
        assertTrue(message(dir, "base: base.json\n" + grid + "variants:\n  a: {train: {steps: 2}, train.seed: 1}\n")
                .contains("varies both 'train' and 'train.seed'"));
    }

    private static String message(Path dir, String text) throws Exception {
        Path f = write(dir, "bad.yaml", text);
        return assertThrows(BadInputException.class, () -> Sweep.load(f)).getMessage().replace(dir + "/", "");
    }
}
