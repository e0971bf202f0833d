package org.grokcap.analysis;

import org.grokcap.backend.Device;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.model.Transformer;
import org.grokcap.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttributionsAndAttentionTest {

    /** Two layers with LayerNorm and GELU, so that every part of the model is on the gradient's path. */
    private static final ExperimentSpec SPEC = ConfigLoader.parse("""
            {"name":"t","task":{"type":"modular","p":11,"format":"a op b =","trainFraction":0.6},
             "model":{"layers":2,"dModel":16,"heads":2,"dMlp":32,"layerNorm":true,"activation":"gelu",
                      "attentionBias":true,"unembedBias":true},
             "train":{"seed":1,"steps":60,"optimizer":{"lr":0.01,"weightDecay":0.1}}}""", false, "test");

    private static Trainer trained(Device dev) {
        TokenizedDataset data = SPEC.task().generate(SPEC.train().seed());
        Trainer trainer = new Trainer(SPEC, data, dev);
        trainer.run((row, total) -> {});
        return trainer;
    }

    private static TokenizedDataset data() {
        return SPEC.task().generate(SPEC.train().seed());
    }

    @Test
    void attributionsAddUpToTheLogitDifferenceFromTheBaseline() {
        TokenizedDataset data = data();
        Split test = data.split("test");
        try (ReferenceDevice dev = new ReferenceDevice()) {
            Trainer trainer = trained(dev);
            for (int i = 0; i < 3; i++) {
                int[] tokens = Arrays.copyOfRange(test.tokens(), i * 4, i * 4 + 4);
                int answer = test.targets()[i * 4 + 3];
                IntegratedGradients coarse = IntegratedGradients.of(trainer.model(), tokens, answer, 4, data.vocabulary());
                IntegratedGradients fine = IntegratedGradients.of(trainer.model(), tokens, answer, 128, data.vocabulary());
                double diff = fine.logit() - fine.baselineLogit();
                assertTrue(Math.abs(diff) > 0.1, "a logit that moves: " + diff);
                assertEquals(fine.sum(), Arrays.stream(fine.attributions()).sum(), 1e-12);
                // the stated tolerance: 1% of |F(x) − F(baseline)|
                assertTrue(fine.complete(0.01, 1e-4), "completeness at m = 128: error " + fine.completenessError()
                        + " of " + diff);
                assertTrue(fine.completenessError() < coarse.completenessError(),
                        "the error shrinks with m: " + coarse.completenessError() + " → " + fine.completenessError());
                assertEquals(coarse.logit(), fine.logit(), 1e-5, "F(x) does not depend on m");
                // F(x) is the model's own logit for the input
                trainer.model().setBatch(test.tokens(), test.targets(), i, 1);
                trainer.model().forward();
                var lg = trainer.model().logits();
                assertEquals(lg.host()[lg.offset() + answer], fine.logit(), 1e-4);
            }
        }
    }

    @Test
    void attentionRowsAreCausalDistributionsAndMatchTheTrainingForwardPass() {
        TokenizedDataset data = data();
        Split test = data.split("test");
        int[] tokens = Arrays.copyOfRange(test.tokens(), 0, 4);
        try (ReferenceDevice ref = new ReferenceDevice(); CpuDevice cpu = new CpuDevice(2)) {
            Trainer a = trained(ref);
            Transformer b = new Transformer(cpu, a.model().config(), 1); // the same weights on the other backend
            System.arraycopy(a.model().params().host(), 0, b.params().host(), 0, a.model().layout().size());
            AttentionMaps ma = AttentionMaps.of(a.model(), tokens, data.vocabulary());
            AttentionMaps mb = AttentionMaps.of(b, tokens, data.vocabulary());
            assertEquals(Arrays.stream(tokens).mapToObj(data.vocabulary()::get).toList(), ma.tokens());
            assertEquals(2, ma.probabilities().length);
            for (int l = 0; l < 2; l++) {
                for (int h = 0; h < 2; h++) {
                    for (int q = 0; q < 4; q++) {
                        double[] row = ma.probabilities()[l][h][q];
                        double sum = 0;
                        for (int k = 0; k < 4; k++) {
                            assertTrue(k <= q || row[k] == 0, "causal");
                            sum += row[k];
                        }
                        assertEquals(1.0, sum, 1e-5);
                        assertArrayEquals(row, mb.probabilities()[l][h][q], 1e-5, "reference and cpu backends");
                    }
                }
            }
            // the ordinary forward pass (targets at the answer only) computes the last layer's last row alike
            a.model().setBatch(test.tokens(), test.targets(), 0, 1);
            a.model().forward();
            var att = a.model().attentionProbabilities(1);
            for (int h = 0; h < 2; h++) {
                for (int k = 0; k < 4; k++) {
                    assertEquals(att.host()[att.offset() + h * 4 + k], ma.probabilities()[1][h][3][k], 1e-6);
                }
            }
        }
    }
}
