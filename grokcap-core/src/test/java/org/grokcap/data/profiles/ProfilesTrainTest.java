package org.grokcap.data.profiles;

import org.grokcap.Grokcap;
import org.grokcap.run.RunOptions;
import org.grokcap.run.RunResult;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProfilesTrainTest {

    @Test
    void trainReadsTheProfilesTaskAndReportsEveryHeldOutSplit(@TempDir Path dir) {
        ExperimentSpec spec = ConfigLoader.parse("""
                {"name":"profiles-tiny","task":{"type":"profiles","n":40,"relations":"r4","relationMode":"bipartite","twoHopFraction":0.3,
                         "heldOut":{"firstPeople":0.1,"tuples":0.1,"questionsPerSplit":8}},
                 "model":{"layers":1,"dModel":16,"heads":2,"dMlp":32},
                 "train":{"steps":2,"batchSize":16,"evalEvery":1}}""", false, "t.json");
        RunResult r = Grokcap.train(spec, new RunOptions(dir.resolve("run"), null, 1, null));
        assertEquals(2, r.steps());
        for (String split : new String[]{"train", "heldout_first_person", "heldout_tuple"}) {
            double loss = r.finalMetrics().get(split + "_loss");
            assertTrue(loss > 0 && Double.isFinite(loss), split + " loss " + loss);
        }
    }

    @Test
    void theShippedDemoConfigLoads() {
        ProfilesTaskSpec task = (ProfilesTaskSpec) ConfigLoader.load(Path.of("..", "conf", "profiles-demo.json")).task();
        assertEquals(1000, task.n());
        assertEquals(RelationMode.BIPARTITE, task.relationMode());
        assertEquals(Relations.R4, task.relations());
        assertEquals(0.5, task.twoHopFraction());
    }
}
