package org.grokcap.model;

/**
 * The names of the parameter tensors, spelled in one place. They are what {@link ParamLayout} lays out,
 * what checkpoints and exports call the tensors, and what the analyses look up; a per-layer name is
 * {@code layers.<l>.<part>}.
 */
public final class ParamNames {
    private ParamNames() {}

    /** Token embedding, (V, C). */
    public static final String WTE = "wte";
    /** Position embedding, (T, C); GPT style only. */
    public static final String WPE = "wpe";
    /** Final norm gain, (C). */
    public static final String LNF_WEIGHT = "lnf.weight";
    /** Final norm bias, (C); LayerNorm only. */
    public static final String LNF_BIAS = "lnf.bias";
    /** Unembedding, (Vout, C). */
    public static final String UNEMBED_WEIGHT = "unembed.weight";
    /** Unembedding bias, (Vout). */
    public static final String UNEMBED_BIAS = "unembed.bias";

    /** The prefix every name of layer l starts with, {@code layers.<l>.}. */
    public static String layer(int l) {
        return "layers." + l + ".";
    }

    public static String ln1Weight(int l) {
        return layer(l) + "ln1.weight";
    }

    public static String ln1Bias(int l) {
        return layer(l) + "ln1.bias";
    }

    public static String qkvWeight(int l) {
        return layer(l) + "attn.qkv.weight";
    }

    public static String qkvBias(int l) {
        return layer(l) + "attn.qkv.bias";
    }

    public static String attnProjWeight(int l) {
        return layer(l) + "attn.proj.weight";
    }

    public static String attnProjBias(int l) {
        return layer(l) + "attn.proj.bias";
    }

    public static String ln2Weight(int l) {
        return layer(l) + "ln2.weight";
    }

    public static String ln2Bias(int l) {
        return layer(l) + "ln2.bias";
    }

    public static String mlpFcWeight(int l) {
        return layer(l) + "mlp.fc.weight";
    }

    public static String mlpFcBias(int l) {
        return layer(l) + "mlp.fc.bias";
    }

    public static String mlpProjWeight(int l) {
        return layer(l) + "mlp.proj.weight";
    }

    public static String mlpProjBias(int l) {
        return layer(l) + "mlp.proj.bias";
    }

    /** Whether name is a bias (initialized to zero). */
    public static boolean isBias(String name) {
        return name.endsWith(".bias");
    }

    /** Whether name belongs to a norm (ln1, ln2, lnf; a gain is initialized to one). */
    public static boolean isNorm(String name) {
        return name.startsWith("ln") || name.contains(".ln");
    }

    /** Whether name is a projection back into the residual stream (GPT-2 scales its initial std). */
    public static boolean isResidualProjection(String name) {
        return name.endsWith("attn.proj.weight") || name.endsWith("mlp.proj.weight");
    }

    /**
     * The group a tensor is reported in (metrics.jsonl's per-group weight norms and gradient cosines):
     * {@code layer<l>} for every tensor of layer l, {@code unembed} for the unembedding (and its bias),
     * {@code final_norm} for the final norm, {@code embed} for the embeddings.
     */
    public static String group(String name) {
        if (name.startsWith("layers.")) {
            int dot = name.indexOf('.', "layers.".length());
            return "layer" + name.substring("layers.".length(), dot);
        }
        if (name.startsWith("unembed.")) {
            return "unembed";
        }
        if (name.startsWith("lnf.")) {
            return "final_norm";
        }
        return "embed";
    }
}
