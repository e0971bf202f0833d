package org.grokcap.model;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;

/** Draws initial weights into the flat parameter buffer, in layout order, from one RNG stream. */
public final class Init {
    private Init() {}

    public static void initialize(float[] params, ParamLayout layout, ModelConfig cfg, UniformRandomProvider rng) {
        ZigguratSampler.NormalizedGaussian gauss = ZigguratSampler.NormalizedGaussian.of(rng);
        for (ParamLayout.Tensor t : layout.tensors()) {
            String name = t.name();
            int off = t.offset();
            int n = t.size();
            if (ParamNames.isBias(name)) {
                java.util.Arrays.fill(params, off, off + n, 0f);
            } else if (ParamNames.isNorm(name)) {
                java.util.Arrays.fill(params, off, off + n, 1f);
            } else {
                double std = std(name, cfg);
                for (int i = off; i < off + n; i++) {
                    params[i] = (float) (gauss.sample() * std);
                }
            }
        }
    }

    private static double std(String name, ModelConfig cfg) {
        return switch (cfg.init()) {
            case NANDA -> name.equals(ParamNames.UNEMBED_WEIGHT)
                    ? 1.0 / Math.sqrt(cfg.resolvedOutputVocab())
                    : 1.0 / Math.sqrt(cfg.dModel());
            case GPT2 -> ParamNames.isResidualProjection(name)
                    ? 0.02 / Math.sqrt(2.0 * cfg.layers())
                    : 0.02;
        };
    }
}
