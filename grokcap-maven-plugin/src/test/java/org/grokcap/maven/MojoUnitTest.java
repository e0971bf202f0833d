package org.grokcap.maven;

import org.apache.maven.artifact.Artifact;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.SystemStreamLog;
import org.apache.maven.plugin.testing.stubs.ArtifactStub;
import org.apache.maven.api.plugin.testing.InjectMojo;
import org.apache.maven.api.plugin.testing.MojoExtension;
import org.apache.maven.api.plugin.testing.MojoParameter;
import org.apache.maven.api.plugin.testing.MojoTest;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The goals as Maven configures them (maven-plugin-testing-harness reads the plugin descriptor and
 * src/test/resources/unit/pom.xml), their grokcap command lines, and real forks of grokcap-core on this
 * test's class path: output into the log, the fork's own error message on failure, grokcap.skip.
 */
@MojoTest
class MojoUnitTest {
    private static final String POM = "src/test/resources/unit/pom.xml";

    /** Collects what a mojo logs. */
    static final class Lines extends SystemStreamLog {
        final List<String> info = new ArrayList<>();
        final List<String> error = new ArrayList<>();

        @Override
        public void info(CharSequence content) {
            info.add(content.toString());
        }

        @Override
        public void error(CharSequence content) {
            error.add(content.toString());
        }
    }

