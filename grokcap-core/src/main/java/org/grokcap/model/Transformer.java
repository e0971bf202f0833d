package org.grokcap.model;

import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.backend.IntBuf;
import org.grokcap.kernels.CrossEntropy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A decoder-only transformer's forward and backward pass, written once as a fixed sequence of
 * {@link Device} calls over buffers allocated when the model is built for a largest batch.
 *
 * <p>Every layer computes all positions except the last, which computes attention, MLP and
 * unembedding only at the positions that have a target ({@code qRows}): the loss reads nothing else,
 * so this is exact. A step allocates nothing.
 *
 * <pre>
 * x0 = wte[tokens] + wpe                                  (B·T, C)
 * per layer l, with rows = all B·T positions, or the target positions in the last layer (R rows):
 *   h   = LN1(x) or x                                     (B·T, C)
 *   qkv = h · Wqkvᵀ (+ b)                                 (B·T, 3C)
 *   y   = attention(qkv) at rows                          (R, C)
 *   x2  = x[rows] + y · Woᵀ (+ b)                         (R, C)
 *   x3  = x2 + act(LN2(x2) · Wfcᵀ + b) · Wprojᵀ + b       (R, C)
 * logits = (LNf(x3) or x3) · Wuᵀ (+ b)                    (R, Vout)
 * loss   = mean over rows of cross-entropy(logits, target)
 * </pre>
 *
 * <p>Llama style ({@link ModelConfig#llama()}) runs its own sequence of calls, with the same rows:
 * <pre>
 * x0 = wte[tokens]                                        (B·T, C)
 *   qkv = rope(RMS1(x) · Wqkvᵀ)                           (B·T, 3C)  q and k rotated by position
 *   x2  = x[rows] + attention(qkv) · Woᵀ                  (R, C)
 *   x3  = x2 + swiglu(RMS2(x2) · Wfcᵀ) · Wprojᵀ           (R, C)     Wfc (2M,C) = gate | up
 * logits = RMSf(x3) · Wuᵀ                                 (R, Vout)
 * </pre>
 */
public final class Transformer {
    private final Device dev;
    private final ModelConfig cfg;
    private final ParamLayout layout;
    private final int maxBatch;
    private final int T;
    private final int C;
    private final int M;
    private final int H;
    private final int L;
    private final int maxDepth; // blocks the activation buffers hold: L × the largest repeat count
    private int depth; // blocks the next pass applies: L × layerRepeats now, the weights of block l being layer l % L
    private final int vOut;
    private final float attScale;
    private final boolean llama;
    private final Buf ropeCos;        // (T, hs/2) Llama only
    private final Buf ropeSin;        // (T, hs/2)
    private CrossEntropy.Loss loss = CrossEntropy.Loss.softmax(true);

    private final Buf params;
    private final Buf grads;
    private final Weights w;
    private final Weights dw;
    private final Acts acts;
    private final Acts dacts;

    private final IntBuf tokens;      // (B,T)
    private final IntBuf allRows;     // (B·T) 0,1,2,...
    private final IntBuf targetRows;  // (R) row b·T+t of each position with a target
    private final IntBuf targetIds;   // (R) its target class
    private final IntBuf tableTokens; // (V,T) token v at every position: the vocabulary table as a batch
    private final IntBuf tableRows;   // (B,T) row of the vocabulary table for each position: token·T + t
    private final boolean tableFits;  // the vocabulary table is no larger than the largest batch
    private boolean tableAllowed = true;
    private boolean tableNow;

    private int batch;
    private int rows;
    private long matmulFlops;
    private double lossSum;
    private int hitCount;
    private int sequenceHitCount;
    private int sequenceCount;

    /** Builds the model for batches of up to maxBatch sequences; parameters start at zero. */
    public Transformer(Device dev, ModelConfig cfg, int maxBatch) {
        this(dev, cfg, maxBatch, cfg.layerRepeats());
    }

    /**
     * Builds the model for batches of up to maxBatch sequences and with activation buffers for passes
     * that run its layer stack up to maxLayerRepeats times ({@link #setLayerRepeats}); it starts at the
     * config's layerRepeats. Parameters start at zero.
     */
    public Transformer(Device dev, ModelConfig cfg, int maxBatch, int maxLayerRepeats) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be ≥ 1, got " + maxBatch);
        }
        if (maxLayerRepeats < cfg.layerRepeats()) {
            throw new IllegalArgumentException("maxLayerRepeats " + maxLayerRepeats + " is below the model's layerRepeats "
                    + cfg.layerRepeats());
        }
        this.dev = dev;
        this.cfg = cfg;
        this.layout = ParamLayout.of(cfg);
        this.maxBatch = maxBatch;
        this.T = cfg.contextLength();
        this.C = cfg.dModel();
        this.M = cfg.dMlp();
        this.H = cfg.heads();
        this.L = cfg.layers();
        this.depth = cfg.depth();
        this.maxDepth = L * maxLayerRepeats;
        this.vOut = cfg.resolvedOutputVocab();
        this.attScale = cfg.resolvedAttentionScale();
        this.llama = cfg.llama();
        ModelConfig allocated = cfg.withLayerRepeats(maxLayerRepeats);
        requireBatchFits(allocated, maxBatch);
        this.tableFits = !llama && cfg.vocabSize() <= maxBatch;
        this.params = dev.floats("params", layout.size());
        this.grads = dev.floats("grads", layout.size());
        this.w = new Weights(params);
        this.dw = new Weights(grads);
        this.acts = new Acts("acts", allocated);
        this.dacts = new Acts("dacts", allocated);
        this.tokens = dev.ints("tokens", maxBatch * T);
        this.allRows = dev.ints("allRows", maxBatch * T);
        this.targetRows = dev.ints("targetRows", maxBatch * T);
        this.targetIds = dev.ints("targetIds", maxBatch * T);
        this.tableTokens = dev.ints("tableTokens", tableFits ? cfg.vocabSize() * T : 0);
        this.tableRows = dev.ints("tableRows", maxBatch * T);
        if (tableFits) {
            int[] tt = tableTokens.host();
            for (int i = 0; i < tt.length; i++) {
                tt[i] = i / T;
            }
            dev.toDevice(tableTokens);
        }
        int half = llama ? cfg.headSize() / 2 : 0;
        this.ropeCos = dev.floats("rope.cos", T * half);
        this.ropeSin = dev.floats("rope.sin", T * half);
        if (llama) {
            org.grokcap.kernels.Rotary.table(ropeCos.host(), ropeCos.offset(), ropeSin.host(), ropeSin.offset(), T,
                    cfg.headSize());
            dev.toDevice(ropeCos);
            dev.toDevice(ropeSin);
        }
        int[] all = allRows.host();
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        dev.toDevice(allRows);
    }

    /**
     * IllegalArgumentException when batches of maxBatch sequences need a buffer larger than a Java
     * array can be: checked before anything is allocated.
     */
    public static void requireBatchFits(ModelConfig cfg, int maxBatch) {
        long n = (long) maxBatch * cfg.contextLength();
        long widest = Math.max(3L * cfg.dModel(), Math.max((cfg.llama() ? 2L : 1L) * cfg.dMlp(), cfg.resolvedOutputVocab()));
        if (n * widest > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("batch of " + maxBatch + " × " + cfg.contextLength()
                    + " positions is too large for one buffer");
        }
        long total = activationFloats(cfg, maxBatch);
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("activations of " + total + " floats exceed one buffer; use a smaller batch");
        }
    }

    public ModelConfig config() {
        return cfg;
    }

    public ParamLayout layout() {
        return layout;
    }

    public Device device() {
        return dev;
    }

    public int maxBatch() {
        return maxBatch;
    }

    /**
     * From the next forward pass on, runs the layer stack r times (1 up to the maxLayerRepeats the model
     * was built for) with the same weights: a looped model evaluated with more (or fewer) passes than
     * it was trained with. Backward differentiates whatever the last forward pass ran. Residual
     * layers ({@link #residual}, {@link #patchResidual}) count the blocks of the passes now run.
     */
    public void setLayerRepeats(int r) {
        if (r < 1 || L * r > maxDepth) {
            throw new IllegalArgumentException("layer repeats " + r + "; this model was built for 1.." + maxDepth / L);
        }
        this.depth = L * r;
    }

    /** How many times the next forward pass runs the layer stack (the config's layerRepeats unless {@link #setLayerRepeats} changed it). */
    public int layerRepeats() {
        return depth / L;
    }

    /** The flat parameter buffer (layout order). Call {@link Device#toDevice} after writing its host array. */
    public Buf params() {
        return params;
    }

    /** The flat gradient buffer, same layout as {@link #params()}. */
    public Buf grads() {
        return grads;
    }

    /** The parameter tensor called name, as a slice of {@link #params()}. */
    public Buf param(String name) {
        ParamLayout.Tensor t = layout.get(name);
        return params.slice(name, t.offset(), t.size());
    }

    /**
     * The training loss: softmax (default) or stablemax, label smoothing (default none), double
     * (default) or single precision. {@link #backward()} differentiates it; {@link #forward()}
     * reports it, {@link #forward(boolean)} also without the smoothing.
     */
    public void setLoss(CrossEntropy.Loss loss) {
        this.loss = Objects.requireNonNull(loss);
    }

    /**
     * Allows (default) or forbids the vocabulary-table shortcut: when the batch has more sequences than
     * the vocabulary has tokens, the first layer's embedding, LayerNorm and q|k|v projection are
     * computed once per (token, position) pair and looked up, instead of once per position. Every
     * position with the same token and index gets the same vector either way, so this is exact up to
     * float rounding order; tests compare both paths.
     */
    public void setVocabularyTable(boolean allowed) {
        this.tableAllowed = allowed;
    }

    /**
     * Loads a batch: tokens (B,T) and targets (B,T), both read from offset·T; a target &lt; 0 marks a
     * position without one. At least one position must have a target.
     */
    public void setBatch(int[] tokenData, int[] targetData, int firstSequence, int B) {
        if (B < 1 || B > maxBatch) {
            throw new IllegalArgumentException("batch of " + B + " sequences; this model was built for 1.." + maxBatch);
        }
        int from = firstSequence * T;
        System.arraycopy(tokenData, from, tokens.host(), tokens.offset(), B * T);
        int[] tr = targetRows.host();
        int[] ti = targetIds.host();
        int r = 0;
        for (int i = 0; i < B * T; i++) {
            int target = targetData[from + i];
            if (target >= 0) {
                if (target >= vOut) {
                    throw new IllegalArgumentException("target " + target + " outside the " + vOut + " output classes");
                }
                tr[targetRows.offset() + r] = i;
                ti[targetIds.offset() + r] = target;
                r++;
            }
        }
        if (r == 0) {
            throw new IllegalArgumentException("batch has no position with a target");
        }
        int sequences = 0;
        for (int i = 0; i < r; i++) {
            if (i == 0 || tr[targetRows.offset() + i] / T != tr[targetRows.offset() + i - 1] / T) {
                sequences++;
            }
        }
        this.batch = B;
        this.rows = r;
        this.sequenceCount = sequences;
        this.tableNow = tableAllowed && tableFits && cfg.vocabSize() < B;
        if (tableNow) {
            int[] tok = tokens.host();
            int[] tr2 = tableRows.host();
            for (int i = 0; i < B * T; i++) {
                tr2[tableRows.offset() + i] = tok[tokens.offset() + i] * T + i % T;
            }
            dev.toDevice(tableRows);
        }
        dev.toDevice(tokens);
        dev.toDevice(targetRows);
        dev.toDevice(targetIds);
    }

    /**
     * Forward pass over the loaded batch; afterwards {@link #lossSum()} (of the training loss, label
     * smoothing included) and {@link #hits()} describe it.
     */
    public void forward() {
        forward(true);
    }

    /**
     * {@link #forward()}; with smoothed false the per-position losses are the plain −log p(target) of
     * the loss's probabilities even when label smoothing is set: what evaluation reports, so that
     * held-out loss curves do not depend on the smoothing.
     */
    public void forward(boolean smoothed) {
        if (llama) {
            forwardLlama();
        } else {
            forwardGpt();
        }
        finishLoss(smoothed ? loss : loss.unsmoothed());
    }

    private void forwardGpt() {
        int B = batch;
        int N = B * T;
        int VT = cfg.vocabSize() * T;
        if (tableNow) {
            dev.embeddingForward(acts.tableX, tableTokens, w.wte, w.wpe, cfg.vocabSize(), T, C);
            dev.gatherRowsForward(acts.encoded, acts.tableX, tableRows, N, C);
        } else {
            dev.embeddingForward(acts.encoded, tokens, w.wte, w.wpe, B, T, C);
        }
        Buf x = acts.encoded;
        applyPatches(0, x);
        for (int l = 0; l < depth; l++) {
            boolean last = l == depth - 1;
            int R = last ? rows : N;
            IntBuf qRows = last ? targetRows : allRows;
            if (l == 0 && tableNow) {
                Buf h = acts.tableX;
                if (cfg.layerNorm()) {
                    dev.layerNormForward(acts.tableLn1, acts.tableLn1Mean, acts.tableLn1Rstd, acts.tableX,
                            w.ln1w[0], w.ln1b[0], VT, C);
                    h = acts.tableLn1;
                }
                linearForward(acts.tableQkv, h, w.qkvw[0], w.qkvb[0], VT, C, 3 * C);
            } else {
                Buf h = x;
                if (cfg.layerNorm()) {
                    dev.layerNormForward(acts.ln1[l], acts.ln1Mean[l], acts.ln1Rstd[l], x, w.ln1w[l % L], w.ln1b[l % L], N, C);
                    h = acts.ln1[l];
                }
                linearForward(acts.qkv[l], h, w.qkvw[l % L], w.qkvb[l % L], N, C, 3 * C);
            }
            if (l == 0 && tableNow) {
                // q|k|v of each position is a row of the table (the device may read it there in place)
                dev.attentionForwardFromTable(acts.atty[0], acts.att[0], acts.qkv[0], acts.tableQkv, tableRows, qRows,
                        N, R, T, C, H, attScale);
            } else {
                dev.attentionForward(acts.atty[l], acts.att[l], acts.qkv[l], qRows, R, T, C, H, attScale);
            }
            linearForward(acts.attproj[l], acts.atty[l], w.projw[l % L], w.projb[l % L], R, C, C);
            dev.gatherRowsForward(acts.xg[l], x, qRows, R, C);
            dev.residualForward(acts.x2[l], acts.xg[l], acts.attproj[l], R * C);
            Buf h2 = acts.x2[l];
            if (cfg.layerNorm()) {
                dev.layerNormForward(acts.ln2[l], acts.ln2Mean[l], acts.ln2Rstd[l], acts.x2[l], w.ln2w[l % L], w.ln2b[l % L], R, C);
                h2 = acts.ln2[l];
            }
            linearForward(acts.fch[l], h2, w.fcw[l % L], w.fcb[l % L], R, C, M);
            dev.activationForward(cfg.activation(), acts.fca[l], acts.fch[l], R * M);
            linearForward(acts.fcp[l], acts.fca[l], w.fcprojw[l % L], w.fcprojb[l % L], R, M, C);
            dev.residualForward(acts.x3[l], acts.x2[l], acts.fcp[l], R * C);
            x = acts.x3[l];
            applyPatches(l + 1, x);
        }
        Buf hf = x;
        if (cfg.layerNorm()) {
            dev.layerNormForward(acts.lnf, acts.lnfMean, acts.lnfRstd, x, w.lnfw, w.lnfb, rows, C);
            hf = acts.lnf;
        }
        linearForward(acts.logits, hf, w.unembedw, w.unembedb, rows, C, vOut);
    }

    /** The Llama-style forward pass up to the logits (class comment). */
    private void forwardLlama() {
        int N = batch * T;
        dev.gatherRowsForward(acts.encoded, w.wte, tokens, N, C);
        Buf x = acts.encoded;
        applyPatches(0, x);
        for (int l = 0; l < depth; l++) {
            boolean last = l == depth - 1;
            int R = last ? rows : N;
            IntBuf qRows = last ? targetRows : allRows;
            dev.rmsNormForward(acts.ln1[l], acts.ln1Rstd[l], x, w.ln1w[l % L], N, C);
            linearForward(acts.qkv[l], acts.ln1[l], w.qkvw[l % L], null, N, C, 3 * C);
            dev.rotaryForward(acts.qkvr[l], acts.qkv[l], ropeCos, ropeSin, N, T, C, H);
            dev.attentionForward(acts.atty[l], acts.att[l], acts.qkvr[l], qRows, R, T, C, H, attScale);
            linearForward(acts.attproj[l], acts.atty[l], w.projw[l % L], null, R, C, C);
            dev.gatherRowsForward(acts.xg[l], x, qRows, R, C);
            dev.residualForward(acts.x2[l], acts.xg[l], acts.attproj[l], R * C);
            dev.rmsNormForward(acts.ln2[l], acts.ln2Rstd[l], acts.x2[l], w.ln2w[l % L], R, C);
            linearForward(acts.fch[l], acts.ln2[l], w.fcw[l % L], null, R, C, 2 * M);
            dev.swigluForward(acts.fca[l], acts.fch[l], R, M);
            linearForward(acts.fcp[l], acts.fca[l], w.fcprojw[l % L], null, R, M, C);
            dev.residualForward(acts.x3[l], acts.x2[l], acts.fcp[l], R * C);
            x = acts.x3[l];
            applyPatches(l + 1, x);
        }
        dev.rmsNormForward(acts.lnf, acts.lnfRstd, x, w.lnfw, rows, C);
        linearForward(acts.logits, acts.lnf, w.unembedw, null, rows, C, vOut);
    }

    /** Cross-entropy of the logits; sets {@link #lossSum()} and {@link #hits()}. */
    private void finishLoss(CrossEntropy.Loss rowLoss) {
        dev.crossEntropyForward(acts.losses, acts.hits, acts.logits, targetIds, rows, vOut, rowLoss);
        dev.toHost(acts.losses);
        dev.toHost(acts.hits);
        float[] ls = acts.losses.host();
        float[] hs = acts.hits.host();
        int[] tr = targetRows.host();
        double sum = 0.0;
        int hits = 0;
        int sequenceHits = 0;
        int sequence = -1;
        boolean allHit = false;
        for (int i = 0; i < rows; i++) {
            sum += ls[acts.losses.offset() + i];
            boolean hit = hs[acts.hits.offset() + i] != 0f;
            hits += hit ? 1 : 0;
            int seq = tr[targetRows.offset() + i] / T; // rows are in position order, so a sequence's rows are adjacent
            if (seq != sequence) {
                sequenceHits += allHit ? 1 : 0;
                sequence = seq;
                allHit = true;
            }
            allHit &= hit;
        }
        sequenceHits += allHit ? 1 : 0;
        this.lossSum = sum;
        this.hitCount = hits;
        this.sequenceHitCount = sequenceHits;
    }

    // ------------------------------------------------------------------ the residual stream, for analysis

    private record Patch(int layer, int row, float[] vector) {}

    private final List<Patch> patches = new ArrayList<>();

    /**
     * The residual stream at layer l of the last forward pass, on the host, (rows, C) row-major: l = 0 is
     * the embedding, l = 1..depth the output of block l. Layers before the last have a row for each
     * of the B·T positions (b·T+t order); the last has a row only for each position with a target, in
     * {@link #setBatch} order, so a batch with a target at every position gives B·T rows at every layer.
     * A forward pass overwrites it; copy what you keep.
     */
    public Buf residual(int l) {
        Objects.checkIndex(l, depth + 1);
        Buf b = l == 0 ? acts.encoded : acts.x3[l - 1];
        dev.toHost(b);
        return b;
    }

    /** Rows of {@link #residual}(l) in the last forward pass. */
    public int residualRows(int l) {
        Objects.checkIndex(l, depth + 1);
        return l == depth ? rows : batch * T;
    }

    /** Blocks applied in a forward pass (layers × layerRepeats); residual layers are 0..depth. */
    public int depth() {
        return depth;
    }

    /**
     * From the next forward pass on, replaces row r (as in {@link #residual}) of the residual stream at
     * layer l with vector (C values) as soon as it is computed, so later blocks read the patched
     * value: activation patching. Patches stay until {@link #clearResidualPatches}. Patching layer 0
     * needs the vocabulary table off ({@link #setVocabularyTable}), since the table bypasses the embedding.
     */
    public void patchResidual(int l, int r, float[] vector) {
        Objects.checkIndex(l, depth + 1);
        if (vector.length != C) {
            throw new IllegalArgumentException("a residual vector has " + C + " values, got " + vector.length);
        }
        if (l == 0 && tableAllowed) {
            throw new IllegalStateException("patching the embedding needs setVocabularyTable(false)");
        }
        patches.add(new Patch(l, r, vector.clone()));
    }

    public void clearResidualPatches() {
        patches.clear();
    }

    private void applyPatches(int l, Buf x) {
        if (patches.isEmpty()) {
            return;
        }
        boolean any = false;
        for (Patch p : patches) {
            if (p.layer() == l) {
                if (!any) {
                    dev.toHost(x);
                    any = true;
                }
                Objects.checkIndex(p.row(), residualRows(l));
                System.arraycopy(p.vector(), 0, x.host(), x.offset() + p.row() * C, C);
            }
        }
        if (any) {
            dev.toDevice(x);
        }
    }

    /** Backward pass of the last {@link #forward()}: sets {@link #grads()} to the gradient of the mean loss. */
    public void backward() {
        dev.zero(grads);
        dacts.zeroUsed(batch * T, rows);
        dev.crossEntropyBackward(dacts.logits, acts.logits, targetIds, rows, vOut, 1f / rows, loss);
        backwardFromLogitGradient();
    }

    /**
     * Backward pass of the last {@link #forward()} seeded with a chosen gradient of the logits instead
     * of the loss's: sets {@link #grads()} to the gradient of Σ dlogits·logits. With a one-hot dlogits
     * this is the gradient of one logit, which attributions need.
     *
     * @param dlogits (targetCount, outputVocab), row-major, on the host
     */
    public void backward(float[] dlogits) {
        if (dlogits.length != rows * vOut) {
            throw new IllegalArgumentException("dlogits has " + dlogits.length + " values; the last forward pass has "
                    + rows + " × " + vOut + " logits");
        }
        dev.zero(grads);
        dacts.zeroUsed(batch * T, rows);
        System.arraycopy(dlogits, 0, dacts.logits.host(), dacts.logits.offset(), dlogits.length);
        dev.toDevice(dacts.logits);
        backwardFromLogitGradient();
    }

    /** Everything of the backward pass after the logits' gradient is in dacts.logits. */
    private void backwardFromLogitGradient() {
        if (llama) {
            backwardLlama();
            return;
        }
        int B = batch;
        int N = B * T;
        Buf hf = cfg.layerNorm() ? acts.lnf : acts.x3[depth - 1];
        Buf dhf = cfg.layerNorm() ? dacts.lnf : dacts.x3[depth - 1];
        linearBackward(dhf, dw.unembedw, dw.unembedb, dacts.logits, hf, w.unembedw, rows, C, vOut);
        if (cfg.layerNorm()) {
            dev.layerNormBackward(dacts.x3[depth - 1], dw.lnfw, dw.lnfb, dacts.lnf, acts.x3[depth - 1], w.lnfw,
                    acts.lnfMean, acts.lnfRstd, rows, C);
        }
        for (int l = depth - 1; l >= 0; l--) {
            boolean last = l == depth - 1;
            int R = last ? rows : N;
            IntBuf qRows = last ? targetRows : allRows;
            Buf x = l == 0 ? acts.encoded : acts.x3[l - 1];
            Buf dx = l == 0 ? dacts.encoded : dacts.x3[l - 1];
            dev.residualBackward(dacts.x2[l], dacts.fcp[l], dacts.x3[l], R * C);
            linearBackward(dacts.fca[l], dw.fcprojw[l % L], dw.fcprojb[l % L], dacts.fcp[l], acts.fca[l], w.fcprojw[l % L], R, M, C);
            dev.activationBackward(cfg.activation(), dacts.fch[l], acts.fch[l], dacts.fca[l], R * M);
            Buf h2 = cfg.layerNorm() ? acts.ln2[l] : acts.x2[l];
            Buf dh2 = cfg.layerNorm() ? dacts.ln2[l] : dacts.x2[l];
            linearBackward(dh2, dw.fcw[l % L], dw.fcb[l % L], dacts.fch[l], h2, w.fcw[l % L], R, C, M);
            if (cfg.layerNorm()) {
                dev.layerNormBackward(dacts.x2[l], dw.ln2w[l % L], dw.ln2b[l % L], dacts.ln2[l], acts.x2[l], w.ln2w[l % L],
                        acts.ln2Mean[l], acts.ln2Rstd[l], R, C);
            }
            dev.residualBackward(dacts.xg[l], dacts.attproj[l], dacts.x2[l], R * C);
            dev.gatherRowsBackward(dx, dacts.xg[l], qRows, R, C);
            linearBackward(dacts.atty[l], dw.projw[l % L], dw.projb[l % L], dacts.attproj[l], acts.atty[l], w.projw[l % L], R, C, C);
            if (l == 0 && tableNow) {
                dev.attentionBackwardFromTable(dacts.qkv[0], dacts.atty[0], acts.qkv[0], acts.tableQkv, tableRows,
                        acts.att[0], qRows, R, T, C, H, attScale);
            } else {
                dev.attentionBackward(dacts.qkv[l], dacts.atty[l], acts.qkv[l], acts.att[l], qRows, R, T, C, H, attScale);
            }
            if (l == 0 && tableNow) {
                break; // the first layer's input side runs on the vocabulary table, below
            }
            Buf h = cfg.layerNorm() ? acts.ln1[l] : x;
            Buf dh = cfg.layerNorm() ? dacts.ln1[l] : dx;
            linearBackward(dh, dw.qkvw[l % L], dw.qkvb[l % L], dacts.qkv[l], h, w.qkvw[l % L], N, C, 3 * C);
            if (cfg.layerNorm()) {
                dev.layerNormBackward(dx, dw.ln1w[l % L], dw.ln1b[l % L], dacts.ln1[l], x, w.ln1w[l % L],
                        acts.ln1Mean[l], acts.ln1Rstd[l], N, C);
            }
        }
        if (tableNow) {
            int V = cfg.vocabSize();
            int VT = V * T;
            dev.gatherRowsBackward(dacts.tableQkv, dacts.qkv[0], tableRows, N, 3 * C);
            Buf h = cfg.layerNorm() ? acts.tableLn1 : acts.tableX;
            Buf dh = cfg.layerNorm() ? dacts.tableLn1 : dacts.tableX;
            linearBackward(dh, dw.qkvw[0], dw.qkvb[0], dacts.tableQkv, h, w.qkvw[0], VT, C, 3 * C);
            if (cfg.layerNorm()) {
                dev.layerNormBackward(dacts.tableX, dw.ln1w[0], dw.ln1b[0], dacts.tableLn1, acts.tableX, w.ln1w[0],
                        acts.tableLn1Mean, acts.tableLn1Rstd, VT, C);
            }
            dev.gatherRowsBackward(dacts.tableX, dacts.encoded, tableRows, N, C);
            dev.embeddingBackward(dw.wte, dw.wpe, dacts.tableX, tableTokens, V, T, C);
        } else {
            dev.embeddingBackward(dw.wte, dw.wpe, dacts.encoded, tokens, B, T, C);
        }
    }

    /** The Llama-style backward pass from dacts.logits, mirroring {@link #forwardLlama} in reverse. */
    private void backwardLlama() {
        int N = batch * T;
        linearBackward(dacts.lnf, dw.unembedw, null, dacts.logits, acts.lnf, w.unembedw, rows, C, vOut);
        dev.rmsNormBackward(dacts.x3[depth - 1], dw.lnfw, dacts.lnf, acts.x3[depth - 1], w.lnfw, acts.lnfRstd, rows, C);
        for (int l = depth - 1; l >= 0; l--) {
            boolean last = l == depth - 1;
            int R = last ? rows : N;
            IntBuf qRows = last ? targetRows : allRows;
            Buf x = l == 0 ? acts.encoded : acts.x3[l - 1];
            Buf dx = l == 0 ? dacts.encoded : dacts.x3[l - 1];
            dev.residualBackward(dacts.x2[l], dacts.fcp[l], dacts.x3[l], R * C);
            linearBackward(dacts.fca[l], dw.fcprojw[l % L], null, dacts.fcp[l], acts.fca[l], w.fcprojw[l % L], R, M, C);
            dev.swigluBackward(dacts.fch[l], acts.fch[l], dacts.fca[l], R, M);
            linearBackward(dacts.ln2[l], dw.fcw[l % L], null, dacts.fch[l], acts.ln2[l], w.fcw[l % L], R, C, 2 * M);
            dev.rmsNormBackward(dacts.x2[l], dw.ln2w[l % L], dacts.ln2[l], acts.x2[l], w.ln2w[l % L], acts.ln2Rstd[l], R, C);
            dev.residualBackward(dacts.xg[l], dacts.attproj[l], dacts.x2[l], R * C);
            dev.gatherRowsBackward(dx, dacts.xg[l], qRows, R, C);
            linearBackward(dacts.atty[l], dw.projw[l % L], null, dacts.attproj[l], acts.atty[l], w.projw[l % L], R, C, C);
            dev.attentionBackward(dacts.qkvr[l], dacts.atty[l], acts.qkvr[l], acts.att[l], qRows, R, T, C, H, attScale);
            dev.rotaryBackward(dacts.qkv[l], dacts.qkvr[l], ropeCos, ropeSin, N, T, C, H);
            linearBackward(dacts.ln1[l], dw.qkvw[l % L], null, dacts.qkv[l], acts.ln1[l], w.qkvw[l % L], N, C, 3 * C);
            dev.rmsNormBackward(dx, dw.ln1w[l % L], dacts.ln1[l], x, w.ln1w[l % L], acts.ln1Rstd[l], N, C);
        }
        dev.gatherRowsBackward(dw.wte, dacts.encoded, tokens, N, C);
    }

    /**
     * Floating-point operations of the linear layers (2 per multiply-add) run since the model was
     * built: the work benchmarks divide by time. Attention, norms and activations are left out.
     */
    public long matmulFlops() {
        return matmulFlops;
    }

    private void linearForward(Buf out, Buf inp, Buf weight, Buf bias, int n, int c, int oc) {
        dev.linearForward(out, inp, weight, bias, n, c, oc);
        matmulFlops += 2L * n * c * oc;
    }

    private void linearBackward(Buf dinp, Buf dweight, Buf dbias, Buf dout, Buf inp, Buf weight, int n, int c, int oc) {
        dev.linearBackward(dinp, dweight, dbias, dout, inp, weight, n, c, oc);
        matmulFlops += (dinp == null ? 2L : 4L) * n * c * oc;
    }

    /** Σ of the per-position losses of the last forward pass. */
    public double lossSum() {
        return lossSum;
    }

    /**
     * Positions of the last forward pass whose single-precision loss term is exactly 0 (softmax
     * collapse: see {@link CrossEntropy#collapsedRows}), with the loss's probabilities (softmax or
     * stablemax), whatever precision training uses. Computed on the host from the logits.
     */
    public int collapsedTargets() {
        dev.toHost(acts.logits);
        return CrossEntropy.collapsedRows(acts.logits.host(), acts.logits.offset(), targetIds.host(),
                targetIds.offset(), rows, vOut, loss.stablemax());
    }

    /** Positions of the last forward pass whose argmax was the target. */
    public int hits() {
        return hitCount;
    }

    /**
     * The per-position cross-entropy losses (nats) of the last forward pass, (targetCount), on the host,
     * in {@link #setBatch} order: row-major over the (b,t) positions that have a target.
     */
    public Buf targetLosses() {
        dev.toHost(acts.losses);
        return acts.losses;
    }

    /**
     * Sequences of the last forward pass whose every target position's argmax was its target: exact
     * match of the whole answer. Under teacher forcing this is the same as greedy decoding of the
     * answer reproducing it token by token. With one target per sequence it equals {@link #hits()}.
     */
    public int sequenceHits() {
        return sequenceHitCount;
    }

    /** Sequences of the loaded batch with at least one target. */
    public int sequenceCount() {
        return sequenceCount;
    }

    /** Positions with a target in the loaded batch. */
    public int targetCount() {
        return rows;
    }

    /** The logits of the last forward pass, (targetCount, outputVocab), on the host. */
    public Buf logits() {
        dev.toHost(acts.logits);
        return acts.logits;
    }

    /**
     * Attention probabilities of layer l in the last forward pass, (rows, H, T) on the host: every
     * layer but the last has a row for each of the B·T positions (b·T+t order); the last layer has a
     * row only for each position with a target, in {@link #setBatch} order. Entries after the query's
     * position are 0.
     */
    public Buf attentionProbabilities(int l) {
        Objects.checkIndex(l, depth);
        dev.toHost(acts.att[l]);
        return acts.att[l];
    }

    /** MLP activations after the nonlinearity of layer l in the last forward pass, (rows, M), rows as in {@link #attentionProbabilities}. */
    public Buf mlpActivations(int l) {
        Objects.checkIndex(l, depth);
        dev.toHost(acts.fca[l]);
        return acts.fca[l];
    }

    /**
     * The first activation of the last forward pass, in the order the pass computes them, that holds a
     * NaN or an infinity, as "'layers.0.mlp.fc' (element i = v)"; null when every one is finite. Only
     * the part each operation wrote for the loaded batch is read. For naming where a diverging run
     * first overflowed: the first non-finite output is the operation that made it.
     */
    public String firstNonFiniteActivation() {
        for (Output o : forwardOutputs()) {
            dev.toHost(o.buf());
            float[] a = o.buf().host();
            int base = o.buf().offset();
            for (int i = 0; i < o.count(); i++) {
                if (!Float.isFinite(a[base + i])) {
                    return "'" + o.name() + "' (element " + i + " = " + a[base + i] + ")";
                }
            }
        }
        return null;
    }

    /** An operation's output buffer and how many of its values the last forward pass wrote. */
    private record Output(String name, Buf buf, int count) {}

    /** The outputs of the last forward pass in the order it computes them (see {@link #forwardGpt}, {@link #forwardLlama}). */
    private List<Output> forwardOutputs() {
        int N = batch * T;
        List<Output> out = new ArrayList<>();
        if (tableNow) {
            int VT = cfg.vocabSize() * T;
            out.add(new Output("embedding (vocabulary table)", acts.tableX, VT * C));
            if (cfg.layerNorm()) {
                out.add(new Output("layers.0.ln1 (vocabulary table)", acts.tableLn1, VT * C));
            }
            out.add(new Output("layers.0.attn.qkv (vocabulary table)", acts.tableQkv, VT * 3 * C));
        }
        out.add(new Output("embedding", acts.encoded, N * C));
        for (int l = 0; l < depth; l++) {
            int R = l == depth - 1 ? rows : N;
            String p = ParamNames.layer(l);
            if (llama || (cfg.layerNorm() && !(l == 0 && tableNow))) {
                out.add(new Output(p + "ln1", acts.ln1[l], N * C));
            }
            if (!(l == 0 && tableNow)) { // there q|k|v are the table's rows, listed above
                out.add(new Output(p + "attn.qkv", acts.qkv[l], N * 3 * C));
            }
            if (llama) {
                out.add(new Output(p + "attn.rotary", acts.qkvr[l], N * 3 * C));
            }
            out.add(new Output(p + "attn.probabilities", acts.att[l], R * H * T));
            out.add(new Output(p + "attn.mix", acts.atty[l], R * C));
            out.add(new Output(p + "attn.proj", acts.attproj[l], R * C));
            out.add(new Output(p + "attn.residual", acts.x2[l], R * C));
            if (llama || cfg.layerNorm()) {
                out.add(new Output(p + "ln2", acts.ln2[l], R * C));
            }
            out.add(new Output(p + "mlp.fc", acts.fch[l], R * (llama ? 2 * M : M)));
            out.add(new Output(p + "mlp.activation", acts.fca[l], R * M));
            out.add(new Output(p + "mlp.proj", acts.fcp[l], R * C));
            out.add(new Output(p + "mlp.residual", acts.x3[l], R * C));
        }
        if (llama || cfg.layerNorm()) {
            out.add(new Output("lnf", acts.lnf, rows * C));
        }
        out.add(new Output("unembed (logits)", acts.logits, rows * vOut));
        out.add(new Output("loss", acts.losses, rows));
        return out;
    }

    /** Per-tensor views of a flat parameter-shaped buffer. */
    private final class Weights {
        final Buf wte;
        final Buf wpe;
        final Buf[] ln1w = new Buf[L];
        final Buf[] ln1b = new Buf[L];
        final Buf[] qkvw = new Buf[L];
        final Buf[] qkvb = new Buf[L];
        final Buf[] projw = new Buf[L];
        final Buf[] projb = new Buf[L];
        final Buf[] ln2w = new Buf[L];
        final Buf[] ln2b = new Buf[L];
        final Buf[] fcw = new Buf[L];
        final Buf[] fcb = new Buf[L];
        final Buf[] fcprojw = new Buf[L];
        final Buf[] fcprojb = new Buf[L];
        final Buf lnfw;
        final Buf lnfb;
        final Buf unembedw;
        final Buf unembedb;

        Weights(Buf flat) {
            wte = view(flat, ParamNames.WTE);
            wpe = view(flat, ParamNames.WPE);
            for (int l = 0; l < L; l++) {
                ln1w[l] = view(flat, ParamNames.ln1Weight(l));
                ln1b[l] = view(flat, ParamNames.ln1Bias(l));
                qkvw[l] = view(flat, ParamNames.qkvWeight(l));
                qkvb[l] = view(flat, ParamNames.qkvBias(l));
                projw[l] = view(flat, ParamNames.attnProjWeight(l));
                projb[l] = view(flat, ParamNames.attnProjBias(l));
                ln2w[l] = view(flat, ParamNames.ln2Weight(l));
                ln2b[l] = view(flat, ParamNames.ln2Bias(l));
                fcw[l] = view(flat, ParamNames.mlpFcWeight(l));
                fcb[l] = view(flat, ParamNames.mlpFcBias(l));
                fcprojw[l] = view(flat, ParamNames.mlpProjWeight(l));
                fcprojb[l] = view(flat, ParamNames.mlpProjBias(l));
            }
            lnfw = view(flat, ParamNames.LNF_WEIGHT);
            lnfb = view(flat, ParamNames.LNF_BIAS);
            unembedw = view(flat, ParamNames.UNEMBED_WEIGHT);
            unembedb = view(flat, ParamNames.UNEMBED_BIAS);
        }

        /** The slice for name, or null when this model has no such tensor (a bias it does without). */
        private Buf view(Buf flat, String name) {
            if (!layout.has(name)) {
                return null;
            }
            ParamLayout.Tensor t = layout.get(name);
            return flat.slice(flat.name() + ":" + name, t.offset(), t.size());
        }
    }

    /** Activations (or their gradients) for the largest batch, as slices of one root buffer. */
    private final class Acts {
        final Buf root;
        final Buf encoded;
        final Buf tableX;
        final Buf tableLn1;
        final Buf tableLn1Mean;
        final Buf tableLn1Rstd;
        final Buf tableQkv;
        final Buf[] ln1 = new Buf[maxDepth];
        final Buf[] ln1Mean = new Buf[maxDepth];
        final Buf[] ln1Rstd = new Buf[maxDepth];
        final Buf[] qkv = new Buf[maxDepth];
        final Buf[] qkvr = new Buf[maxDepth];
        final Buf[] att = new Buf[maxDepth];
        final Buf[] atty = new Buf[maxDepth];
        final Buf[] attproj = new Buf[maxDepth];
        final Buf[] xg = new Buf[maxDepth];
        final Buf[] x2 = new Buf[maxDepth];
        final Buf[] ln2 = new Buf[maxDepth];
        final Buf[] ln2Mean = new Buf[maxDepth];
        final Buf[] ln2Rstd = new Buf[maxDepth];
        final Buf[] fch = new Buf[maxDepth];
        final Buf[] fca = new Buf[maxDepth];
        final Buf[] fcp = new Buf[maxDepth];
        final Buf[] x3 = new Buf[maxDepth];
        final Buf lnf;
        final Buf lnfMean;
        final Buf lnfRstd;
        final Buf logits;
        final Buf losses;
        final Buf hits;

        /**
         * How many rows of each slice a batch uses, as in the forward passes: a table slice all of it
         * (TABLE), the rest one row per position (ALL), per target (TARGETS), or per row of layer l (l ≥ 0:
         * all positions, or the targets in the last layer). Set with the slice's size.
         */
        private static final int TABLE = -1;
        private static final int ALL = -2;
        private static final int TARGETS = -3;
        private final List<Integer> usedRows = new ArrayList<>();
        private final List<Integer> sliceLayer = new ArrayList<>(); // block l of a "layers.l." slice, else -1
        private int[] sliceOffsets;
        private int[] sliceSizes;
        private Buf[] usedParts = new Buf[0];
        private long usedKey = -1;
        private int usedDepth = -1;

        /** Slices for the blocks of allocated: the config with the largest repeat count. */
        Acts(String name, ModelConfig allocated) {
            Map<String, Long> plan = activationPlan(allocated, maxBatch); // its total fits: see requireBatchFits
            root = dev.floats(name, (int) activationFloats(allocated, maxBatch));
            Map<String, Buf> all = new HashMap<>();
            sliceOffsets = new int[plan.size()];
            sliceSizes = new int[plan.size()];
            int offset = 0;
            for (Map.Entry<String, Long> e : plan.entrySet()) {
                int size = e.getValue().intValue();
                all.put(e.getKey(), root.slice(name + ":" + e.getKey(), offset, size));
                sliceOffsets[usedRows.size()] = offset;
                sliceSizes[usedRows.size()] = size;
                usedRows.add(rowKind(e.getKey()));
                sliceLayer.add(e.getKey().startsWith("layers.") ? Integer.parseInt(e.getKey().split("\\.", 3)[1]) : -1);
                offset += size;
            }
            encoded = all.get("encoded");
            tableX = all.get("table.x");
            tableLn1 = all.get("table.ln1");
            tableLn1Mean = all.get("table.ln1.mean");
            tableLn1Rstd = all.get("table.ln1.rstd");
            tableQkv = all.get("table.qkv");
            for (int l = 0; l < maxDepth; l++) {
                String p = ParamNames.layer(l);
                ln1[l] = all.get(p + "ln1");
                ln1Mean[l] = all.get(p + "ln1.mean");
                ln1Rstd[l] = all.get(p + "ln1.rstd");
                qkv[l] = all.get(p + "qkv");
                qkvr[l] = all.get(p + "qkv.rotated");
                att[l] = all.get(p + "att");
                atty[l] = all.get(p + "atty");
                attproj[l] = all.get(p + "attproj");
                xg[l] = all.get(p + "xg");
                x2[l] = all.get(p + "x2");
                ln2[l] = all.get(p + "ln2");
                ln2Mean[l] = all.get(p + "ln2.mean");
                ln2Rstd[l] = all.get(p + "ln2.rstd");
                fch[l] = all.get(p + "fch");
                fca[l] = all.get(p + "fca");
                fcp[l] = all.get(p + "fcp");
                x3[l] = all.get(p + "x3");
            }
            lnf = all.get("lnf");
            lnfMean = all.get("lnf.mean");
            lnfRstd = all.get("lnf.rstd");
            logits = all.get("logits");
            losses = all.get("losses");
            hits = all.get("hits");
        }

        /**
         * Zeroes what a batch of n positions with r targets uses of every slice (the rest is never read
         * or written by it), before a backward pass adds into it. A full-batch step on a model sized for a
         * larger evaluation batch, or whose last layer sees only its targets, or sized for more repeats
         * than it now runs, zeroes a fraction of the buffer. The ranges are made once per (n, r, depth)
         * and merged where they touch.
         */
        void zeroUsed(int n, int r) {
            long key = ((long) n << 32) | r;
            if (key != usedKey || depth != usedDepth) {
                usedParts = usedRanges(n, r);
                usedKey = key;
                usedDepth = depth;
            }
            for (Buf part : usedParts) {
                dev.zero(part);
            }
        }

        /** The row kind of a slice of the activation plan, from its name (see {@link #activationPlan}). */
        private static int rowKind(String slice) {
            if (slice.startsWith("table.")) {
                return TABLE;
            }
            if (!slice.startsWith("layers.")) {
                return slice.equals("encoded") ? ALL : TARGETS; // after the layers: lnf, logits, losses, hits
            }
            String[] parts = slice.split("\\.", 3); // layers, l, what
            String what = parts[2];
            // a layer's input side sees every position; from the attention on, its query rows
            boolean input = what.equals("qkv") || what.equals("qkv.rotated") || what.startsWith("ln1");
            return input ? ALL : Integer.parseInt(parts[1]);
        }

        private Buf[] usedRanges(int n, int r) {
            int N = maxBatch * T;
            List<Buf> parts = new ArrayList<>();
            int start = -1;
            int end = -1;
            for (int i = 0; i < sliceSizes.length; i++) {
                int kind = usedRows.get(i);
                boolean run = sliceLayer.get(i) < depth; // the blocks past the current depth are not run
                int rowsUsed = !run ? 0 : kind == ALL ? n : kind == TARGETS ? r : kind == depth - 1 ? r : n;
                int used = kind == TABLE ? sliceSizes[i] : (int) ((long) sliceSizes[i] / N * rowsUsed);
                if (used == 0) {
                    continue;
                }
                if (sliceOffsets[i] == end) {
                    end += used; // touches the range before: one range
                } else {
                    if (start >= 0) {
                        parts.add(root.slice(root.name() + ":used" + parts.size(), start, end - start));
                    }
                    start = sliceOffsets[i];
                    end = start + used;
                }
                if (used < sliceSizes[i]) {
                    // the next slice starts after this one's unused tail
                    parts.add(root.slice(root.name() + ":used" + parts.size(), start, end - start));
                    start = -1;
                    end = -1;
                }
            }
            if (start >= 0) {
                parts.add(root.slice(root.name() + ":used" + parts.size(), start, end - start));
            }
            return parts.toArray(new Buf[0]);
        }
    }

    /**
     * Floats of one set of activations (the model holds two: activations and their gradients) for
     * batches of up to maxBatch sequences, without allocating them: what a heap check must count
     * besides parameters, gradients and moments.
     */
    public static long activationFloats(ModelConfig cfg, int maxBatch) {
        return activationPlan(cfg, maxBatch).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Floats of the largest single activation: the size of the biggest matrix operand a backend may copy. */
    public static long largestActivationFloats(ModelConfig cfg, int maxBatch) {
        return activationPlan(cfg, maxBatch).values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /** Each activation buffer's name and size in floats, in allocation order (the one plan for {@link Acts} and the estimates). */
    private static Map<String, Long> activationPlan(ModelConfig cfg, int maxBatch) {
        boolean llama = cfg.llama();
        long N = (long) maxBatch * cfg.contextLength();
        long C = cfg.dModel();
        long M = cfg.dMlp();
        long T = cfg.contextLength();
        int depth = cfg.depth();
        Map<String, Long> plan = new LinkedHashMap<>();
        plan.put("encoded", N * C);
        long VT = !llama && cfg.vocabSize() <= maxBatch ? (long) cfg.vocabSize() * T : 0; // the vocabulary table
        boolean ln = cfg.layerNorm();
        if (VT > 0) {
            plan.put("table.x", VT * C);
            if (ln) {
                plan.put("table.ln1", VT * C);
                plan.put("table.ln1.mean", VT);
                plan.put("table.ln1.rstd", VT);
            }
            plan.put("table.qkv", VT * 3 * C);
        }
        boolean norm = ln || llama; // a normalised copy and its rstd: LayerNorm or RMSNorm
        long fchWidth = llama ? 2 * M : M;
        for (int l = 0; l < depth; l++) {
            String p = ParamNames.layer(l);
            if (norm) {
                plan.put(p + "ln1", N * C);
            }
            if (ln) {
                plan.put(p + "ln1.mean", N);
            }
            if (norm) {
                plan.put(p + "ln1.rstd", N);
            }
            plan.put(p + "qkv", N * 3 * C);
            if (llama) {
                plan.put(p + "qkv.rotated", N * 3 * C);
            }
            plan.put(p + "att", N * cfg.heads() * T);
            plan.put(p + "atty", N * C);
            plan.put(p + "attproj", N * C);
            plan.put(p + "xg", N * C);
            plan.put(p + "x2", N * C);
            if (norm) {
                plan.put(p + "ln2", N * C);
            }
            if (ln) {
                plan.put(p + "ln2.mean", N);
            }
            if (norm) {
                plan.put(p + "ln2.rstd", N);
            }
            plan.put(p + "fch", N * fchWidth);
            plan.put(p + "fca", N * M);
            plan.put(p + "fcp", N * C);
            plan.put(p + "x3", N * C);
        }
        if (norm) {
            plan.put("lnf", N * C);
        }
        if (ln) {
            plan.put("lnf.mean", N);
        }
        if (norm) {
            plan.put("lnf.rstd", N);
        }
        plan.put("logits", N * cfg.resolvedOutputVocab());
        plan.put("losses", N);
        plan.put("hits", N);
        return plan;
    }
}
