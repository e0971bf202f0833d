package org.grokcap.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** grokcap capacity of and grokcap probe on a tiny Llama-style profiles run trained for a few steps. */
class CapacityOfAndProbeTest {
    private final CommandRun cli = new CommandRun();

    private static final String TINY = """
            {"name":"tiny-profiles","task":{"type":"profiles","n":40,"relations":["parent","child"],
              "attributes":["birth_city","employer"],"pools":{"first":8,"middle":8,"last":8,"city":10,"university":5,"employer":10},
              "twoHopFraction":0.3,"questionsPerSequence":2},
             "model":{"architecture":"llama","layers":1,"dModel":8,"heads":2},
             "train":{"steps":6,"batchSize":16,"evalEvery":2,"optimizer":{"lr":0.01,"weightDecay":0.0}}}""";

    @Test
    void capacityOfASweepDirectoryAndProbesOfARun(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("c.json");
        Files.writeString(config, TINY);
        Path sweep = dir.resolve("sweep");
        Path runDir = sweep.resolve("run-a");
        assertEquals(0, cli.run("train", config.toString(), "--out", runDir.toString(), "--quiet"), cli.err());

        assertEquals(0, cli.run("capacity", "of", runDir.toString(), "--window", "3"), cli.err());
        JsonNode r = cli.lastJsonLine();
        double cap = r.get("capacityBits").asDouble();
        double entropy = r.get("datasetBits").asDouble();
        assertTrue(cap >= 0 && cap <= entropy, cap + " bits of " + entropy);
        assertEquals(r.get("parameters").asLong(), Json.mapper().readTree(runDir.resolve("run.json").toFile())
                .at("/provenance/parameters").asLong(), "the real parameter count");
        assertEquals(cap / r.get("parameters").asDouble(), r.get("bitsPerParameter").asDouble(), 1e-9);
        assertEquals(40 * 4, r.get("facts").asInt(), "every 1-hop fact once: 40 profiles × 4 subjects");
        assertTrue(r.get("convergence").has("reason"));
        assertTrue(Files.isRegularFile(runDir.resolve("capacity.json")));

        assertEquals(0, cli.run("capacity", "of", sweep.toString()), cli.err());
        assertTrue(Files.isRegularFile(sweep.resolve("plots/capacity.png")));
        assertTrue(Files.isRegularFile(sweep.resolve("plots/bits-per-parameter.svg")));
        assertFalse(cli.lastJsonLine().get("runs").get(0).get("converged").asBoolean(), "6 steps are not convergence");

        assertEquals(0, cli.run("probe", runDir.toString()), cli.err());
        JsonNode p = cli.lastJsonLine();
        assertEquals(2 * 3, p.get("table").size(), "depths 0..1 × three positions");
        for (JsonNode row : p.get("table")) {
            double bits = row.get("testBits").asDouble();
            assertTrue(Double.isFinite(bits) && bits >= 0, row.toString());
        }
        assertTrue(Files.isRegularFile(runDir.resolve("probes/probes.png")));
        assertTrue(p.at("/control/testAccuracy").asDouble() > 0.9,
                "the last-name token is decodable from its own embedding: " + p.get("control"));

        assertEquals(2, cli.run("capacity", "of", dir.resolve("missing").toString()));
        assertTrue(cli.err().contains("missing"), cli.err());
        assertEquals(2, cli.run("capacity", "of", runDir.toString(), "--threshold", "-1"));
    }
}
