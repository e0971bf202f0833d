package org.grokcap.config;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A Grokfast low-pass filter on the gradients: the slow part of the gradient, amplified by λ, is
 * added to the gradient before the optimizer sees it, ĝ = g + λ·slow(g).
 * <ul>
 *   <li>{@code {type: ema, alpha, lambda}}: slow = μ, μ ← α·μ + (1−α)·g (μ starts at the first g);
 *       defaults α 0.98, λ 2.0.</li>
 *   <li>{@code {type: ma, window, lambda}}: slow = the mean of the last {@code window} gradients,
 *       applied once the window is full; defaults window 100, λ 5.0.</li>
 * </ul>
 * Null components take these defaults; a component that the type does not use is refused.
 *
 * @param type        "ema" or "ma" (required)
 * @param alpha       the EMA's momentum, in (0, 1); ema only
 * @param window      the moving average's length in steps, ≥ 1; ma only
 * @param lambda      the amplification of the slow part, ≥ 0
 * @param normalizeLr scale the learning rate by 1/(1+λ), so that the filtered gradient's slow part
 *                    moves the weights about as far as the unfiltered gradient did; default false
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GradFilterConfig(String type, Double alpha, Integer window, Double lambda, Boolean normalizeLr) {
    /** The longest moving-average window: its state is window × parameters floats. */
    public static final int MAX_WINDOW = 10_000;

    public GradFilterConfig {
        type = Check.present("gradFilter.type", type);
        switch (type) {
            case "ema" -> {
                if (window != null) {
                    throw new ConfigException("gradFilter.window", window, "is for type \"ma\"; type \"ema\" takes alpha");
                }
                alpha = alpha == null ? 0.98 : alpha;
                if (!(alpha > 0.0 && alpha < 1.0)) {
                    throw new ConfigException("gradFilter.alpha", alpha, "must be in (0, 1)");
                }
                lambda = Check.finiteAtLeast("gradFilter.lambda", lambda == null ? 2.0 : lambda, 0.0);
            }
            case "ma" -> {
                if (alpha != null) {
                    throw new ConfigException("gradFilter.alpha", alpha, "is for type \"ema\"; type \"ma\" takes window");
                }
                window = Check.between("gradFilter.window", window == null ? 100 : window, 1, MAX_WINDOW);
                lambda = Check.finiteAtLeast("gradFilter.lambda", lambda == null ? 5.0 : lambda, 0.0);
            }
            default -> throw new ConfigException("gradFilter.type", type, "must be \"ema\" or \"ma\"");
        }
        normalizeLr = normalizeLr != null && normalizeLr;
    }

    /** The factor on the learning rate: 1/(1+λ) when normalizeLr, else 1. */
    public double lrScale() {
        return normalizeLr ? 1.0 / (1.0 + lambda) : 1.0;
    }
}
