package org.grokcap.tornado;

import org.grokcap.run.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * 50 minibatch steps of a 2-layer Llama-style model (RMSNorm, SwiGLU, rotary positions) on the tornado
 * backend give the cpu backend's losses. Its own class, so surefire runs it in its own JVM (README).
 */
class TornadoLlamaTrainingTest {

    @Test
    void twoLayerLlamaStyleWithMinibatches(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("llama-tiny.json");
        Files.writeString(config, """
                {
                  "name": "llama-tiny",
                  "task": {"type": "modular", "p": 23, "operation": "x+y", "format": "a b =", "trainFraction": 0.5},
                  "model": {"architecture": "llama", "layers": 2, "dModel": 32, "heads": 4, "dMlp": 64},
                  "train": {"seed": 5, "steps": 50, "batchSize": 48, "evalEvery": 5, "lossFloat64": false,
                            "optimizer": {"lr": 0.003, "weightDecay": 0.1, "warmupSteps": 10, "gradClip": 1.0,
                                          "noDecay": ["*norm*", "*ln*"]}}
                }
                """);
        TornadoTrainingTest.sameLosses(ConfigLoader.load(config));
    }
}
