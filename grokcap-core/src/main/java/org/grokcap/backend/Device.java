package org.grokcap.backend;

import org.grokcap.kernels.Activation;
import org.grokcap.kernels.CrossEntropy;

import java.util.List;
import java.util.function.Consumer;

/**
 * The small device API a model's step is written against: buffer handles plus one method per kernel.
 *
 * <p>A CPU device runs each call at once. A GPU device may record the sequence of calls made during
 * the first step and replay it afterwards ("trace once, replay": see docs/inside.md); that is why the model
 * makes the same calls, on the same buffers, in the same order, every step, and why data crosses
 * between host and device only at {@link #toDevice}, {@link #toHost} and in the values of calls that
 * return one ({@link #sumOfSquares}, {@link #dot}, {@link LossTotals}). A recording device runs what
 * it has recorded when the host needs such a value: a training step needs none before its end. Argument order and shapes
 * follow the reference kernels in {@code org.grokcap.kernels}; backward methods add into gradients.
 */
public interface Device extends AutoCloseable {

    /** A short description: backend name, threads, vector width. */
    String describe();

    // ---- memory -------------------------------------------------------------------------------

    default Buf floats(String name, int size) {
        return new Buf(name, new float[size], 0, size);
    }

    default IntBuf ints(String name, int size) {
        return new IntBuf(name, new int[size], 0, size);
    }

    /** Host writes to buf become visible to kernels. No-op on the CPU. */
    default void toDevice(Buf buf) {}

    default void toDevice(IntBuf buf) {}

    /** Kernel writes to buf become visible in {@link Buf#host()}. No-op on the CPU. */
    default void toHost(Buf buf) {}

    /**
     * {@link #toHost}, which a device that records calls may put off until its next {@link #sync}, so
     * that several downloads share one run (models trained in {@link Lockstep}). By default at once.
     */
    default void toHostAtNextSync(Buf buf) {
        toHost(buf);
    }

    /**
     * Runs calls, each of a different model whose tensors no other call touches (the same step of the
     * models in a {@link Lockstep}), as if one after another. A device that records calls may interleave
     * what they record, so that the same operation of every model comes out side by side and can run as
     * one task. By default one after another.
     */
    default void interleave(List<Consumer<Device>> calls) {
        for (Consumer<Device> call : calls) {
            call.accept(this);
        }
    }

    /**
     * Runs every call recorded so far (a device that records calls and runs them later; a no-op on a
     * device that runs each call at once). Reading {@link LossTotals} calls it when needed.
     */
    default void sync() {}

    void zero(Buf buf);

    // ---- forward / backward pairs -------------------------------------------------------------

    /** out (B,T,C) = wte[tokens] + wpe. */
    void embeddingForward(Buf out, IntBuf tokens, Buf wte, Buf wpe, int B, int T, int C);

    void embeddingBackward(Buf dwte, Buf dwpe, Buf dout, IntBuf tokens, int B, int T, int C);

    /** out (N,OC) = inp (N,C) · w (OC,C)ᵀ + bias (OC, nullable). */
    void linearForward(Buf out, Buf inp, Buf w, Buf bias, int N, int C, int OC);

    void linearBackward(Buf dinp, Buf dw, Buf dbias, Buf dout, Buf inp, Buf w, int N, int C, int OC);

    /** out (NQ,C), att (NQ,H,T) from qkv (B,T,3C) at the query rows qRows (NQ). */
    void attentionForward(Buf out, Buf att, Buf qkv, IntBuf qRows, int NQ, int T, int C, int H, float scale);

    void attentionBackward(Buf dqkv, Buf dout, Buf qkv, Buf att, IntBuf qRows, int NQ, int T, int C, int H, float scale);

    /**
     * {@link #attentionForward} where q|k|v of row r of the (B,T) grid is row {@code rows[r]} of
     * {@code table} (a first layer computed once per vocabulary entry and position). This default gathers
     * the N rows into qkv (N,3C) first; a backend may read the table in place instead and leave qkv
     * unwritten, so it overrides this and {@link #attentionBackwardFromTable} together or neither.
     */
    default void attentionForwardFromTable(Buf out, Buf att, Buf qkv, Buf table, IntBuf rows, IntBuf qRows,
                                           int N, int NQ, int T, int C, int H, float scale) {
        gatherRowsForward(qkv, table, rows, N, 3 * C);
        attentionForward(out, att, qkv, qRows, NQ, T, C, H, scale);
    }

    /** The backward pass of {@link #attentionForwardFromTable}: dqkv (N,3C) in the grid's layout. */
    default void attentionBackwardFromTable(Buf dqkv, Buf dout, Buf qkv, Buf table, IntBuf rows, Buf att,
                                            IntBuf qRows, int NQ, int T, int C, int H, float scale) {
        attentionBackward(dqkv, dout, qkv, att, qRows, NQ, T, C, H, scale); // qkv: gathered by the forward pass
    }

    void layerNormForward(Buf out, Buf mean, Buf rstd, Buf inp, Buf weight, Buf bias, int N, int C);

    void layerNormBackward(Buf dinp, Buf dweight, Buf dbias, Buf dout, Buf inp, Buf weight, Buf mean, Buf rstd, int N, int C);

    void activationForward(Activation kind, Buf out, Buf inp, int n);

    void activationBackward(Activation kind, Buf dinp, Buf inp, Buf dout, int n);

