package org.grokcap.analysis;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;

/**
 * Nanda et al.'s progress measures of a modular-arithmetic model at one step (docs/science.md §1), the
 * losses and accuracies computed from the same logits. One row of analysis/progress.jsonl.
 *
 * @param step                  optimizer updates the parameters have had
 * @param trainLoss             mean cross-entropy on the training pairs
 * @param testLoss              mean cross-entropy on the other pairs
 * @param restrictedLoss        cross-entropy on all pairs of the restricted logits (key frequencies
 *                              and per-class mean only); null unless the operation is x+y
 * @param excludedLoss          cross-entropy on the training pairs of the excluded logits (key
 *                              frequencies removed); null unless the operation is x+y
 * @param keyFrequencies        key frequencies of the MLP neurons at the last position, with their
 *                              neurons and the share of variance they explain
 * @param keyFrequencyVariance  share of all neurons' variance in the key frequencies' components
 * @param giniEmbedding         Gini coefficient of the embedding's Fourier norms over frequencies 1..⌊p/2⌋
 * @param giniNeuronLogit       Gini coefficient of the Fourier norms (over output classes) of the
 *                              neuron-to-logit map W_U·W_out, frequencies 1..⌊p/2⌋
 * @param sumSquaredWeights     Σ of every parameter squared
 * @param embeddingFourierNorms norm of the number tokens' embedding per frequency, index 0 the constant
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"step", "trainLoss", "trainAccuracy", "testLoss", "testAccuracy", "restrictedLoss", "excludedLoss",
        "keyFrequencies", "keyFrequencyVariance", "giniEmbedding", "giniNeuronLogit", "sumSquaredWeights",
        "embeddingFourierNorms"})
public record ProgressMeasures(int step, double trainLoss, double trainAccuracy, double testLoss,
                               double testAccuracy, Double restrictedLoss, Double excludedLoss,
                               List<NeuronFrequencies.KeyFrequency> keyFrequencies, double keyFrequencyVariance,
                               double giniEmbedding, double giniNeuronLogit, double sumSquaredWeights,
                               double[] embeddingFourierNorms) {
}