    /** Gives the mojo this test's class path (grokcap-core and its dependencies) as the plugin's artifacts. */
    private static Lines forkable(AbstractGrokcapMojo mojo) throws Exception {
        List<Artifact> artifacts = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            ArtifactStub a = new ArtifactStub();
            a.setFile(new File(entry));
            artifacts.add(a);
        }
        MojoExtension.setVariableValueToObject(mojo, "pluginArtifacts", artifacts);
        Lines log = new Lines();
        mojo.setLog(log);
        return log;
    }

    private static void delete(File dir) throws IOException {
        if (dir.exists()) {
            try (Stream<Path> walk = Files.walk(dir.toPath())) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String base() {
        return MojoExtension.getBasedir();
    }

    @Test
    @InjectMojo(goal = "train", pom = POM)
    void trainTurnsItsParametersIntoTheCommandLineAndTheForkedJvm(TrainMojo mojo) throws Exception {
        String out = base() + "/target/unit-out/tiny";
        assertEquals(List.of("train", base() + "/src/test/resources/unit/conf/tiny.yaml", "--out", out,
                "--max-steps", "3", "--seed", "7", "--threads", "1"), mojo.arguments());
        forkable(mojo);
        List<String> cmd = mojo.command(Path.of("/jdk/bin/java"), List.of("@/sdk/tornado-argfile"), List.of("info"));
        assertEquals(List.of("/jdk/bin/java", "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true",
                "-Xmx1g", "@/sdk/tornado-argfile", "-XX:+UseSerialGC", "-Dgrokcap.test=yes", "-Dgrokcap.backend=cpu", "-cp"),
                cmd.subList(0, 11));
        assertEquals(List.of("org.grokcap.cli.Main", "info"), cmd.subList(12, 14));
    }

    @Test
    @InjectMojo(goal = "train", pom = POM)
    @MojoParameter(name = "runId", value = "forked")
    void trainRunsInAForkedJvmAndItsOutputReachesTheLog(TrainMojo mojo) throws Exception {
        File run = new File(base(), "target/unit-out/forked");
        delete(run);
        Lines log = forkable(mojo);
        mojo.execute();
        assertTrue(new File(run, "weights.safetensors").isFile());
        assertTrue(log.info.stream().anyMatch(l -> l.startsWith("run directory  " + run.getAbsolutePath())), log.info.toString());
        assertTrue(log.info.get(log.info.size() - 1).startsWith("{\"runDir\""), "the result's JSON line, as printed");
        MojoFailureException again = assertThrows(MojoFailureException.class, mojo::execute);
        assertTrue(again.getMessage().contains("already holds a run; run 'mvn clean', or set grokcap.runId"), again.getMessage());
    }

    @Test
    @InjectMojo(goal = "train", pom = POM)
    @MojoParameter(name = "config", value = "src/test/resources/unit/conf/broken.yaml")
    void aBadConfigFailsTheGoalWithTheForksOwnMessage(TrainMojo mojo) throws Exception {
        Lines log = forkable(mojo);
        MojoFailureException e = assertThrows(MojoFailureException.class, mojo::execute);
        assertTrue(e.getMessage().startsWith("grokcap train: "), e.getMessage());
        assertTrue(e.getMessage().contains("broken.yaml: unknown field 'model.dmodel'"), e.getMessage());
        assertEquals(1, log.error.size(), "the error line is logged as an error: " + log.error);
    }

    @Test
    @InjectMojo(goal = "train", pom = POM)
    @MojoParameter(name = "skip", value = "true")
    @MojoParameter(name = "runId", value = "skipped")
    void skipRunsNothing(TrainMojo mojo) throws Exception {
        File run = new File(base(), "target/unit-out/skipped");
        delete(run);
        Lines log = forkable(mojo);
        mojo.execute();
        assertEquals(List.of("grokcap: skipped (grokcap.skip)"), log.info);
        assertTrue(!run.exists());
    }

    @Test
    @InjectMojo(goal = "info", pom = POM)
    void infoListsTheBackendsOfTheForkedJvm(InfoMojo mojo) throws Exception {
        Lines log = forkable(mojo);
        mojo.execute();
        assertTrue(log.info.stream().anyMatch(l -> l.startsWith("backends (best first):")), log.info.toString());
        assertTrue(log.info.stream().anyMatch(l -> l.contains("Vector API present")), "the fork has the Vector API flag");
        int heap = log.info.stream().map(l -> java.util.regex.Pattern.compile("max heap (\\d+) MiB").matcher(l))
                .filter(java.util.regex.Matcher::find).map(m -> Integer.parseInt(m.group(1))).findFirst().orElse(-1);
        assertTrue(heap > 768 && heap <= 1024, "the fork has the heap setting -Xmx1g: " + heap + " MiB");
    }

    @Test
    @InjectMojo(goal = "info", pom = POM)
    @MojoParameter(name = "backend", value = "tornado")
    void theTornadoBackendWithoutAnSdkSaysWhatIsMissing(InfoMojo mojo) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("TORNADOVM_HOME") == null && System.getenv("TORNADO_SDK") == null,
                "a TornadoVM SDK is named in the environment");
        forkable(mojo);
        MojoFailureException e = assertThrows(MojoFailureException.class, mojo::execute);
        assertEquals("grokcap jvm-flags: the tornado backend needs a TornadoVM SDK: set TORNADOVM_HOME or TORNADO_SDK",
                e.getMessage());
    }

    @Test
    @InjectMojo(goal = "probe", pom = POM)
    @MojoParameter(name = "runId", value = "tiny")
    void aCommandThatHasNotLandedSaysSo(ProbeMojo mojo) throws Exception {
        assertEquals(List.of("probe", base() + "/target/unit-out/tiny"), mojo.arguments());
        MojoFailureException e = AbstractGrokcapMojo.failure(mojo.arguments(), 2, "unknown command 'probe'");
        assertTrue(e.getMessage().contains("'grokcap probe'") && e.getMessage().contains("has not landed"), e.getMessage());
        e = AbstractGrokcapMojo.failure(List.of("capacity", "of", "run"), 2,
                "unknown capacity sub-command 'of'; use entropy or plan");
        assertTrue(e.getMessage().contains("'grokcap capacity of'") && e.getMessage().contains("has not landed"), e.getMessage());
        assertNull(AbstractGrokcapMojo.failure(mojo.arguments(), 0, null));
        assertEquals("grokcap probe: the forked JVM ended with exit code 134",
                AbstractGrokcapMojo.failure(mojo.arguments(), 134, null).getMessage());
        assertEquals("grokcap probe: run x not found",
                AbstractGrokcapMojo.failure(mojo.arguments(), 2, "run x not found").getMessage());
    }

    @Test
    @InjectMojo(goal = "probe", pom = POM)
    void aGoalThatReadsARunNeedsToKnowWhichOne(ProbeMojo mojo) {
        MojoFailureException e = assertThrows(MojoFailureException.class, mojo::arguments);
        assertEquals("grokcap: set grokcap.runDir or grokcap.runId (which run to read)", e.getMessage());
    }

    @Test
    @InjectMojo(goal = "capacity", pom = POM)
    @MojoParameter(name = "capacity", value = "plan")
    @MojoParameter(name = "targetBits", value = "5000")
    void capacityPlanPassesItsTarget(CapacityMojo mojo) throws Exception {
        assertEquals(List.of("capacity", "plan", "--target-bits", "5000", base() + "/src/test/resources/unit/conf/tiny.yaml"),
                mojo.arguments());
    }

    @Test
    @InjectMojo(goal = "capacity", pom = POM)
    @MojoParameter(name = "capacity", value = "of")
    @MojoParameter(name = "runId", value = "tiny")
    @MojoParameter(name = "scheme", value = "two-hop-double")
    @MojoParameter(name = "allSchemes", value = "true")
    void capacityOfPassesItsSchemes(CapacityMojo mojo) throws Exception {
        assertEquals(List.of("capacity", "of", base() + "/target/unit-out/tiny", "--scheme", "two-hop-double",
                "--all-schemes"), mojo.arguments());
    }

    @Test
    @InjectMojo(goal = "capacity", pom = POM)
    @MojoParameter(name = "capacity", value = "entropy")
    void capacityEntropyNeedsADataset(CapacityMojo mojo) {
        assertEquals("grokcap: set grokcap.dataset (the dataset folder)",
                assertThrows(MojoFailureException.class, mojo::arguments).getMessage());
    }

    @Test
    @InjectMojo(goal = "capacity", pom = POM)
    @MojoParameter(name = "capacity", value = "bits")
    void capacityNamesItsSubcommands(CapacityMojo mojo) {
        assertEquals("grokcap: grokcap.capacity = bits: must be entropy, plan or of",
                assertThrows(MojoFailureException.class, mojo::arguments).getMessage());
    }

    @Test
    @InjectMojo(goal = "sweep", pom = POM)
    @MojoParameter(name = "sweepFile", value = "sweep.yaml")
    @MojoParameter(name = "shard", value = "1/4")
    @MojoParameter(name = "dryRun", value = "true")
    void sweepPassesItsShard(SweepMojo mojo) throws Exception {
        assertEquals(List.of("sweep", base() + "/sweep.yaml", "--out", base() + "/target/unit-out", "--shard", "1/4", "--max-steps", "3",
                "--threads", "1", "--dry-run"), mojo.arguments());
    }

    @Test
    @InjectMojo(goal = "sweep", pom = POM)
    @MojoParameter(name = "sweepFile", value = "sweep.yaml")
    @MojoParameter(name = "together", value = "8")
    void sweepPassesTogetherWithItsCountOrAlone(SweepMojo mojo) throws Exception {
        List<String> head = List.of("sweep", base() + "/sweep.yaml", "--out", base() + "/target/unit-out", "--max-steps",
                "3", "--threads", "1", "--together");
        assertEquals(concat(head, "8"), mojo.arguments());
        mojo.together = "true";
        assertEquals(head, mojo.arguments());
        mojo.together = "false";
        assertEquals(head.subList(0, head.size() - 1), mojo.arguments());
    }

    private static List<String> concat(List<String> head, String last) {
        List<String> all = new java.util.ArrayList<>(head);
        all.add(last);
        return all;
    }

    @Test
    @InjectMojo(goal = "sweep", pom = POM)
    @MojoParameter(name = "sweepFile", value = "sweep.yaml")
    @MojoParameter(name = "together", value = "some")
    void sweepRefusesATogetherThatIsNoCount(SweepMojo mojo) {
        assertEquals("grokcap: grokcap.together = some: must be true, false or a whole number of runs at a time "
                + "(at least 1)", assertThrows(MojoFailureException.class, mojo::arguments).getMessage());
    }

    @Test
    @InjectMojo(goal = "report", pom = POM)
    void reportReadsTheOutputDirectoryByDefault(ReportMojo mojo) {
        assertEquals(List.of("report", base() + "/target/unit-out", "--out", base() + "/target/site/grokcap"),
                mojo.arguments());
    }

    @Test
    @InjectMojo(goal = "generate", pom = POM)
    @MojoParameter(name = "runId", value = "data")
    void generateWritesTheDatasetUnderTheRun(GenerateMojo mojo) throws Exception {
        assertEquals(List.of("generate", base() + "/src/test/resources/unit/conf/tiny.yaml", "--out",
                base() + "/target/unit-out/data/dataset", "--seed", "7"), mojo.arguments());
    }
}
