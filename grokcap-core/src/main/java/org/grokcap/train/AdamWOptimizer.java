package org.grokcap.train;

import org.grokcap.config.OptimizerConfig;

import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
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
 */
public final class AdamWOptimizer {
    private final Device dev;
    private final OptimizerConfig cfg;
    private final Buf params;
    private final Buf grads;
    private final Buf m;
    private final Buf v;
    private final List<Group> groups = new ArrayList<>();
    private int step;

    /** A run of adjacent tensors with the same decay: one kernel call each. */
    private record Group(Buf p, Buf g, Buf m, Buf v, boolean decay) {}

    public AdamWOptimizer(Device dev, OptimizerConfig cfg, ParamLayout layout, Buf params, Buf grads) {
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
    }

    private void addGroup(int off, int len, boolean decay) {
        groups.add(new Group(params.slice("p", off, len), grads.slice("g", off, len),
                m.slice("m", off, len), v.slice("v", off, len), decay));
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

    /**
     * Applies one update from the current gradients and returns the gradient norm before clipping.
     */
    public double step() {
        double norm = Math.sqrt(dev.sumOfSquares(grads));
        if (cfg.gradClip() > 0 && norm > cfg.gradClip()) {
            dev.scale(grads, (float) (cfg.gradClip() / (norm + 1e-6)));
        }
        float lr = (float) cfg.lrAt(step);
        step++;
        for (int i = 0; i < groups.size(); i++) { // indexed: no iterator, nothing allocated per step
            Group g = groups.get(i);
            dev.adamW(g.p(), g.g(), g.m(), g.v(), lr, cfg.beta1().floatValue(), cfg.beta2().floatValue(),
                    cfg.eps().floatValue(), g.decay() ? cfg.weightDecay().floatValue() : 0f, step);
        }
        return norm;
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
