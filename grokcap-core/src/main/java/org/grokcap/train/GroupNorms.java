package org.grokcap.train;

import org.grokcap.model.ParamLayout;
import org.grokcap.model.ParamNames;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What to watch while a model groks, per tensor group ({@link ParamNames#group}: embed, layer0…,
 * final_norm, unembed): the L2 norm of the group's weights, {@code weight_norm.<group>}, and the
 * cosine between the group's gradient and its weights, {@code grad_cos.<group>} (both flattened over
 * the group's tensors). Weight decay shrinks the norms while a model generalises; a cosine near −1
 * means the gradient mostly scales the weights (the logit growth ⊥Grad removes). Host arithmetic in
 * double, on host copies, at evaluation steps only.
 */
public final class GroupNorms {
    public static final String WEIGHT_NORM = "weight_norm.";
    public static final String GRAD_COSINE = "grad_cos.";

    private GroupNorms() {}

    /**
     * Adds the weight norms (and with grads non-null the gradient cosines) of the parameter-shaped
     * host arrays to row, groups in layout order. A group with zero weights or gradient has cosine 0.
     */
    public static void addTo(Map<String, Double> row, ParamLayout layout, float[] params, int pOff, float[] grads,
                             int gOff) {
        Map<String, double[]> sums = new LinkedHashMap<>(); // group → {w·w, g·g, w·g}
        for (ParamLayout.Tensor t : layout.tensors()) {
            double[] s = sums.computeIfAbsent(ParamNames.group(t.name()), k -> new double[3]);
            for (int i = 0; i < t.size(); i++) {
                double w = params[pOff + t.offset() + i];
                s[0] += w * w;
                if (grads != null) {
                    double g = grads[gOff + t.offset() + i];
                    s[1] += g * g;
                    s[2] += w * g;
                }
            }
        }
        sums.forEach((group, s) -> row.put(WEIGHT_NORM + group, Math.sqrt(s[0])));
        if (grads != null) {
            sums.forEach((group, s) -> {
                double denominator = Math.sqrt(s[0] * s[1]);
                row.put(GRAD_COSINE + group, denominator > 0 ? s[2] / denominator : 0.0);
            });
        }
    }
}
