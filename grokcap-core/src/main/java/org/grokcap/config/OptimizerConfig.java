package org.grokcap.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.grokcap.config.Check;

import java.util.List;

/**
 * AdamW and its schedule. Null components take the defaults of the reference grokking setup.
 *
 * @param lr           peak learning rate; default 1e-3
 * @param beta1        default 0.9
 * @param beta2        default 0.98
 * @param eps          default 1e-8
 * @param weightDecay  decoupled weight decay; default 1.0
 * @param noDecay      glob patterns of parameter names exempt from decay (e.g. "*.bias", "*ln*"); default none
 * @param warmupSteps  linear warm-up: step s (0-based) uses lr·min(1, (s+1)/warmupSteps); default 0 (none)
 * @param gradClip     clip the global gradient norm to this value; default 0 (off)
 * @param orthogonalGradient ⊥Grad: per parameter tensor, remove the gradient's component along the
 *                     weights, g⊥ = g − (w·g / (w·w + ε)) w, and rescale g⊥ to ‖g‖, before AdamW;
 *                     default false
 * @param orthogonalEps the ε of ⊥Grad (in w·w + ε and in the rescaling's denominator); default 1e-30
 * @param decay        the learning rate's decay after warm-up: "none" (default: constant), "cosine" or
 *                     "linear", from lr at the end of warm-up down to lr·minLrFactor at decaySteps, constant after
 * @param decaySteps   the step at which the decay reaches its floor; default: the run's train.steps
 * @param minLrFactor  the floor as a fraction of lr, in [0, 1]; default 0.1
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OptimizerConfig(Double lr, Double beta1, Double beta2, Double eps, Double weightDecay,
                              List<String> noDecay, Integer warmupSteps, Double gradClip,
                              Boolean orthogonalGradient, Double orthogonalEps, String decay, Integer decaySteps,
                              Double minLrFactor) {
    public OptimizerConfig {
        lr = Check.openInterval("lr", lr == null ? 1e-3 : lr, 0.0, 10.0);
        beta1 = Check.halfOpen("beta1", beta1 == null ? 0.9 : beta1, 0.0, 1.0);
        beta2 = Check.halfOpen("beta2", beta2 == null ? 0.98 : beta2, 0.0, 1.0);
        eps = Check.openInterval("eps", eps == null ? 1e-8 : eps, 0.0, 1.0);
        weightDecay = Check.finiteAtLeast("weightDecay", weightDecay == null ? 1.0 : weightDecay, 0.0);
        if (weightDecay * lr >= 1.0) {
            throw new org.grokcap.config.ConfigException("weightDecay", weightDecay,
                    "lr·weightDecay must be < 1 (it is " + weightDecay * lr + "), else decay flips the weights' sign");
        }
        noDecay = noDecay == null ? List.of() : List.copyOf(noDecay);
        warmupSteps = Check.atLeast("warmupSteps", warmupSteps == null ? 0 : warmupSteps, 0);
        gradClip = Check.finiteAtLeast("gradClip", gradClip == null ? 0.0 : gradClip, 0.0);
        orthogonalGradient = orthogonalGradient != null && orthogonalGradient;
        orthogonalEps = Check.openInterval("orthogonalEps", orthogonalEps == null ? 1e-30 : orthogonalEps, 0.0, 1.0);
        decay = Check.oneOf("decay", decay == null ? "none" : decay, DECAYS);
        if (decaySteps != null) {
            Check.atLeast("decaySteps", decaySteps, warmupSteps + 1);
        }
        minLrFactor = Check.closedInterval("minLrFactor", minLrFactor == null ? 0.1 : minLrFactor, 0.0, 1.0);
    }

    /** The decay schedules after warm-up. */
    public static final List<String> DECAYS = List.of("none", "cosine", "linear");

    /** The defaults: the reference grokking setup. */
    public static OptimizerConfig defaults() {
        return new OptimizerConfig(null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * Settings that are valid but probably not meant, one line each (the train command prints them as
     * warnings): ⊥Grad with weight decay, which Prieto et al. use without (⊥Grad already stops the
     * weights' growth along themselves; decay on top shrinks them as well).
     */
    public List<String> warnings() {
        if (orthogonalGradient && weightDecay > 0) {
            return List.of("train.optimizer.orthogonalGradient is combined with weightDecay " + weightDecay
                    + " > 0; ⊥Grad is usually run with weightDecay 0");
        }
        return List.of();
    }

    /**
     * The learning rate of update number step (0-based) in a run of runSteps updates: linear warm-up,
     * then the decay, which ends at decaySteps (default runSteps) and stays at its floor after.
     */
    public double lrAt(long step, long runSteps) {
        double warm = warmupSteps == 0 ? 1.0 : Math.min(1.0, (step + 1.0) / warmupSteps);
        if (decay.equals("none") || step < warmupSteps) {
            return lr * warm;
        }
        long end = decaySteps != null ? decaySteps : runSteps;
        double progress = end <= warmupSteps ? 1.0 : Math.min(1.0, (double) (step - warmupSteps) / (end - warmupSteps));
        double shape = decay.equals("cosine") ? 0.5 * (1.0 + Math.cos(Math.PI * progress)) : 1.0 - progress;
        return lr * warm * (minLrFactor + (1.0 - minLrFactor) * shape);
    }

    /** The learning rate of update number step when the schedule does not decay (no run length needed). */
    public double lrAt(long step) {
        if (!decay.equals("none") && decaySteps == null) {
            throw new IllegalStateException("a decay without decaySteps needs the run's length: use lrAt(step, runSteps)");
        }
        return lrAt(step, decaySteps == null ? 0 : decaySteps);
    }
}
