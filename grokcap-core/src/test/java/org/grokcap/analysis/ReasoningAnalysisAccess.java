package org.grokcap.analysis;

import org.grokcap.data.TokenizedDataset;
import org.grokcap.model.Transformer;

import java.util.Map;

/** Test access to the package-private parts of {@link ReasoningAnalysis}. */
public final class ReasoningAnalysisAccess {
    private ReasoningAnalysisAccess() {}

    public static Map<String, double[][]> causalTracing(Transformer model, TokenizedDataset data, long seed) {
        model.setVocabularyTable(false);
        var batch = ReasoningAnalysis.Batch.of(data, data.split("train_inferred"), Math.min(40, model.maxBatch()));
        return ReasoningAnalysis.CausalTracing.of(model, batch, data, seed).changed();
    }
}
