package org.grokcap.tornado;

import org.grokcap.run.ConfigLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A 2-layer GPT-2-style model trained with minibatches on tornado and on the CPU backend: same losses. */
class TornadoGpt2TrainingTest {

    @BeforeAll
    static void needTornado() {
        TornadoTrainingTest.needTornado();
    }

    @Test
    void twoLayerGpt2StyleWithMinibatches(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("gpt2-tiny.json");
        Files.writeString(config, """
                {
                  "name": "gpt2-tiny",
                  "task": {"type": "modular", "p": 23, "operation": "x+y", "format": "a b =", "trainFraction": 0.5},
                  "model": {"layers": 2, "dModel": 32, "heads": 4, "dMlp": 128, "activation": "gelu",
                            "layerNorm": true, "attentionBias": true, "mlpBias": true, "unembedBias": true,
                            "init": "gpt2"},
                  "train": {"seed": 3, "steps": 50, "batchSize": 48, "evalEvery": 5, "lossFloat64": false,
                            "optimizer": {"lr": 0.003, "weightDecay": 0.1, "warmupSteps": 10, "gradClip": 1.0,
                                          "noDecay": ["*.bias", "*ln*"]}}
                }
                """);
        TornadoTrainingTest.sameLosses(ConfigLoader.load(config));
    }
}
