package org.grokcap.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.capacity.DatasetEntropy;
import org.grokcap.capacity.DatasetShape;
import org.grokcap.capacity.EncodingScheme;
import org.grokcap.capacity.EntropyPlanner;
import org.grokcap.capacity.SelectionScheme;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.profiles.ProfilesData;
import org.grokcap.data.profiles.ProfilesTaskSpec;
import org.grokcap.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CapacityCommandTest {

    private static final String PROFILES = """
            {"task":{"type":"profiles","n":120,"relations":"r4","relationMode":"bipartite","twoHopFraction":0.2,
                     "heldOut":{"tuples":0.1,"questionsPerSplit":16}}}""";

    private final CommandRun cli = new CommandRun();

    @Test
    void generateThenEntropyPrintsTheBreakdownAndTotalBitsLast(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("p.json");
        Files.writeString(config, PROFILES);
        Path data = dir.resolve("data");
        assertEquals(0, cli.run("generate", config.toString(), "--out", data.toString(), "--seed", "5"), cli.err());
        for (String f : new String[]{"profiles.jsonl", "dataset.json", "questions-train.jsonl",
                "questions-heldout_tuple.jsonl"}) {
            assertTrue(Files.size(data.resolve(f)) > 0, f);
        }
        assertEquals(120, Files.readAllLines(data.resolve("profiles.jsonl")).size());
        JsonNode meta = Json.mapper().readTree(data.resolve("dataset.json").toFile());
        assertEquals("profiles", meta.at("/task/type").asText());
        assertEquals(4, meta.get("r").asInt());
        assertEquals(263, meta.at("/pools/employer/size").asInt());
        // dataset.json's task reads back as a config and gives the same data
        ExperimentSpec again = ConfigLoader.parse("{\"task\":" + meta.get("task") + "}", false, "dataset.json");
        assertEquals(meta.get("hash").asText(), again.task().generate(5).hash());

        assertEquals(0, cli.run("capacity", "entropy", data.toString(), "--scheme", "two-hop-double", "--selection",
                "enumerate"), cli.err());
        assertTrue(cli.out().contains("name set"));
        JsonNode json = cli.lastJsonLine();
        ProfilesData generated = ((ProfilesTaskSpec) again.task()).build(5);
        double expected = DatasetEntropy.compute(DatasetShape.of(generated), EncodingScheme.TWO_HOP_DOUBLE,
                SelectionScheme.ENUMERATE).totalBits();
        assertEquals(expected, json.get("total_bits").asDouble(), 1e-9 * expected);
        assertEquals("two-hop-double", json.get("scheme").asText());
        assertTrue(json.at("/subjects/parent/bits").asDouble() > 0);
        assertEquals(0.0, json.at("/subjects/child/bits").asDouble(), "child is parent inverted in bipartite mode");
    }

    @Test
    void planFindsTheNClosestToTheTarget(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("p.json");
        Files.writeString(config, PROFILES);
        assertEquals(0, cli.run("capacity", "plan", "--target-bits", "250000", config.toString()), cli.err());
        JsonNode json = cli.lastJsonLine();
        long n = json.get("n").asLong();
        ProfilesTaskSpec task = (ProfilesTaskSpec) ConfigLoader.load(config).task();
        var pools = task.loadPools();
        double at = EntropyPlanner.bits(task, pools, n, EncodingScheme.OPTIMAL, SelectionScheme.OPTIMAL);
        assertEquals(at, json.get("total_bits").asDouble(), 1e-9 * at);
        for (long other : new long[]{n - 1, n + 1}) {
            double b = EntropyPlanner.bits(task, pools, other, EncodingScheme.OPTIMAL, SelectionScheme.OPTIMAL);
            assertTrue(Math.abs(b - 250000) >= Math.abs(at - 250000), "n = " + other + " is closer");
        }
    }

    @Test
    void badInputIsOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        assertEquals(2, cli.run("capacity", "entropy", dir.resolve("none").toString()));
        assertTrue(cli.err().contains("no dataset.json in"), cli.err());
        assertEquals(2, cli.run("capacity", "entropy", dir.toString(), "--scheme", "huge"));
        assertTrue(cli.err().contains("--scheme huge: must be one of [optimal, two-hop-big-hash, two-hop-double]"));
        assertEquals(2, cli.run("capacity", "frobnicate"));
        assertTrue(cli.err().contains("unknown capacity sub-command 'frobnicate'"));
        Path config = dir.resolve("p.json");
        Files.writeString(config, PROFILES);
        assertEquals(2, cli.run("capacity", "plan", config.toString()));
        assertTrue(cli.err().contains("missing --target-bits"));
        assertEquals(2, cli.run("capacity", "plan", "--target-bits", "1e30", config.toString()));
        assertTrue(cli.err().contains("more than the"), cli.err());
        Path tiny = dir.resolve("tiny.json");
        Files.writeString(tiny, "{\"task\":{\"type\":\"profiles\",\"n\":2,\"pools\":{\"first\":1,\"middle\":1,\"last\":4}}}");
        assertEquals(2, cli.run("capacity", "plan", "--target-bits", "100", tiny.toString()));
        assertTrue(cli.err().contains("the pools make only 4 distinct names"), cli.err());
        Path modular = dir.resolve("m.json");
        Files.writeString(modular, "{\"task\":{\"type\":\"modular\",\"p\":5}}");
        assertEquals(2, cli.run("capacity", "plan", "--target-bits", "100", modular.toString()));
        assertTrue(cli.err().contains("task type must be profiles"));
        assertFalse(cli.err().contains("\tat "));
    }
}
