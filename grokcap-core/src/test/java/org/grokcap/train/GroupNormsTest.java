package org.grokcap.train;

import org.grokcap.io.Json;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.ParamLayout;
import org.grokcap.model.ParamNames;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The per-group weight norms and gradient cosines of metrics.jsonl, against sums written out per tensor name. */
class GroupNormsTest {

    @Test
    void groupsAreEmbeddingsEachLayerTheFinalNormAndTheUnembedding() throws Exception {
        ParamLayout layout = ParamLayout.of(Json.mapper().readValue("""
                {"vocabSize":11,"outputVocabSize":7,"contextLength":5,"layers":2,"dModel":12,"heads":3,
                 "dMlp":20,"layerNorm":true,"unembedBias":true}""", ModelConfig.class));
        Random r = new Random(3);
        int off = 2; // the buffers' tensors start at a non-zero offset, as slices of larger arrays do
        float[] w = new float[layout.size() + off];
        float[] g = new float[layout.size() + off];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
            g[i] = (float) r.nextGaussian();
        }
        // the gradient of layer 1 is −3 times its weights: cosine −1
        for (ParamLayout.Tensor t : layout.tensors()) {
            if (t.name().startsWith("layers.1.")) {
                for (int i = 0; i < t.size(); i++) {
                    g[off + t.offset() + i] = -3f * w[off + t.offset() + i];
                }
            }
        }
        Map<String, Double> row = new LinkedHashMap<>();
        GroupNorms.addTo(row, layout, w, off, g, off);

        assertEquals(List.of("weight_norm.embed", "weight_norm.layer0", "weight_norm.layer1", "weight_norm.final_norm",
                "weight_norm.unembed", "grad_cos.embed", "grad_cos.layer0", "grad_cos.layer1", "grad_cos.final_norm",
                "grad_cos.unembed"), List.copyOf(row.keySet()));
        Map<String, List<String>> members = Map.of(
                "embed", List.of(ParamNames.WTE, ParamNames.WPE),
                "final_norm", List.of(ParamNames.LNF_WEIGHT, ParamNames.LNF_BIAS),
                "unembed", List.of(ParamNames.UNEMBED_WEIGHT, ParamNames.UNEMBED_BIAS),
                "layer0", layout.names().stream().filter(n -> n.startsWith("layers.0.")).toList());
        members.forEach((group, names) -> {
            double ww = 0, gg = 0, wg = 0;
            for (String name : names) {
                ParamLayout.Tensor t = layout.get(name);
                for (int i = off + t.offset(); i < off + t.offset() + t.size(); i++) {
                    ww += (double) w[i] * w[i];
                    gg += (double) g[i] * g[i];
                    wg += (double) w[i] * g[i];
                }
            }
            assertEquals(Math.sqrt(ww), row.get("weight_norm." + group), 1e-12 * Math.sqrt(ww), group);
            assertEquals(wg / Math.sqrt(ww * gg), row.get("grad_cos." + group), 1e-12, group);
        });
        assertEquals(-1.0, row.get("grad_cos.layer1"), 1e-12);

        Map<String, Double> normsOnly = new LinkedHashMap<>();
        GroupNorms.addTo(normsOnly, layout, w, off, null, 0);
        assertEquals(5, normsOnly.size(), "no gradient: weight norms only");
    }
}
