package org.grokcap.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every parameter tensor as a named slice of one flat buffer. Gradients and both AdamW moments use
 * the same layout, so one offset finds a parameter, its gradient and its moments.
 */
public final class ParamLayout {

    /** One tensor: its name, where it starts in the flat buffer, and its shape (row-major). */
    public record Tensor(String name, int offset, int[] shape) {
        public int size() {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape) + "@" + offset;
        }
    }

    private final List<Tensor> tensors;
    private final Map<String, Tensor> byName;
    private final int size;

    private ParamLayout(List<Tensor> tensors) {
        this.tensors = Collections.unmodifiableList(tensors);
        this.byName = new LinkedHashMap<>();
        int end = 0;
        for (Tensor t : tensors) {
            byName.put(t.name(), t);
            end = t.offset() + t.size();
        }
        this.size = end;
    }

    /** The layout of a model's parameters, in the order the names are listed in {@link #names}. */
    public static ParamLayout of(ModelConfig cfg) {
        int V = cfg.requireVocab();
        int Vout = cfg.resolvedOutputVocab();
        int T = cfg.contextLength();
        int C = cfg.dModel();
        int M = cfg.dMlp();
        Builder b = new Builder();
        if (cfg.llama()) {
            return llama(b, cfg, V, Vout, C, M);
        }
        b.add(ParamNames.WTE, V, C);
        b.add(ParamNames.WPE, T, C);
        for (int l = 0; l < cfg.layers(); l++) {
            if (cfg.layerNorm()) {
                b.add(ParamNames.ln1Weight(l), C);
                b.add(ParamNames.ln1Bias(l), C);
            }
            b.add(ParamNames.qkvWeight(l), 3 * C, C);
            if (cfg.attentionBias()) {
                b.add(ParamNames.qkvBias(l), 3 * C);
            }
            b.add(ParamNames.attnProjWeight(l), C, C);
            if (cfg.attentionBias()) {
                b.add(ParamNames.attnProjBias(l), C);
            }
            if (cfg.layerNorm()) {
                b.add(ParamNames.ln2Weight(l), C);
                b.add(ParamNames.ln2Bias(l), C);
            }
            b.add(ParamNames.mlpFcWeight(l), M, C);
            if (cfg.mlpBias()) {
                b.add(ParamNames.mlpFcBias(l), M);
            }
            b.add(ParamNames.mlpProjWeight(l), C, M);
            if (cfg.mlpBias()) {
                b.add(ParamNames.mlpProjBias(l), C);
            }
        }
        if (cfg.layerNorm()) {
            b.add(ParamNames.LNF_WEIGHT, C);
            b.add(ParamNames.LNF_BIAS, C);
        }
        b.add(ParamNames.UNEMBED_WEIGHT, Vout, C);
        if (cfg.unembedBias()) {
            b.add(ParamNames.UNEMBED_BIAS, Vout);
        }
        return new ParamLayout(b.tensors);
    }

    /**
     * Llama style: no position embedding, RMSNorm gains only, the SwiGLU gate and up projections fused
     * into one (2M,C) matrix (gate rows first), no biases, an untied unembedding.
     */
    private static ParamLayout llama(Builder b, ModelConfig cfg, int V, int Vout, int C, int M) {
        b.add(ParamNames.WTE, V, C);
        for (int l = 0; l < cfg.layers(); l++) {
            b.add(ParamNames.ln1Weight(l), C);
            b.add(ParamNames.qkvWeight(l), 3 * C, C);
            b.add(ParamNames.attnProjWeight(l), C, C);
            b.add(ParamNames.ln2Weight(l), C);
            b.add(ParamNames.mlpFcWeight(l), 2 * M, C);
            b.add(ParamNames.mlpProjWeight(l), C, M);
        }
        b.add(ParamNames.LNF_WEIGHT, C);
        b.add(ParamNames.UNEMBED_WEIGHT, Vout, C);
        return new ParamLayout(b.tensors);
    }

    public List<Tensor> tensors() {
        return tensors;
    }

    /** The tensor called name, or an exception that lists the names there are. */
    public Tensor get(String name) {
        Tensor t = byName.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'; have " + byName.keySet());
        }
        return t;
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /** Total number of parameters (floats in the flat buffer). */
    public int size() {
        return size;
    }

    public List<String> names() {
        List<String> names = new ArrayList<>();
        tensors.forEach(t -> names.add(t.name()));
        return names;
    }

    private static final class Builder {
        private final List<Tensor> tensors = new ArrayList<>();
        private long offset;

        void add(String name, int... shape) {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            if (offset + n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("model too large for one flat buffer at " + name
                        + " (" + (offset + n) + " parameters; at most " + (Integer.MAX_VALUE - 8) + ")");
            }
            tensors.add(new Tensor(name, (int) offset, shape));
            offset += n;
        }
    }
}
