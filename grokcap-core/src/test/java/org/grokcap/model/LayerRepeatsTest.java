package org.grokcap.model;

import org.grokcap.kernels.Activation;

import org.grokcap.backend.Device;
import org.grokcap.backend.ReferenceDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parameter sharing: a stack of L layers run twice computes what a 2L-layer model with each layer's
 * weights copied into layer l + L computes, and its gradient is the sum of that model's two copies'
 * gradients; a few finite differences of the loss confirm the accumulation directly.
 */
class LayerRepeatsTest {
    static final int V = 7;
    static final int T = 4;
    static final int B = 3;

    private static ModelConfig cfg(int layers, int repeats) {
        return cfg(layers, repeats, false);
    }

    private static ModelConfig cfg(int layers, int repeats, boolean llama) {
        return llama
                ? new ModelConfig(V, V, T, layers, 8, 2, 16, null, null, null, null, null, null,
                        InitScheme.GPT2, repeats, Architecture.LLAMA, null, null)
                : new ModelConfig(V, V, T, layers, 8, 2, 16, Activation.GELU, true, true, true, true, null,
                        InitScheme.GPT2, repeats, null, null, null);
    }

    private static final int[] TOKENS = new int[B * T];
    private static final int[] TARGETS = new int[B * T];

    static {
        Random r = new Random(3);
        for (int i = 0; i < TOKENS.length; i++) {
            TOKENS[i] = r.nextInt(V);
            TARGETS[i] = i % T >= 2 ? r.nextInt(V) : -1;
        }
    }

    private static double loss(Transformer m) {
        m.setBatch(TOKENS, TARGETS, 0, B);
        m.forward();
        return m.lossSum() / m.targetCount();
    }

    @ParameterizedTest(name = "llama = {0}")
    @ValueSource(booleans = {false, true})
    void sharedStackEqualsCopiedLayersAndSumsTheirGradients(boolean llama) {
        Device dev = new ReferenceDevice();
        Transformer shared = new Transformer(dev, cfg(2, 2, llama), B);
        Transformer unrolled = new Transformer(dev, cfg(4, 1, llama), B);
        assertEquals(4, shared.depth());
        Random r = new Random(11);
        float[] p = shared.params().host();
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (0.3 * r.nextGaussian());
        }
        // copy: layer l of the shared model into layers l and l + 2 of the unrolled one, the rest by name
        for (ParamLayout.Tensor t : unrolled.layout().tensors()) {
            String name = t.name();
            if (name.startsWith("layers.")) {
                int l = Integer.parseInt(name.split("\\.")[1]);
                name = name.replaceFirst("layers\\.\\d+\\.", "layers." + (l % 2) + ".");
            }
            ParamLayout.Tensor s = shared.layout().get(name);
            System.arraycopy(p, s.offset(), unrolled.params().host(), t.offset(), t.size());
        }
        double ls = loss(shared);
        double lu = loss(unrolled);
        assertEquals(lu, ls, 1e-6 * Math.abs(lu), "same function");
        shared.backward();
        unrolled.backward();
        float[] gs = shared.grads().host();
        float[] gu = unrolled.grads().host();
        for (ParamLayout.Tensor s : shared.layout().tensors()) {
            for (int i = 0; i < s.size(); i++) {
                double want;
                if (s.name().startsWith("layers.")) {
                    int l = Integer.parseInt(s.name().split("\\.")[1]);
                    String rest = s.name().substring(("layers." + l + ".").length());
                    want = gu[unrolled.layout().get("layers." + l + "." + rest).offset() + i]
                            + gu[unrolled.layout().get("layers." + (l + 2) + "." + rest).offset() + i];
                } else {
                    want = gu[unrolled.layout().get(s.name()).offset() + i];
                }
                double got = gs[s.offset() + i];
                assertTrue(Math.abs(got - want) <= 1e-5 + 1e-4 * Math.abs(want),
                        s.name() + "[" + i + "]: shared " + got + ", sum of copies " + want);
            }
        }
    }

    @Test
    void finiteDifferencesOfTheSharedWeights() {
        Device dev = new ReferenceDevice();
        Transformer m = new Transformer(dev, cfg(1, 2), B);
        Random r = new Random(5);
        float[] p = m.params().host();
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (0.3 * r.nextGaussian());
        }
        loss(m);
        m.backward();
        float[] g = m.grads().host().clone();
        String[] names = {"layers.0.attn.qkv.weight", "layers.0.mlp.fc.weight", "layers.0.ln1.weight",
                "layers.0.mlp.proj.bias"};
        double h = 1e-2;
        int checked = 0;
        for (String name : names) {
            ParamLayout.Tensor t = m.layout().get(name);
            for (int k = 0; k < 3; k++) {
                int i = t.offset() + r.nextInt(t.size());
                float saved = p[i];
                p[i] = (float) (saved + h);
                double up = loss(m);
                p[i] = (float) (saved - h);
                double down = loss(m);
                p[i] = saved;
                double fd = (up - down) / (2 * h);
                assertTrue(Math.abs(fd - g[i]) <= 2e-3 + 2e-2 * Math.abs(fd),
                        name + " element " + (i - t.offset()) + ": backward " + g[i] + ", finite difference " + fd);
                checked++;
            }
        }
        assertEquals(12, checked);
    }
}
