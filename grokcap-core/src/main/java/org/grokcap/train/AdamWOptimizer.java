package org.grokcap.train;

import org.grokcap.config.GradFilterConfig;
import org.grokcap.config.OptimizerConfig;

import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.backend.LossTotals;
import org.grokcap.model.ParamLayout;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW over a model's flat parameter buffer: moments share the parameters' layout, tensors that
 * match a no-decay pattern are updated with weight decay 0, and the global gradient norm is clipped
 * first when asked.
 *
 * <p>One update transforms the gradient in this order: the raw gradient goes through the Grokfast
 * filter (whose state must see raw gradients, as in its reference code), then ⊥Grad (it orthogonalises
 * the gradient the optimizer would otherwise use), then global-norm clipping (last, so the clip bounds
 * what AdamW actually receives), then AdamW.
 */
public final class AdamWOptimizer {
    private final Device dev;
    private final OptimizerConfig cfg;
    private final Buf params;
    private final Buf grads;
    private final Buf m;
    private final Buf v;
    private final List<Group> groups = new ArrayList<>();
    /** ⊥Grad: each tensor's weights and gradient, in layout order; empty when off. */
    private final List<Buf[]> tensors = new ArrayList<>();
    /** Grokfast's filter, or null. */
    private final GradFilter filter;
    private final double lrScale;
    /** The run's length in updates, for a decay that ends with the run. */
    private final long runSteps;
    private int step;

    /** A run of adjacent tensors with the same decay: one kernel call each. */
    private record Group(Buf p, Buf g, Buf m, Buf v, boolean decay) {}

    public AdamWOptimizer(Device dev, OptimizerConfig cfg, ParamLayout layout, Buf params, Buf grads) {
        this(dev, cfg, null, layout, params, grads);
    }

    /** With a Grokfast gradient filter (null: none). */
    public AdamWOptimizer(Device dev, OptimizerConfig cfg, GradFilterConfig gradFilter, ParamLayout layout, Buf params,
                          Buf grads) {
        this(dev, cfg, gradFilter, layout, params, grads, cfg.decaySteps() == null ? 0 : cfg.decaySteps());
    }

    /**
     * With a Grokfast gradient filter (null: none), in a run of runSteps updates (where a learning-rate
     * decay without its own decaySteps ends).
     */
    public AdamWOptimizer(Device dev, OptimizerConfig cfg, GradFilterConfig gradFilter, ParamLayout layout, Buf params,
                          Buf grads, long runSteps) {
        if (!cfg.decay().equals("none") && cfg.decaySteps() == null && runSteps <= 0) {
            throw new IllegalArgumentException("a learning-rate decay without decaySteps needs the run's length");
        }
        this.runSteps = runSteps;
        this.dev = dev;
        this.cfg = cfg;
        this.params = params;
        this.grads = grads;
        this.m = dev.floats("adam.m", layout.size());
        this.v = dev.floats("adam.v", layout.size());
        List<PathMatcher> exempt = new ArrayList<>();
        for (String glob : cfg.noDecay()) {
            exempt.add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
        }
        int start = 0;
        Boolean runDecay = null;
        for (ParamLayout.Tensor t : layout.tensors()) {
            boolean decay = exempt.stream().noneMatch(pm -> pm.matches(Path.of(t.name())));
            if (runDecay != null && decay != runDecay) {
                addGroup(start, t.offset() - start, runDecay);
                start = t.offset();
            }
            runDecay = decay;
        }
        if (runDecay != null) {
            addGroup(start, layout.size() - start, runDecay);
        }
        if (cfg.orthogonalGradient()) {
            for (ParamLayout.Tensor t : layout.tensors()) {
                tensors.add(new Buf[]{params.slice(t.name(), t.offset(), t.size()),
                        grads.slice("d" + t.name(), t.offset(), t.size())});
            }
        }
        this.filter = gradFilter == null ? null : new GradFilter(dev, gradFilter, layout.size());
        this.lrScale = gradFilter == null ? 1.0 : gradFilter.lrScale();
    }

    private void addGroup(int off, int len, boolean decay) {
        groups.add(new Group(params.slice("p", off, len), grads.slice("g", off, len),
                m.slice("m", off, len), v.slice("v", off, len), decay));
    }

    /** The learning rate of update number update (0-based), Grokfast's normalisation included. */
    public double lrOfUpdate(long update) {
        return cfg.lrAt(update, runSteps) * lrScale;
    }

    /** Whether the tensor at this offset is decayed (for tests and provenance). */
    public boolean decays(int offset) {
        for (Group g : groups) {
            if (offset >= g.p().offset() && offset < g.p().offset() + g.p().size()) {
                return g.decay();
            }
        }
        throw new IllegalArgumentException("offset " + offset + " outside the parameters");
    }

    /** Applies one update from the current gradients (filter, ⊥Grad, clip, AdamW: see the class comment). */
    public void step() {
        step(null);
    }

    /**
     * {@link #step()}, with AdamW skipped when guard's loss sum (this step's training loss) is not finite,
     * so that the caller may read the loss after the update and still find the parameters it had. A
     * recording device runs the filter, ⊥Grad, the clip and the update without a round trip to the
     * host. guard null: no check.
     */
    public void step(LossTotals guard) {
        if (filter != null) {
            filter.apply(grads);
        }
        for (int i = 0; i < tensors.size(); i++) { // indexed: nothing allocated per step
            dev.orthogonalize(tensors.get(i)[0], tensors.get(i)[1], cfg.orthogonalEps()); // ⊥Grad
        }
        if (cfg.gradClip() > 0) {
            dev.clipByGlobalNorm(grads, cfg.gradClip());
        }
        float lr = (float) lrOfUpdate(step);
        step++;
        for (int i = 0; i < groups.size(); i++) { // indexed: no iterator, nothing allocated per step
            Group g = groups.get(i);
            float decay = g.decay() ? cfg.weightDecay().floatValue() : 0f;
            if (guard == null) {
                dev.adamW(g.p(), g.g(), g.m(), g.v(), lr, cfg.beta1().floatValue(), cfg.beta2().floatValue(),
                        cfg.eps().floatValue(), decay, step);
            } else {
                dev.adamW(g.p(), g.g(), g.m(), g.v(), lr, cfg.beta1().floatValue(), cfg.beta2().floatValue(),
                        cfg.eps().floatValue(), decay, step, guard);
            }
        }
    }

    /** The Grokfast filter, or null when the run has none (for checkpoints). */
    public GradFilter filter() {
        return filter;
    }

    /** Updates applied so far. */
    public int stepCount() {
        return step;
    }

    /** The first moment, same layout as the parameters. */
    public Buf m() {
        return m;
    }

    /** The second moment, same layout as the parameters. */
    public Buf v() {
        return v;
    }

    /** Continues from a checkpoint: the next update is number updates + 1 (warm-up and bias correction). */
    public void restoreStepCount(int updates) {
        if (updates < 0) {
            throw new IllegalArgumentException("negative update count " + updates);
        }
        this.step = updates;
    }
}
