package org.grokcap;

import org.grokcap.run.FinishedRun;
import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.cli.CommandRun;
import org.grokcap.io.Json;
import org.grokcap.run.RunDirectory;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.model.Architecture;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.ParamLayout;
import org.grokcap.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Issue 17, item 2: no non-finite result is written as a success, and a divergence names the first
 * operation that made a non-finite value.
 */
class NonFiniteResultTest {
    private final CommandRun cli = new CommandRun();

    @Test
    void aDivergenceInTheLastUpdateWritesNoWeights(@TempDir Path dir) throws Exception {
        // The loss of the only step is finite; its update divides by √v̂ + eps, and eps = 1e-50 is 0 as a
        // float: parameters with a zero gradient (tokens absent from the batch) become 0/0 = NaN.
        Path config = dir.resolve("last.json");
        Files.writeString(config, """
                {"name":"last","task":{"type":"modular","p":7,"trainFraction":0.5},
                 "model":{"dModel":16,"heads":2,"dMlp":32},
                 "train":{"steps":1,"optimizer":{"eps":1e-50}}}""");
        Path out = dir.resolve("run");
        int exit = cli.run("train", config.toString(), "--out", out.toString(), "--quiet");
        assertEquals(1, exit, cli.out());
        assertEquals("error: training diverged at update 1 (the last): first non-finite tensor: parameter "
                + "'layers.0.mlp.fc.weight' (element 16 = NaN); the last update's gradient was finite: the update itself "
                + "made it (see train.optimizer: lr, eps, weightDecay); no weights written; no checkpoint was written (see "
                + "--checkpoint-every)", cli.err().strip());
        assertFalse(Files.exists(out.resolve(RunDirectory.WEIGHTS)), "no weights from a diverged run");
        JsonNode record = Json.mapper().readTree(out.resolve(RunDirectory.RUN_JSON).toFile());
        assertFalse(FinishedRun.finished(record), "no result: the run did not succeed");
    }

    @Test
    void aDivergenceNamesTheFirstOperationThatOverflowed(@TempDir Path dir) throws Exception {
        // Learning rate 2 with four layers and no LayerNorm: the activations overflow within a few steps.
        Path config = dir.resolve("diverge.json");
        Files.writeString(config, """
                {"name":"diverge","task":{"type":"modular","p":11},
                 "model":{"layers":4,"dModel":32,"heads":2,"dMlp":64},
                 "train":{"steps":400,"lossFloat64":false,"optimizer":{"lr":2.0,"weightDecay":0}}}""");
        int exit = cli.run("train", config.toString(), "--out", dir.resolve("run").toString(), "--quiet",
                "--backend", "reference");
        assertEquals(1, exit);
        assertEquals("error: training diverged at step 2: the training loss is NaN; first non-finite value: output of "
                + "'layers.3.attn.probabilities' (element 0 = NaN); no checkpoint was written (see --checkpoint-every)", cli.err().strip());
    }

    /** Every operation's output is checked in forward order: a poisoned weight is named by the first output it spoils. */
    @Test
    void theFirstNonFiniteOutputIsTheOperationThatMadeIt() {
        ModelConfig gpt = new ModelConfig(6, 6, 3, 2, 8, 2, 16, null, null, null, null, null, null, null, null,
                null, null, null);
        ModelConfig llama = new ModelConfig(6, 6, 3, 2, 8, 2, 16, null, null, null, null, null, null, null, null,
                Architecture.LLAMA, null, null);
        assertEquals("'layers.1.attn.proj' (element 3 = NaN)", poisonedForward(gpt, "layers.1.attn.proj.weight"));
        assertEquals("'layers.0.mlp.fc' (element 3 = NaN)", poisonedForward(gpt, "layers.0.mlp.fc.weight"));
        assertEquals("'unembed (logits)' (element 3 = NaN)", poisonedForward(gpt, "unembed.weight"));
        assertEquals("'layers.1.attn.qkv' (element 3 = NaN)", poisonedForward(llama, "layers.1.attn.qkv.weight"));
        assertEquals("'layers.0.mlp.fc' (element 3 = NaN)", poisonedForward(llama, "layers.0.mlp.fc.weight"));
        assertNull(poisonedForward(gpt, null), "all finite");
    }

    /** The first non-finite activation of a forward pass after row 3 of tensor (none if null) became NaN. */
    private static String poisonedForward(ModelConfig cfg, String tensor) {
        Transformer m = new Transformer(new ReferenceDevice(), cfg, 2);
        Random r = new Random(1);
        float[] p = m.params().host();
        for (int i = 0; i < m.layout().size(); i++) {
            p[i] = (float) (0.3 * r.nextGaussian());
        }
        if (tensor != null) {
            ParamLayout.Tensor t = m.layout().get(tensor);
            p[t.offset() + 3 * t.shape()[1]] = Float.NaN; // row 3 of (out, in): output feature 3
        }
        m.device().toDevice(m.params());
        m.setBatch(new int[]{1, 2, 3, 4, 5, 0}, new int[]{-1, -1, 3, -1, -1, 2}, 0, 2);
        m.forward();
        return m.firstNonFiniteActivation();
    }
}
