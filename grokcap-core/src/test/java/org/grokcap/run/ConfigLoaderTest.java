package org.grokcap.run;

import org.grokcap.config.ConfigException;

import org.grokcap.run.ConfigLoader;

import org.grokcap.train.ExperimentSpec;

import org.grokcap.util.BadInputException;
import org.grokcap.data.modular.ModularTaskSpec;
import org.grokcap.kernels.Activation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    private static String error(String json) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(json, false, "c.json")).getMessage();
    }

    @Test
    void shippedConfigsLoadWithTheirSettings() {
        Path conf = Path.of("..", "conf");
        ExperimentSpec spec = ConfigLoader.load(conf.resolve("modular-addition"));
        assertEquals("modular-addition", spec.name());
        ModularTaskSpec task = (ModularTaskSpec) spec.task();
        assertEquals(97, task.p());
        assertEquals(0.3, task.trainFraction());
        assertEquals(128, spec.model().dModel());
        assertEquals(Activation.RELU, spec.model().activation());
        assertEquals(1.0, spec.train().optimizer().weightDecay());
        assertEquals(0.98, spec.train().optimizer().beta2());
        ExperimentSpec nanda = ConfigLoader.load(conf.resolve("nanda-p113.json"));
        assertEquals(113, ((ModularTaskSpec) nanda.task()).p());
        assertEquals(10, nanda.train().optimizer().warmupSteps());
    }

    @Test
    void yamlWorksToo(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, "task:\n  type: modular\n  p: 5\nmodel:\n  dModel: 8\n  heads: 2\n");
        ExperimentSpec spec = ConfigLoader.load(dir.resolve("exp"));
        assertEquals("exp", spec.name());
        assertEquals(8, spec.model().dModel());
    }

    @Test
    void runJsonIsAConfig() {
        String runJson = "{\"config\":{\"task\":{\"type\":\"modular\",\"p\":7}},\"provenance\":{}}";
        assertEquals(7, ((ModularTaskSpec) ConfigLoader.parse(runJson, false, "run.json").task()).p());
    }

    @Test
    void errorsNameTheFieldAndValue() {
        assertTrue(error("{\"task\":{\"type\":\"modular\",\"p\":97},\"model\":{\"dModel\":130,\"heads\":4}}")
                .contains("model.dModel = 130: must be divisible by heads (4)"));
        assertTrue(error("{\"task\":{\"type\":\"modular\",\"p\":1}}").contains("task.p = 1"));
        assertTrue(error("{\"task\":{\"type\":\"modular\",\"p\":97,\"trainFraction\":1.5}}")
                .contains("task.trainFraction = 1.5: must be in (0.0, 1.0)"));
        assertTrue(error("{\"task\":{\"type\":\"modular\",\"p\":97},\"train\":{\"stepz\":5}}")
                .contains("unknown field 'train.stepz'"));
        assertTrue(error("{\"task\":{\"type\":\"modular\",\"p\":97},\"train\":{\"optimizer\":{\"lr\":-1}}}")
                .contains("train.optimizer.lr = -1.0"));
        assertTrue(error("{\"task\":{\"type\":\"modular\",\"p\":\"many\"}}").contains("task.p"));
        assertTrue(error("{\"task\":{\"type\":\"graph\"}}").contains("task.type = \"graph\""));
        assertTrue(error("{\"task\":{\"type\":\"modular\",\"p\":97,\"operation\":\"x%y\"}}")
                .contains("unknown operation \"x%y\""));
        assertTrue(error("{\"task\": {").contains("malformed"));
        assertTrue(error("{}").contains("task"));
        assertTrue(error("[1,2]").contains("must be a JSON object"));
    }

    @Test
    void nonFiniteAndHugeNumbersAreRejected() {
        assertTrue(error("{\"task\":{\"type\":\"modular\",\"p\":97},\"train\":{\"optimizer\":{\"weightDecay\":1e400}}}")
                .contains("train.optimizer.weightDecay = Infinity: must be a finite number"));
        assertTrue(error("{\"task\":{\"type\":\"modular\",\"p\":97},\"train\":{\"optimizer\":{\"lr\":NaN}}}")
                .contains("NaN"));
        String yaml = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                "task: {type: modular, p: 97}\ntrain: {optimizer: {eps: .nan}}", true, "c.yaml")).getMessage();
        assertTrue(yaml.contains("c.yaml") && yaml.contains(".nan"), yaml);
        assertTrue(error("{\"task\":{\"type\":\"modular\",\"p\":97},\"model\":{\"dModel\":100000000}}")
                .contains("model.dModel = 100000000"));
        assertTrue(error("{\"task\":{\"type\":\"modular\",\"p\":97},\"model\":{\"layers\":-2}}")
                .contains("model.layers = -2"));
    }

    @Test
    void missingFileIsBadInputNamingThePath() {
        BadInputException e = assertThrows(BadInputException.class, () -> ConfigLoader.load(Path.of("no/such/config")));
        assertTrue(e.getMessage().contains("config file not found: no/such/config"), e.getMessage());
    }
}