    void residualForward(Buf out, Buf a, Buf b, int n);

    void residualBackward(Buf da, Buf db, Buf dout, int n);

    /** out (N,C) = RMSNorm(inp) · weight (C); rstd (N) saved for backward. Llama style. */
    void rmsNormForward(Buf out, Buf rstd, Buf inp, Buf weight, int N, int C);

    void rmsNormBackward(Buf dinp, Buf dweight, Buf dout, Buf inp, Buf weight, Buf rstd, int N, int C);

    /** out (N,M) = silu(gate) · up, with inp (N,2M) = gate | up. */
    void swigluForward(Buf out, Buf inp, int N, int M);

    void swigluBackward(Buf dinp, Buf inp, Buf dout, int N, int M);

    /** out (N,3C) = q|k|v of inp (N,3C) with q and k rotated by position (row mod T); cos, sin (T, C/H/2). */
    void rotaryForward(Buf out, Buf inp, Buf cos, Buf sin, int N, int T, int C, int H);

    void rotaryBackward(Buf dinp, Buf dout, Buf cos, Buf sin, int N, int T, int C, int H);

    /** out (R,C) = inp[rows] (R rows of inp (N,C)). */
    void gatherRowsForward(Buf out, Buf inp, IntBuf rows, int R, int C);

    void gatherRowsBackward(Buf dinp, Buf dout, IntBuf rows, int R, int C);

    /** losses (N), hits (N) from logits (N,V) and targets (N), each row's loss as loss says. */
    void crossEntropyForward(Buf losses, Buf hits, Buf logits, IntBuf targets, int N, int V, CrossEntropy.Loss loss);

    void crossEntropyBackward(Buf dlogits, Buf logits, IntBuf targets, int N, int V, float dlossScale,
                              CrossEntropy.Loss loss);

    /**
     * Fills into with the totals of a forward pass's losses (rows), hits (rows) and target rows (rows,
     * each a position b·T+t, in position order), as {@link LossTotals#setFromRows} defines them. A
     * recording device fills them when its calls run ({@link LossTotals#expect}); an
     * {@link #adamW(Buf, Buf, Buf, Buf, float, float, float, float, float, int, LossTotals)} given these
     * totals skips its update if their sum is not finite.
     */
    default void lossTotals(LossTotals into, Buf losses, Buf hits, IntBuf targetRows, int rows, int T) {
        toHost(losses);
        toHost(hits);
        into.setFromRows(losses.host(), losses.offset(), hits.host(), hits.offset(), targetRows.host(),
                targetRows.offset(), rows, T);
    }

    // ---- optimizer ----------------------------------------------------------------------------

    /** Σ g² over the buffer, in double. */
    double sumOfSquares(Buf grads);

    void scale(Buf grads, float factor);

    /** Σ a·b over two buffers of the same size, in double. */
    double dot(Buf a, Buf b);

    /** y += alpha·x (same size), the product rounded to float before the sum: no fused multiply-add. */
    void axpy(Buf y, float alpha, Buf x);

    /**
     * ⊥Grad (Prieto et al. 2025) on one tensor w and its gradient g: g⊥ = g − (w·g / (w·w + ε))·w,
     * rescaled to ‖g‖ (by ‖g‖ / (‖g⊥‖ + ε)), so the update cannot grow the weights along themselves
     * (the naive loss minimisation that delays grokking) while keeping the gradient's size. Dot
     * products and norms in double, the update in float, as their orthograd.py with the products
     * accumulated in double. A recording device does it without a round trip to the host.
     */
    default void orthogonalize(Buf w, Buf g, double eps) {
        double wg = dot(w, g);
        double ww = sumOfSquares(w);
        double gNorm = Math.sqrt(sumOfSquares(g));
        axpy(g, (float) -(wg / (ww + eps)), w);
        double orthNorm = Math.sqrt(sumOfSquares(g));
        scale(g, (float) (gNorm / (orthNorm + eps)));
    }

    /**
     * Scales grads by maxNorm / (‖grads‖ + 1e-6) when their global norm ‖grads‖ exceeds maxNorm (the
     * norm's squares summed in double). A recording device does it without a round trip to the host.
     */
    default void clipByGlobalNorm(Buf grads, double maxNorm) {
        double norm = Math.sqrt(sumOfSquares(grads));
        if (norm > maxNorm) {
            scale(grads, (float) (maxNorm / (norm + 1e-6)));
        }
    }

    /** One AdamW update of the parameters in params (grads, m, v are the same slice of their buffers). */
    void adamW(Buf params, Buf grads, Buf m, Buf v, float lr, float beta1, float beta2, float eps,
               float weightDecay, int step);

    /**
     * {@link #adamW(Buf, Buf, Buf, Buf, float, float, float, float, float, int)}, skipped when the
     * loss sum of guard (this step's training loss) is not finite, so that a diverging step leaves the
     * parameters and moments as they were. A recording device decides it on the device, so the host
     * need not read the loss before the update.
     */
    default void adamW(Buf params, Buf grads, Buf m, Buf v, float lr, float beta1, float beta2, float eps,
                       float weightDecay, int step, LossTotals guard) {
        if (Double.isFinite(guard.lossSum())) {
            adamW(params, grads, m, v, lr, beta1, beta2, eps, weightDecay, step);
        }
    }

    @Override
    default void close() {}
}
