package org.grokcap.model;

import org.grokcap.kernels.Activation;

import com.fasterxml.jackson.databind.ObjectMapper;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.grokcap.backend.Device;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.backend.cpu.CpuDevice;
import org.grokcap.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Llama-style model: CPU backend against the reference, determinism, sizing from a parameter count, validation. */
class LlamaModelTest {

    private static ModelConfig llama(int V, int T, int layers, int C, int H, int M, boolean headSizeScale) {
        return new ModelConfig(V, V, T, layers, C, H, M, null, null, null, null, null, null, null, null,
                Architecture.LLAMA, null, headSizeScale);
    }

    /** Loss and gradients of one forward/backward on dev with the given parameters. */
    private static float[] step(Device dev, ModelConfig cfg, float[] params, int[] tokens, int[] targets, int B,
                                double[] loss) {
        Transformer m = new Transformer(dev, cfg, B);
        System.arraycopy(params, 0, m.params().host(), 0, params.length);
        m.setBatch(tokens, targets, 0, B);
        m.forward();
        m.backward();
        loss[0] = m.lossSum();
        float[] g = m.grads().host().clone();
        dev.close();
        return g;
    }

    @Property(tries = 25)
    void cpuMatchesReference(@ForAll @IntRange(min = 1, max = 3) int layers, @ForAll @IntRange(min = 1, max = 3) int H,
                             @ForAll @IntRange(min = 2, max = 9) int V, @ForAll @IntRange(min = 1, max = 6) int T,
                             @ForAll @IntRange(min = 1, max = 5) int B, @ForAll boolean headSizeScale, @ForAll long seed) {
        Random r = new Random(seed);
        ModelConfig cfg = llama(V, T, layers, 4 * H, H, 12, headSizeScale);
        int[] tokens = new int[B * T];
        int[] targets = new int[B * T];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(V);
            targets[i] = r.nextInt(3) == 0 ? -1 : r.nextInt(V);
        }
        targets[T - 1] = 0;
        float[] params = new float[ParamLayout.of(cfg).size()];
        for (int i = 0; i < params.length; i++) {
            params[i] = (float) (0.5 * r.nextGaussian());
        }
        double[] refLoss = new double[1];
        double[] cpuLoss = new double[1];
        double[] cpuLoss2 = new double[1];
        float[] ref = step(new ReferenceDevice(), cfg, params, tokens, targets, B, refLoss);
        float[] cpu = step(new CpuDevice(2), cfg, params, tokens, targets, B, cpuLoss);
        float[] cpu2 = step(new CpuDevice(2), cfg, params, tokens, targets, B, cpuLoss2);
        assertEquals(refLoss[0], cpuLoss[0], 1e-4 * (1 + Math.abs(refLoss[0])), "loss");
        for (int i = 0; i < ref.length; i++) {
            assertTrue(Math.abs(ref[i] - cpu[i]) <= 1e-4f * (1 + Math.abs(ref[i])),
                    "grad[" + i + "]: reference " + ref[i] + " cpu " + cpu[i]);
        }
        assertEquals(cpuLoss[0], cpuLoss2[0], 0.0, "cpu loss is deterministic");
        assertArrayEquals(cpu, cpu2, "cpu gradients are deterministic");
    }

    @Test
    void sizedFromTargetParamsReportsTheRealCount() {
        ModelConfig unresolved = new ModelConfig(null, null, null, 2, null, null, null, null, null, null, null, null,
                null, null, null, Architecture.LLAMA, 200_000L, null);
        ModelConfig cfg = unresolved.withData(300, 300, 64);
        int h = cfg.dModel();
        assertEquals(0, h % 16, "width a multiple of 16");
        assertEquals(h / 16, cfg.heads());
        assertEquals(4 * h, cfg.dMlp());
        long real = ParamLayout.of(cfg).size();
        assertEquals(ModelConfig.llamaParams(h, 2, 300, 300), real, "the formula counts the layout's parameters");
        assertTrue(real <= 200_000, "at most the target: " + real);
        assertTrue(ModelConfig.llamaParams(h + 16, 2, 300, 300) > 200_000, "the next width would exceed it");
        // With a target below the smallest model, the smallest (h = 16) is used.
        assertEquals(16, ModelConfig.llamaWidth(10, 1, 300, 300));
    }

    @Test
    void resolvedConfigSurvivesJson() throws Exception {
        ModelConfig cfg = new ModelConfig(null, null, null, 1, null, null, null, null, null, null, null, null,
                null, null, null, Architecture.LLAMA, 50_000L, true).withData(100, 100, 16);
        ObjectMapper json = new ObjectMapper();
        ModelConfig back = json.readValue(json.writeValueAsString(cfg), ModelConfig.class);
        assertEquals(cfg, back);
        assertEquals(1f / cfg.headSize(), back.resolvedAttentionScale(), "1/d_head scale");
    }

    @Test
    void gptOnlySettingsAreRejected() {
        ConfigException e = assertThrows(ConfigException.class, () -> new ModelConfig(10, 10, 4, 1, 8, 2, 16,
                Activation.GELU, null, null, null, null, null, null, null, Architecture.LLAMA, null, null));
        assertTrue(e.getMessage().contains("activation"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> new ModelConfig(10, 10, 4, 1, 8, 2, 16,
                null, null, null, true, null, null, null, null, Architecture.LLAMA, null, null));
        assertTrue(e.getMessage().contains("mlpBias"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> new ModelConfig(10, 10, 4, 1, 12, 4, 16,
                null, null, null, null, null, null, null, null, Architecture.LLAMA, null, null));
        assertTrue(e.getMessage().contains("even head size"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> new ModelConfig(null, null, null, 1, 64, null, null,
                null, null, null, null, null, null, null, null, Architecture.LLAMA, 1000L, null));
        assertTrue(e.getMessage().contains("dModel"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> new ModelConfig(null, null, null, 1, null, null, null,
                null, null, null, null, null, null, null, null, null, 1000L, null));
        assertTrue(e.getMessage().contains("targetParams"), e.getMessage());
    }

    /** The probes' trick: the last block's output at chosen positions, read by giving them (dummy) targets. */
    @Test
    void residualStreamAtTargetsIsTheSameAsWithEveryPositionATarget() {
        int V = 9, T = 6, B = 3, L = 2, C = 8;
        ModelConfig cfg = llama(V, T, L, C, 2, 16, false);
        Random r = new Random(5);
        int[] tokens = new int[B * T];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(V);
        }
        int[] some = new int[B * T];
        int[] all = new int[B * T];
        Arrays.fill(some, -1);
        for (int b = 0; b < B; b++) {
            some[b * T + 1] = 0;
            some[b * T + 4] = 0;
        }
        float[] params = new float[ParamLayout.of(cfg).size()];
        for (int i = 0; i < params.length; i++) {
            params[i] = (float) (0.5 * r.nextGaussian());
        }
        Transformer a = new Transformer(new ReferenceDevice(), cfg, B);
        Transformer e = new Transformer(new ReferenceDevice(), cfg, B);
        System.arraycopy(params, 0, a.params().host(), 0, params.length);
        System.arraycopy(params, 0, e.params().host(), 0, params.length);
        a.setBatch(tokens, some, 0, B);
        a.forward();
        e.setBatch(tokens, all, 0, B);
        e.forward();
        for (int d = 0; d <= L; d++) {
            float[] ra = a.residual(d).host();
            int oa = a.residual(d).offset();
            float[] re = e.residual(d).host();
            int oe = e.residual(d).offset();
            for (int b = 0; b < B; b++) {
                for (int k = 0; k < 2; k++) {
                    int pos = k == 0 ? 1 : 4;
                    int rowA = d < L ? b * T + pos : 2 * b + k;
                    int rowE = b * T + pos;
                    for (int c = 0; c < C; c++) {
                        assertEquals(re[oe + rowE * C + c], ra[oa + rowA * C + c], 0f,
                                "depth " + d + " sequence " + b + " position " + pos + " channel " + c);
                    }
                }
            }
        }
    }

    @Test
    void llamaLayoutHasNoPositionEmbeddingAndNoBiases() {
        ParamLayout layout = ParamLayout.of(llama(10, 4, 1, 8, 2, 20, false));
        assertTrue(layout.names().stream().noneMatch(n -> n.endsWith(".bias") || n.equals("wpe")), layout.names().toString());
        assertEquals("[40, 8]", Arrays.toString(layout.get("layers.0.mlp.fc.weight").shape()), "gate | up fused");
    }
}
