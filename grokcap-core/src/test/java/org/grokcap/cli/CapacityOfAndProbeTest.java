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

        assertTrue(r.at("/twoHop/questions").asInt() > 0, "twoHopFraction 0.3 gives 2-hop training questions");
        assertEquals(0.0, r.at("/twoHop/creditedBits").asDouble(), 0.0, "optimal: 2-hop answers add nothing");
        assertFalse(r.has("schemes"), "one combination unless --all-schemes");

        // Every combination from one evaluation; the default's numbers are the optimal/optimal entry's.
        assertEquals(0, cli.run("capacity", "of", runDir.toString(), "--window", "3", "--all-schemes"), cli.err());
        JsonNode all = cli.lastJsonLine();
        assertEquals(cap, all.get("capacityBits").asDouble(), 0.0);
        JsonNode schemes = all.get("schemes");
        assertEquals(9, schemes.size(), schemes.toString());
        assertEquals(cap, schemes.at("/optimal~1optimal/capacityBits").asDouble(), 0.0);
        assertEquals(entropy, schemes.at("/optimal~1optimal/datasetBits").asDouble(), 0.0);
        for (String t : new String[] {"optimal", "enumerate", "independent"}) {
            double optimal = schemes.get("optimal/" + t).get("capacityBits").asDouble();
            double bigHash = schemes.get("two-hop-big-hash/" + t).get("capacityBits").asDouble();
            double dbl = schemes.get("two-hop-double/" + t).get("capacityBits").asDouble();
            assertTrue(bigHash >= optimal && dbl >= optimal, t + ": " + schemes);
            for (String e : new String[] {"optimal", "two-hop-big-hash", "two-hop-double"}) {
                JsonNode m = schemes.get(e + "/" + t);
                double c = m.get("capacityBits").asDouble();
                assertTrue(c >= 0 && c <= m.get("datasetBits").asDouble(), e + "/" + t + ": " + m);
                assertEquals(c / r.get("parameters").asDouble(), m.get("bitsPerParameter").asDouble(), 1e-12);
            }
        }
        assertTrue(cli.out().contains("two-hop-double/independent"), "the table: " + cli.out());

        assertEquals(0, cli.run("capacity", "of", sweep.toString()), cli.err());
        assertTrue(Files.isRegularFile(sweep.resolve("plots/capacity-optimal-optimal.png")));
        assertTrue(Files.isRegularFile(sweep.resolve("plots/bits-per-parameter-optimal-optimal.svg")));
        assertFalse(cli.lastJsonLine().get("runs").get(0).get("converged").asBoolean(), "6 steps are not convergence");
        assertEquals(0, cli.run("capacity", "of", sweep.toString(), "--all-schemes", "--scheme", "two-hop-double"),
                cli.err());
        assertEquals("two-hop-double", cli.lastJsonLine().get("scheme").asText());
        assertEquals(9, cli.lastJsonLine().get("schemes").size());
        for (String e : new String[] {"optimal", "two-hop-big-hash", "two-hop-double"}) {
            for (String t : new String[] {"optimal", "enumerate", "independent"}) {
                assertTrue(Files.isRegularFile(sweep.resolve("plots/capacity-" + e + "-" + t + ".png")), e + "-" + t);
                assertTrue(Files.isRegularFile(sweep.resolve("plots/bits-per-parameter-" + e + "-" + t + ".png")));
            }
        }
        assertTrue(cli.out().contains("max/min"), "the sweep's table: " + cli.out());

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
        assertEquals(2, cli.run("capacity", "of", runDir.toString(), "--scheme", "huge"));
        assertEquals(1, cli.err().strip().lines().count(), cli.err());
        assertTrue(cli.err().contains("--scheme huge: must be one of [optimal, two-hop-big-hash, two-hop-double]"),
                cli.err());
        assertEquals(2, cli.run("capacity", "of", runDir.toString(), "--selection", "some"));
        assertEquals(1, cli.err().strip().lines().count(), cli.err());
        assertTrue(cli.err().contains("--selection some: must be one of [optimal, enumerate, independent]"), cli.err());
    }
}
