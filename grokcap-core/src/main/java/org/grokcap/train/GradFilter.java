package org.grokcap.train;

import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.config.GradFilterConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Grokfast's low-pass gradient filters (Lee et al. 2024), as its reference code applies them: the
 * slow part of the gradient, amplified by λ, is added to the raw gradient, ĝ = g + λ·slow(g).
 * <ul>
 *   <li>ema: μ ← α·μ + (1−α)·g, μ starting at the first gradient (so the first update already adds
 *       λ·g); slow = μ.</li>
 *   <li>ma: the last {@code window} raw gradients in a ring buffer; once it is full, slow = their mean
 *       (the current gradient included); before that the gradient passes unchanged.</li>
 * </ul>
 * Everything runs as device calls on parameter-shaped buffers (zero, scale, axpy), so the filter works
 * on every backend and gives the same bits for any thread count. The state (μ, or the ring buffer, its
 * next slot and how many gradients it holds) is what a checkpoint saves.
 */
public final class GradFilter {
    private final Device dev;
    private final GradFilterConfig cfg;
    private final boolean ema;
    /** ema: μ (P). */
    private final Buf mu;
    /** ma: the ring buffer, window slots of P floats, each its own array (a checkpoint stores each as a group). */
    private final Buf[] ring;
    /** ma: the window's sum (P), rebuilt each step from the slots, oldest first. */
    private final Buf sum;
    /** Raw gradients seen so far (ma: capped at the window). */
    private int seen;
    /** ma: the slot the next gradient goes into. */
    private int position;

    public GradFilter(Device dev, GradFilterConfig cfg, int size) {
        this.dev = dev;
        this.cfg = cfg;
        this.ema = cfg.type().equals("ema");
        if (ema) {
            this.mu = dev.floats("gradfilter.mu", size);
            this.ring = new Buf[0];
            this.sum = null;
        } else {
            this.mu = null;
            this.ring = new Buf[cfg.window()];
            for (int k = 0; k < ring.length; k++) {
                ring[k] = dev.floats("gradfilter.ma." + k, size);
            }
            this.sum = dev.floats("gradfilter.sum", size);
        }
    }

    /** Replaces the raw gradient g (P) by the filtered one, ĝ = g + λ·slow(g), and updates the state. */
    public void apply(Buf g) {
        float lambda = cfg.lambda().floatValue();
        if (ema) {
            if (seen == 0) { // μ starts at the first gradient
                dev.zero(mu);
                dev.axpy(mu, 1f, g);
            }
            dev.scale(mu, cfg.alpha().floatValue()); // μ ← α·μ + (1−α)·g
            dev.axpy(mu, (float) (1.0 - cfg.alpha()), g);
            dev.axpy(g, lambda, mu); // ĝ = g + λ·μ
            seen = seen == Integer.MAX_VALUE ? seen : seen + 1;
            return;
        }
        int window = ring.length;
        dev.zero(ring[position]); // the newest raw gradient replaces the oldest
        dev.axpy(ring[position], 1f, g);
        position = (position + 1) % window;
        seen = Math.min(seen + 1, window);
        if (seen < window) {
            return; // warm-up: no average until the window is full
        }
        dev.zero(sum);
        for (int k = 0; k < window; k++) { // oldest first: a fixed order, so fixed bits
            dev.axpy(sum, 1f, ring[(position + k) % window]);
        }
        dev.axpy(g, (float) (cfg.lambda() / window), sum); // ĝ = g + λ·mean
    }

    /** The state buffers by checkpoint prefix, each parameter-shaped and the whole of its array. */
    public Map<String, Buf> state() {
        Map<String, Buf> s = new LinkedHashMap<>();
        if (ema) {
            s.put("gradfilter.ema.", mu);
        } else {
            for (int k = 0; k < ring.length; k++) {
                s.put("gradfilter.ma." + k + ".", ring[k]);
            }
        }
        return s;
    }

    /** Raw gradients seen (ma: capped at the window). */
    public int seen() {
        return seen;
    }

    /** ma: the ring buffer's next slot; ema: 0. */
    public int position() {
        return position;
    }

    /** The largest valid {@link #seen}: ma's window, else unbounded. */
    public int maxSeen() {
        return ema ? Integer.MAX_VALUE : ring.length;
    }

    /** The largest valid {@link #position}: window − 1 for ma, 0 for ema. */
    public int maxPosition() {
        return ema ? 0 : ring.length - 1;
    }

    /** Continues from a checkpoint whose state buffers were loaded; the counters were checked against the max* bounds. */
    public void restoreCounters(int seen, int position) {
        if (seen < 0 || seen > maxSeen() || position < 0 || position > maxPosition()) {
            throw new IllegalArgumentException("filter counters " + seen + ", " + position + " out of range");
        }
        this.seen = seen;
        this.position = position;
    }
}
