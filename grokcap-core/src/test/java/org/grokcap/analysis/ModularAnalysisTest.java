package org.grokcap.analysis;

import org.grokcap.util.BadInputException;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.train.Trainer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModularAnalysisTest {

    static ExperimentSpec small(String operation, int steps) {
        return ConfigLoader.parse("""
                {"name":"t","task":{"type":"modular","p":11,"operation":"%s","trainFraction":0.6},
                 "model":{"dModel":32,"heads":2,"dMlp":64},
                 "train":{"seed":3,"steps":%d,"optimizer":{"lr":0.003,"weightDecay":0.1}}}"""
                .formatted(operation, steps), false, "test");
    }

    /** The model keeps per-row losses as floats, so the two agree to float precision. */
    @Test
    void lossesFromTheAnalysisForwardPassMatchTheTrainersEvaluation() {
        ExperimentSpec spec = small("x+y", 150);
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        try (ReferenceDevice dev = new ReferenceDevice()) {
            Trainer trainer = new Trainer(spec, data, dev);
            trainer.run((row, total) -> {});
            double[] train = trainer.evaluate(data.split("train"));
            double[] test = trainer.evaluate(data.split("test"));
            ProgressMeasures m = ModularAnalysis.of(spec.task(), data).measure(trainer.model(), 150);
            assertEquals(150, m.step());
            assertEquals(train[0], m.trainLoss(), 1e-6 * Math.max(1, train[0]));
            assertEquals(train[1], m.trainAccuracy(), 0.0);
            assertEquals(test[0], m.testLoss(), 1e-6 * Math.max(1, test[0]));
            assertEquals(test[1], m.testAccuracy(), 0.0);
            assertNotNull(m.restrictedLoss());
            assertNotNull(m.excludedLoss());
            assertEquals(6, m.embeddingFourierNorms().length, "constant + 5 frequencies at p = 11");
            double ssw = 0;
            for (int i = 0; i < trainer.model().layout().size(); i++) {
                double w = trainer.model().params().host()[i];
                ssw += w * w;
            }
            assertEquals(ssw, m.sumSquaredWeights(), 1e-9 * ssw);
            assertTrue(m.giniEmbedding() >= 0 && m.giniEmbedding() < 1, "Gini in [0,1): " + m.giniEmbedding());
            assertTrue(m.giniNeuronLogit() >= 0 && m.giniNeuronLogit() < 1, "Gini in [0,1): " + m.giniNeuronLogit());
        }
    }

    @Test
    void refusesTasksWithoutTheFullGrid() {
        ExperimentSpec spec = small("x/y", 1);
        TokenizedDataset data = spec.task().generate(0);
        BadInputException e = assertThrows(BadInputException.class, () -> ModularAnalysis.of(spec.task(), data));
        assertTrue(e.getMessage().contains("all p² pairs"), e.getMessage());
    }

    @Test
    void otherOperationsGetEverythingButTheAdditionLosses() {
        ExperimentSpec spec = small("x-y", 2);
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        try (ReferenceDevice dev = new ReferenceDevice()) {
            Trainer trainer = new Trainer(spec, data, dev);
            ProgressMeasures m = ModularAnalysis.of(spec.task(), data).measure(trainer.model(), 0);
            assertEquals(null, m.restrictedLoss());
            assertEquals(null, m.excludedLoss());
            assertTrue(m.sumSquaredWeights() > 0);
        }
    }
}
