package org.grokcap.analysis;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.grokcap.backend.Buf;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.ParamLayout;
import org.grokcap.model.ParamNames;
import org.grokcap.model.Transformer;

import java.util.Arrays;
import java.util.List;

/**
 * Integrated gradients (Sundararajan et al. 2017) of one answer logit with respect to the input token
 * embeddings, one attribution per input position.
 *
 * <p>Baseline: every token embedding zero, position embeddings kept. Path: x(α) = α·e, where e are the
 * positions' token embeddings; the attribution of position t is Σ_c e_tc · ∫₀¹ ∂F/∂x_tc(α) dα, the
 * integral by the trapezoid rule on α = 0, 1/m, ..., 1. Completeness: the attributions sum to
 * F(x) − F(baseline), up to the rule's error (O(1/m²) for a smooth F; ReLU kinks add a little more).
 *
 * <p>The gradients are the model's own backward pass: the m+1 points of the path are one batch of a
 * copy of the model whose vocabulary holds one token per (path point, position), embedded as α·e_t,
 * so that the embedding's gradient row of each such token is ∂F/∂x at that point and position.
 *
 * @param tokens            the input, by name
 * @param answer            the output class whose logit is attributed
 * @param logit             F(x): the answer's logit on the input
 * @param baselineLogit     F(baseline)
 * @param attributions      per position
 * @param sum               Σ attributions
 * @param completenessError |Σ attributions − (F(x) − F(baseline))|
 * @param steps             m, the trapezoid intervals
 * @param baseline          the baseline, in words
 */
@JsonPropertyOrder({"tokens", "answer", "logit", "baselineLogit", "attributions", "sum", "completenessError", "steps",
        "baseline"})
public record IntegratedGradients(List<String> tokens, int answer, double logit, double baselineLogit,
                                  double[] attributions, double sum, double completenessError, int steps,
                                  String baseline) {

    public static final String BASELINE = "token embeddings zero, position embeddings kept";

    /**
     * @param model  the trained model (its parameters are read, not changed)
     * @param tokens T input tokens
     * @param answer the output class whose logit is explained
     * @param steps  m ≥ 1 trapezoid intervals
     */
    public static IntegratedGradients of(Transformer model, int[] tokens, int answer, int steps,
                                         List<String> vocabulary) {
        ModelConfig cfg = model.config();
        int T = cfg.contextLength();
        int C = cfg.dModel();
        int V = cfg.resolvedOutputVocab();
        if (tokens.length != T) {
            throw new IllegalArgumentException("the model reads " + T + " tokens, got " + tokens.length);
        }
        if (answer < 0 || answer >= V) {
            throw new IllegalArgumentException("answer " + answer + " outside the " + V + " output classes");
        }
        if (steps < 1) {
            throw new IllegalArgumentException("integrated gradients need ≥ 1 step, got " + steps);
        }
        int points = steps + 1;
        // The same architecture as the model. With a Llama-style model the zero-embedding baseline sits
        // where RMSNorm is nearly a step function (no position embedding keeps the path away from 0),
        // so completeness can fail there; analyze reports it ("complete": false) rather than hiding it.
        ModelConfig pathCfg = new ModelConfig(points * T, V, T, cfg.layers(), cfg.dModel(), cfg.heads(), cfg.dMlp(),
                cfg.activation(), cfg.layerNorm(), cfg.attentionBias(), cfg.mlpBias(), cfg.unembedBias(),
                cfg.attentionScale(), cfg.init(), cfg.layerRepeats(), cfg.architecture(), null, cfg.headSizeAttentionScale());
        Transformer path = new Transformer(model.device(), pathCfg, points);
        model.device().toHost(model.params());
        float[] src = model.params().host();
        int srcBase = model.params().offset();
        float[] dst = path.params().host();
        int dstBase = path.params().offset();
        ParamLayout from = model.layout();
        ParamLayout to = path.layout();
        for (ParamLayout.Tensor t : from.tensors()) {
            if (!t.name().equals(ParamNames.WTE)) {
                System.arraycopy(src, srcBase + t.offset(), dst, dstBase + to.get(t.name()).offset(), t.size());
            }
        }
        double[][] e = new double[T][]; // (T, C) the input's token embeddings
        int wte = from.get(ParamNames.WTE).offset();
        int pathWte = to.get(ParamNames.WTE).offset();
        for (int t = 0; t < T; t++) {
            e[t] = ModularAnalysis.toDouble(src, srcBase + wte + tokens[t] * C, C);
            for (int j = 0; j < points; j++) {
                float alpha = (float) j / steps;
                int row = dstBase + pathWte + (j * T + t) * C;
                for (int c = 0; c < C; c++) {
                    dst[row + c] = alpha * (float) e[t][c];
                }
            }
        }
        model.device().toDevice(path.params());

        int[] pathTokens = new int[points * T];
        int[] targets = new int[points * T];
        Arrays.fill(targets, -1);
        for (int i = 0; i < pathTokens.length; i++) {
            pathTokens[i] = i;
        }
        for (int j = 0; j < points; j++) {
            targets[j * T + T - 1] = answer;
        }
        path.setBatch(pathTokens, targets, 0, points);
        path.forward();
        Buf logits = path.logits(); // (points, V)
        double baseline = logits.host()[logits.offset() + answer];
        double full = logits.host()[logits.offset() + steps * V + answer];
        float[] seed = new float[points * V];
        for (int j = 0; j < points; j++) {
            seed[j * V + answer] = 1f;
        }
        path.backward(seed);
        model.device().toHost(path.grads());
        float[] g = path.grads().host();
        int gBase = path.grads().offset() + pathWte;
        double[] attributions = new double[T];
        for (int t = 0; t < T; t++) {
            for (int j = 0; j < points; j++) {
                double w = (j == 0 || j == steps) ? 0.5 / steps : 1.0 / steps;
                int row = gBase + (j * T + t) * C;
                double dot = 0;
                for (int c = 0; c < C; c++) {
                    dot += e[t][c] * g[row + c];
                }
                attributions[t] += w * dot;
            }
        }
        double sum = Arrays.stream(attributions).sum();
        List<String> names = Arrays.stream(tokens).mapToObj(vocabulary::get).toList();
        return new IntegratedGradients(names, answer, full, baseline, attributions, sum,
                Math.abs(sum - (full - baseline)), steps, BASELINE);
    }

    /** Whether the attributions add up to F(x) − F(baseline) within relTol of its size (at least absTol). */
    public boolean complete(double relTol, double absTol) {
        return completenessError <= Math.max(absTol, relTol * Math.abs(logit - baselineLogit));
    }
}
