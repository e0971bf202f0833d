package org.grokcap.data.profiles;

import org.grokcap.util.BadInputException;
import org.grokcap.config.ConfigException;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.TokenizedDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProfilesConfigTest {

    private static String error(String task) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse("{\"task\":" + task + "}", false, "c.json"))
                .getMessage();
    }

    @Test
    void relationSetsExpandAndDefaultsAreBioS() {
        ProfilesTaskSpec r17 = (ProfilesTaskSpec) ConfigLoader.parse(
                "{\"task\":{\"type\":\"profiles\",\"n\":10,\"relations\":\"r17\"}}", false, "c").task();
        assertEquals(Relations.R17, r17.relations());
        ProfilesTaskSpec some = (ProfilesTaskSpec) ConfigLoader.parse(
                "{\"task\":{\"type\":\"profiles\",\"n\":10,\"relations\":[\"spouse\",\"r4\"],\"attributes\":\"employer\"}}",
                false, "c").task();
        assertEquals(List.of("parent", "child", "best_friend", "worst_enemy", "spouse"), some.relations());
        assertEquals(List.of("employer"), some.attributes());
        ValuePools pools = ProfilesTaskSpec.of(10).loadPools();
        assertEquals(List.of(400, 400, 1000, 200, 300, 263), List.of(pools.size(Pool.FIRST), pools.size(Pool.MIDDLE),
                pools.size(Pool.LAST), pools.size(Pool.CITY), pools.size(Pool.UNIVERSITY), pools.size(Pool.EMPLOYER)));
    }

    @Test
    void bundledPoolsHaveTheirStatedSizesAndShareNoValue() {
        Set<String> all = new HashSet<>();
        for (Pool p : Pool.values()) {
            List<String> values = ValuePools.bundled(p);
            assertEquals(p.bundledSize(), values.size(), p.resource());
            all.addAll(values);
        }
        assertEquals(java.util.Arrays.stream(Pool.values()).mapToInt(Pool::bundledSize).sum(), all.size());
    }

    @Test
    void badInputNamesTheField() {
        assertTrue(error("{\"type\":\"profiles\"}").contains("task.n = null: is required"));
        assertTrue(error("{\"type\":\"profiles\",\"n\":10,\"relations\":[\"uncle\"]}")
                .contains("task.relations = \"uncle\": unknown relation"));
        assertTrue(error("{\"type\":\"profiles\",\"n\":10,\"twoHopFraction\":1.0}")
                .contains("task.twoHopFraction = 1.0: must be in [0.0, 1.0)"));
        assertTrue(error("{\"type\":\"profiles\",\"n\":10,\"relationMode\":\"random\"}").contains("task.relationMode"));
        assertTrue(error("{\"type\":\"profiles\",\"n\":10,\"relations\":[],\"twoHopFraction\":0.5}")
                .contains("task.twoHopFraction = 0.5: 2-hop questions need at least one relation"));
        assertTrue(error("{\"type\":\"profiles\",\"n\":10,\"heldOut\":{\"relations\":[\"spouse\"]}}")
                .contains("task.heldOut.relations = \"spouse\": is not one of this task's relations"));
        assertTrue(error("{\"type\":\"profiles\",\"n\":10,\"heldOut\":{\"tuples\":-0.1}}")
                .contains("task.heldOut.tuples = -0.1"));
        assertTrue(error("{\"type\":\"profiles\",\"n\":10,\"pools\":{\"first\":0}}").contains("task.pools.first = 0"));
        String unknownType = error("{\"type\":\"nope\"}");
        assertTrue(unknownType.contains("task.type = \"nope\": must be one of: ") && unknownType.contains("profiles"),
                unknownType);
        ProfilesTaskSpec tooMany = new ProfilesTaskSpec(9, null, null, null, new PoolSizes(2, 2, 2, null, null, null),
                null, null, null, null);
        assertTrue(assertThrows(ConfigException.class, () -> tooMany.generate(0)).getMessage()
                .contains("n = 9: more than the 8 distinct names the pools make"));
        ProfilesTaskSpec bigPool = new ProfilesTaskSpec(9, null, null, null, new PoolSizes(5000, null, null, null, null,
                null), null, null, null, null);
        assertTrue(assertThrows(ConfigException.class, () -> bigPool.generate(0)).getMessage()
                .contains("pools.first = 5000: the bundled list has only 4000 values"));
    }

    @Test
    void tooMany2HopQuestionsForWhatIsLeftIsAnError() {
        // 3 profiles, 1 relation, 1 subject: at most 3 2-hop questions, asked for round(0.9/0.1 · 3) = 27.
        ProfilesTaskSpec s = new ProfilesTaskSpec(3, List.of("best_friend"), null, List.of(), null, null, 0.9, null,
                null);
        assertTrue(assertThrows(ConfigException.class, () -> s.generate(0)).getMessage()
                .contains("twoHopFraction = 0.9: asks for"));
    }

    @Test
    void userNameListsAreReadFromTheConfigsDirectory(@TempDir Path dir) throws Exception {
        Path sub = Files.createDirectories(dir.resolve("exp"));
        Files.writeString(sub.resolve("first.txt"), "Ada\nGrace\n  Barbara  \nEdsger\n");
        Files.writeString(sub.resolve("last.txt"), "Lovelace\nHopper\nLiskov\n");
        Path config = sub.resolve("c.json");
        Files.writeString(config, "{\"task\":{\"type\":\"profiles\",\"n\":20,\"poolFiles\":{\"first\":\"first.txt\","
                + "\"last\":\"last.txt\"},\"pools\":{\"middle\":2}}}");
        ExperimentSpec spec = ConfigLoader.load(config);
        ProfilesTaskSpec task = (ProfilesTaskSpec) spec.task();
        assertEquals(sub.resolve("first.txt").toAbsolutePath().normalize().toString(), task.poolFiles().first());
        ProfilesData data = task.build(0);
        assertEquals(List.of("Ada", "Grace", "Barbara", "Edsger"), data.pools().values(Pool.FIRST));
        assertEquals(4 * 2 * 3, data.pools().possibleNames());
        TokenizedDataset ds = data.dataset();
        assertTrue(ds.vocabulary().contains("Barbara"));
        for (int p = 0; p < 20; p++) {
            assertTrue(List.of("Ada", "Grace", "Barbara", "Edsger").contains(data.pools().values(Pool.FIRST)
                    .get(data.profiles().first()[p])));
        }
        // The resolved (absolute) path survives a round trip through run.json, from anywhere.
        String runJson = "{\"config\":" + org.grokcap.io.Json.mapper().writeValueAsString(spec) + ",\"provenance\":{}}";
        assertEquals(ds.hash(), ConfigLoader.parse(runJson, false, "run.json").task().generate(0).hash());
    }

    @Test
    void userListsWithProblemsAreRefusedWithFileAndLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("dup.txt"), "Ada\nGrace\nAda\n");
        Files.writeString(dir.resolve("gap.txt"), "Ada\n\nGrace\n");
        Files.writeString(dir.resolve("word.txt"), "Ada\nAnswer:\n");
        Path config = dir.resolve("c.json");
        for (String[] c : new String[][]{{"dup.txt", "line 3 repeats 'Ada' of line 1"},
                {"gap.txt", "line 2 is empty"}, {"word.txt", "value 'Answer:' is one of the task's own words"}}) {
            Files.writeString(config, "{\"task\":{\"type\":\"profiles\",\"n\":2,\"poolFiles\":{\"first\":\"" + c[0]
                    + "\"}}}");
            ProfilesTaskSpec task = (ProfilesTaskSpec) ConfigLoader.load(config).task();
            String msg = assertThrows(ConfigException.class, () -> task.generate(0)).getMessage();
            assertTrue(msg.startsWith("poolFiles.first = \"" + dir.resolve(c[0])), msg);
            assertTrue(msg.contains(c[1]), msg);
        }
        Files.writeString(config, "{\"task\":{\"type\":\"profiles\",\"n\":2,\"poolFiles\":{\"last\":\"none.txt\"}}}");
        String msg = assertThrows(BadInputException.class, () -> ConfigLoader.load(config)).getMessage();
        assertTrue(msg.contains("task.poolFiles.last = \"none.txt\": no such file"), msg);
    }
}
