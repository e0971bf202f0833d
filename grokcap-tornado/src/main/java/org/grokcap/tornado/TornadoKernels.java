package org.grokcap.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * grokcap's training kernels as TornadoVM kernels: static methods over one float arena {@code a} and
 * one int arena {@code ia} that hold every tensor of a device (each tensor is an offset into its
 * arena), with {@code @Parallel} loops. They are plain Java too (TornadoVM compiles the bytecode), so
 * they can be called directly; the tests compare the TornadoVM-compiled versions, through
 * {@link TornadoDevice}, with the reference kernels in {@code org.grokcap.kernels}. Argument order:
 * arenas, output offsets, input offsets, sizes.
 *
 * <p>Every output element is written by one work-item only and every sum runs in a fixed order, so
 * results do not depend on scheduling: where the reference scatters (row gathers' and the embedding's
 * gradients) an inverse index gives each (destination row, channel) its sources in the reference's
 * order; the gradient norm runs in two stages over fixed chunks; attention's key/value gradients give
 * each work-item a (key row, head); bias and norm-weight gradients sum fixed chunks of rows, then the
 * chunks in order. The linear layers run the tiled matmul {@link #gemm} (a {@code KernelContext}
 * kernel with local-memory tiles).
 *
 * <p><b>One {@code @Parallel} loop per kernel.</b> {@link TornadoDevice} gives every task an explicit
 * grid. With a grid, TornadoVM 5.2.1 replaces each int parameter that is a parallel loop's bound, in
 * every use, by the grid's size in dimension k, where k counts such parameters <em>in the order of the
 * signature</em>; but it gives the loops their dimensions by nesting (the outer loop the first on a
 * CPU device, the inner one the first where it interchanges loops). A kernel with two parallel loops
 * whose bounds appear in the signature in the other order (the linear weight gradient's (N, C, OC) with
 * its loops over OC, then C; the two-stage column sums' (N, C, P) with loops over P, then C) ran with
 * the two sizes swapped, and which order is right depends on the device. So kernels over two indices
 * run one loop over their product (bound {@code X * Y}, not a parameter) and split the index.
 *
 * <p>Values that change every step without changing the step's shape (learning rate, bias
 * corrections, the gradient clipping factor) come from a small per-graph array {@code hp} at a slot,
 * so that a recorded task graph can be replayed with them.
 */
public final class TornadoKernels {
    private TornadoKernels() {}

    /** Partitions of a sum of squares (each sums a contiguous chunk; the host adds them in double). */
    public static final int SUM_PARTS = 256;

    /**
     * Reads and writes both arenas (one work-item, element 0 unchanged), so that TornadoVM sees them as
     * read-write in every graph: a graph whose first use of an arena only writes it would get a fresh
     * device buffer instead of the one the previous graph left.
     */
    public static void touch(FloatArray a, IntArray ia) {
        a.set(0, a.get(0));
        ia.set(0, ia.get(0));
    }

    // ---- memory -------------------------------------------------------------------------------

    /** a[off, off+n) = 0. */
    public static void zero(FloatArray a, int off, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            a.set(off + i, 0f);
        }
    }

    /** a[off, off+n) = src[srcOff, srcOff+n): host data into the arena. */
    public static void copyIn(FloatArray a, int off, FloatArray src, int srcOff, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            a.set(off + i, src.get(srcOff + i));
        }
    }

    /** ia[off, off+n) = src[srcOff, srcOff+n). */
    public static void copyInInts(IntArray ia, int off, IntArray src, int srcOff, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            ia.set(off + i, src.get(srcOff + i));
        }
    }

    /** dst[dstOff, dstOff+n) = a[off, off+n): arena data towards the host. */
    public static void copyOut(FloatArray dst, int dstOff, FloatArray a, int off, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            dst.set(dstOff + i, a.get(off + i));
        }
    }

    /**
     * Several copies or zeroings in one task ({@link #zeroRanges} and the copies below): range r of count
     * is idx[idxOff + 3r ..] = its arena offset, its staging offset and its first element in the task
     * (the ranges' sizes summed before it); total is all ranges' elements, one work-item each, which
     * finds its range by bisection.
     */
    private static int rangeOf(IntArray idx, int idxOff, int count, int i) {
        int lo = 0;
        int hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (idx.get(idxOff + 3 * mid + 2) <= i) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return idxOff + 3 * lo;
    }

    /** Each range's a[off, off+n) = 0 (see {@link #rangeOf}). */
    public static void zeroRanges(FloatArray a, IntArray idx, int idxOff, int count, int total) {
        for (@Parallel int i = 0; i < total; i++) {
            int r = rangeOf(idx, idxOff, count, i);
            a.set(idx.get(r) + i - idx.get(r + 2), 0f);
        }
    }

    /** Each range's a[off, off+n) = src[srcOff, srcOff+n) (see {@link #rangeOf}). */
    public static void copyInRanges(FloatArray a, FloatArray src, IntArray idx, int idxOff, int count, int total) {
        for (@Parallel int i = 0; i < total; i++) {
            int r = rangeOf(idx, idxOff, count, i);
            int j = i - idx.get(r + 2);
            a.set(idx.get(r) + j, src.get(idx.get(r + 1) + j));
        }
    }

    /**
     * Each range's ia[off, off+n) = staged[srcOff, srcOff+n) (see {@link #rangeOf}); the ranges are in
     * staged too (one array, not the same array passed twice).
     */
    public static void copyInIntsRanges(IntArray ia, IntArray staged, int idxOff, int count, int total) {
        for (@Parallel int i = 0; i < total; i++) {
            int r = rangeOf(staged, idxOff, count, i);
            int j = i - staged.get(r + 2);
            ia.set(staged.get(r) + j, staged.get(staged.get(r + 1) + j));
        }
    }

    /** Each range's dst[dstOff, dstOff+n) = a[off, off+n) (see {@link #rangeOf}). */
    public static void copyOutRanges(FloatArray dst, FloatArray a, IntArray idx, int idxOff, int count, int total) {
        for (@Parallel int i = 0; i < total; i++) {
            int r = rangeOf(idx, idxOff, count, i);
            int j = i - idx.get(r + 2);
            dst.set(idx.get(r + 1) + j, a.get(idx.get(r) + j));
        }
    }

    // ---- embedding ----------------------------------------------------------------------------

    /**
     * For each of several models (the same call of a lockstep's models in one task; one model: one call),
     * out (B,T,C) = wte[tokens] + wpe; n = B·T·C; model k's offsets idx[idxOff + 4k ..]: out, tokens (in
     * ia), wte, wpe.
     */
    public static void embeddingForward(FloatArray a, IntArray ia, IntArray idx, int idxOff, int n, int T, int C,
                                        int models) {
        for (@Parallel int ki = 0; ki < models * n; ki++) {
            int k = ki / n;
            int i = ki - k * n;
            int o = idxOff + 4 * k;
            int outOff = idx.get(o);
            int tokOff = idx.get(o + 1);
            int wteOff = idx.get(o + 2);
            int wpeOff = idx.get(o + 3);
            int bt = i / C;
            int c = i - bt * C;
            int t = bt - (bt / T) * T;
            int tok = ia.get(tokOff + bt);
            a.set(outOff + i, a.get(wteOff + tok * C + c) + a.get(wpeOff + t * C + c));
        }
    }

    /**
     * For each of several models, dwpe (T,C) += Σ_b dout (B,T,C): one work-item per (position, channel),
     * sequences in order; offsets idx[idxOff + 2k ..]: dwpe, dout.
     */
    public static void embeddingBackwardPositions(FloatArray a, IntArray idx, int idxOff, int B, int T, int C,
                                                  int models) {
        for (@Parallel int ktc = 0; ktc < models * T * C; ktc++) { // one loop: see the class comment
            int k = ktc / (T * C);
            int tc = ktc - k * T * C;
            int dwpeOff = idx.get(idxOff + 2 * k);
            int doutOff = idx.get(idxOff + 2 * k + 1);
            int t = tc / C;
            int c = tc - t * C;
            int p = dwpeOff + t * C + c;
            float acc = a.get(p);
            for (int b = 0; b < B; b++) {
                acc += a.get(doutOff + (b * T + t) * C + c);
            }
            a.set(p, acc);
        }
    }

    /**
     * The inverse of a row list, for scatter-shaped backward passes: [0, D+1) the start of each
     * destination's sources, then [D+1, D+1+R) the sources r (rows[r] = d) grouped by destination,
     * ascending within each. Plain Java, run on the host when the call is recorded.
     */
    public static int[] invertIndex(int[] rows, int rowsOff, int R, int D) {
        int[] idx = new int[D + 1 + R];
        for (int r = 0; r < R; r++) {
            int d = rows[rowsOff + r];
            if (d < 0 || d >= D) {
                throw new IllegalArgumentException("row " + r + " points at " + d + ", outside 0.." + (D - 1));
            }
            idx[d + 1]++;
        }
        for (int d = 0; d < D; d++) {
            idx[d + 1] += idx[d];
        }
        // fill by a running cursor per destination: sources land in ascending r
        int[] cursor = new int[D];
        for (int r = 0; r < R; r++) {
            int d = rows[rowsOff + r];
            idx[D + 1 + idx[d] + cursor[d]] = r;
            cursor[d]++;
        }
        return idx;
    }

    // ---- column sums in two stages --------------------------------------------------------------
    //
    // Bias, layer-norm and RMSNorm weight gradients are sums over rows. Stage one gives each (part,
    // column) a fixed contiguous chunk of rows, stage two adds the parts of a column in part order: the
    // same order every run, whatever the grid, and parallel over parts × columns instead of columns.

    /** Rows per part of a two-stage column sum over N rows split into P parts. */
    public static int chunk(int N, int P) {
        return (N + P - 1) / P;
    }

    /**
     * For each of several models (the same call of a lockstep's models in one task; one model: one call),
     * parts (P,C) = Σ dout (N,C) over each part's rows; model k's offsets are idx[idxOff + 2k ..]: parts,
     * dout.
     */
    public static void columnSumParts(FloatArray a, IntArray idx, int idxOff, int N, int C, int P, int models) {
        for (@Parallel int kpc = 0; kpc < models * P * C; kpc++) { // one loop: see the class comment
            int k = kpc / (P * C);
            int pc = kpc - k * P * C;
            int p = pc / C;
            int c = pc - p * C;
            int partsOff = idx.get(idxOff + 2 * k);
            int doutOff = idx.get(idxOff + 2 * k + 1);
            int from = p * chunk(N, P);
            int to = TornadoMath.min(N, from + chunk(N, P));
            float acc = 0f;
            for (int n = from; n < to; n++) {
                acc += a.get(doutOff + n * C + c);
            }
            a.set(partsOff + p * C + c, acc);
        }
    }

    /** For each of several models, dst (C) += Σ_p parts (P,C), parts in order; offsets idx[idxOff + 2k ..]: dst, parts. */
    public static void addColumnParts(FloatArray a, IntArray idx, int idxOff, int C, int P, int models) {
        for (@Parallel int kc = 0; kc < models * C; kc++) {
            int k = kc / C;
            int c = kc - k * C;
            int dstOff = idx.get(idxOff + 2 * k);
            int partsOff = idx.get(idxOff + 2 * k + 1);
            float acc = 0f;
            for (int p = 0; p < P; p++) {
                acc += a.get(partsOff + p * C + c);
            }
            a.set(dstOff + c, a.get(dstOff + c) + acc);
        }
    }

    /**
     * For each of several models, layer norm's weight and bias gradients, stage one: dwParts (P,C) = Σ
     * norm·dout, dbParts (P,C) = Σ dout; offsets idx[idxOff + 6k ..]: dwParts, dbParts, dout, inp, mean, rstd.
     */
    public static void layerNormParamParts(FloatArray a, IntArray idx, int idxOff, int N, int C, int P, int models) {
        for (@Parallel int kpc = 0; kpc < models * P * C; kpc++) { // one loop: see the class comment
            int k = kpc / (P * C);
            int pc = kpc - k * P * C;
            int p = pc / C;
            int c = pc - p * C;
            int o = idxOff + 6 * k;
            int dwPartsOff = idx.get(o);
            int dbPartsOff = idx.get(o + 1);
            int doutOff = idx.get(o + 2);
            int inpOff = idx.get(o + 3);
            int meanOff = idx.get(o + 4);
            int rstdOff = idx.get(o + 5);
            int from = p * chunk(N, P);
            int to = TornadoMath.min(N, from + chunk(N, P));
            float dw = 0f;
            float db = 0f;
            for (int n = from; n < to; n++) {
                float dout = a.get(doutOff + n * C + c);
                float norm = (a.get(inpOff + n * C + c) - a.get(meanOff + n)) * a.get(rstdOff + n);
                db += dout;
                dw += norm * dout;
            }
            a.set(dwPartsOff + p * C + c, dw);
            a.set(dbPartsOff + p * C + c, db);
        }
    }

    /**
     * For each of several models, RMSNorm's gain gradient, stage one: parts (P,C) = Σ x·rstd·dout; offsets
     * idx[idxOff + 4k ..]: parts, dout, inp, rstd.
     */
    public static void rmsNormWeightParts(FloatArray a, IntArray idx, int idxOff, int N, int C, int P, int models) {
        for (@Parallel int kpc = 0; kpc < models * P * C; kpc++) { // one loop: see the class comment
            int k = kpc / (P * C);
            int pc = kpc - k * P * C;
            int p = pc / C;
            int c = pc - p * C;
            int o = idxOff + 4 * k;
            int partsOff = idx.get(o);
            int doutOff = idx.get(o + 1);
            int inpOff = idx.get(o + 2);
            int rstdOff = idx.get(o + 3);
            int from = p * chunk(N, P);
            int to = TornadoMath.min(N, from + chunk(N, P));
            float dw = 0f;
            for (int n = from; n < to; n++) {
                dw += a.get(inpOff + n * C + c) * a.get(rstdOff + n) * a.get(doutOff + n * C + c);
            }
            a.set(partsOff + p * C + c, dw);
        }
    }

    // ---- tiled matmul ---------------------------------------------------------------------------

    /** Work-group side of {@link #gemm}: TILE × TILE work-items. */
    public static final int TILE = 16;
    /** Outputs per work-item along each side: a work-group computes a (TILE·BLOCK)² block of C. */
    public static final int BLOCK = 2;

    /** {@link #gemm}'s flags: A stored transposed (K,M). */
    public static final int A_T = 1;
    /** B stored transposed (N,K). */
    public static final int B_T = 2;
    /** C += the product, instead of C = . */
    public static final int ACCUMULATE = 4;
    /** + bias (N) on every row. */
    public static final int BIAS = 8;
    /** A model's epilogue (0: none): also E[i] = relu(C[i]), gelu(C[i]), or R[i] + C[i] (a residual add). */
    public static final int EPILOGUE_RELU = 16;
    public static final int EPILOGUE_GELU = 32;
    public static final int EPILOGUE_RESIDUAL = 48;

    /** Ints per model in the attention backward kernels' offsets: dqkv, dpre, dout, qkv, att, query rows. */
    public static final int ATTENTION_OFFSETS = 6;

    /** Ints per model in {@link #gemm}'s offsets: C, A, B, bias, epilogue, epilogue output, residual. */
    public static final int GEMM_OFFSETS = 7;

    /**
     * For each of several models, C (M,N) = [C +] A (M,K) · B (K,N) [+ bias (N)], every matrix an offset into
     * the arena; A is read transposed (stored (K,M)) with flag A_T, B with B_T (stored (N,K)), C
     * accumulated with ACCUMULATE, the bias added with BIAS. The three products of a linear layer: forward
     * out = inp · wᵀ + bias (B_T), input gradient dinp += dout · w, weight gradient dw += doutᵀ · inp (A_T).
     * Model k's offsets are idx[idxOff + 7k ..]: C, A, B, bias, its epilogue, the epilogue's output and
     * the residual (ints, exact where an arena holds more floats than a float counts). A forward product
     * may also write its epilogue (M,N) from the finished C: the activation that follows it
     * (EPILOGUE_RELU, EPILOGUE_GELU) or the residual add out = res + C (EPILOGUE_RESIDUAL), the same
     * values as the separate kernels, one pass over C fewer; each model has its own (0: none). One model
     * for a product of its own; the models of a lockstep whose same product arrives side by side share
     * one task.
     * One kernel for any K, so a model's bits do not depend on how many share its task.
     *
     * <p>A work-group of TILE × TILE work-items computes a 32 × 32 block of C, each work-item a 2 × 2
     * register block (rows ty, ty+16; columns tx, tx+16: neighbouring work-items touch neighbouring
     * columns). K goes by in steps of TILE: each step loads a 32 × 16 slice of A and a 16 × 32 slice of
     * B into local memory (two elements per work-item each, zero past the matrix's edge) and adds its
     * products in k order, so every output is a sum in a fixed order. The grid is ceil(N/32)·16 by
     * models·ceil(M/32)·16 work-items, model k's row blocks after model k−1's; outputs past M or N are not
     * written.
     */
    public static void gemm(KernelContext ctx, FloatArray a, IntArray idx, int idxOff, int M, int N, int K,
                            int flags) {
        int aT = flags & A_T;
        int bT = (flags & B_T) / B_T;
        int tx = ctx.localIdx;
        int ty = ctx.localIdy;
        int rowBlocks = (M + 31) / 32;
        int model = ctx.groupIdy / rowBlocks;
        int o = idxOff + GEMM_OFFSETS * model;
        int cOff = idx.get(o);
        int aOff = idx.get(o + 1);
        int bOff = idx.get(o + 2);
        int biasOff = idx.get(o + 3);
        int epilogue = idx.get(o + 4);
        int epiOff = idx.get(o + 5);
        int resOff = idx.get(o + 6);
        int rowBase = (ctx.groupIdy - model * rowBlocks) * 32;
        int colBase = ctx.groupIdx * 32;
        float[] as = ctx.allocateFloatLocalArray(512); // 32 rows × 16 k
        float[] bs = ctx.allocateFloatLocalArray(512); // 16 k × 32 columns
        int tid = ty * 16 + tx;
        float c00 = 0f;
        float c01 = 0f;
        float c10 = 0f;
        float c11 = 0f;
        for (int k0 = 0; k0 < K; k0 += 16) {
            for (int e = tid; e < 512; e += 256) {
                int r = e / 16;
                int kk = e - r * 16;
                int m = rowBase + r;
                int k = k0 + kk;
                float v = 0f;
                // & rather than &&: TornadoVM 5.2.1's OpenCL backend failed to compile these guards
                // short-circuited ("logic node LogicConstantNode" in an if), in either order or nested
                if ((m < M) & (k < K)) {
                    v = aT == 1 ? a.get(aOff + k * M + m) : a.get(aOff + m * K + k);
                }
                as[e] = v;
                int kb = e / 32;
                int cb = e - kb * 32;
                int n = colBase + cb;
                int k2 = k0 + kb;
                float w = 0f;
                if ((n < N) & (k2 < K)) {
                    w = bT == 1 ? a.get(bOff + n * K + k2) : a.get(bOff + k2 * N + n);
                }
                bs[e] = w;
            }
            ctx.localBarrier();
            for (int kk = 0; kk < 16; kk++) {
                float a0 = as[ty * 16 + kk];
                float a1 = as[(ty + 16) * 16 + kk];
                float b0 = bs[kk * 32 + tx];
                float b1 = bs[kk * 32 + tx + 16];
                c00 += a0 * b0;
                c01 += a0 * b1;
                c10 += a1 * b0;
                c11 += a1 * b1;
            }
            ctx.localBarrier();
        }
        int m0 = rowBase + ty;
        int m1 = m0 + 16;
        int n0 = colBase + tx;
        int n1 = n0 + 16;
        if (m0 < M && n0 < N) {
            gemmStore(a, cOff, m0 * N + n0, c00, biasOff + n0, flags, epilogue, epiOff, resOff);
        }
        if (m0 < M && n1 < N) {
            gemmStore(a, cOff, m0 * N + n1, c01, biasOff + n1, flags, epilogue, epiOff, resOff);
        }
        if (m1 < M && n0 < N) {
            gemmStore(a, cOff, m1 * N + n0, c10, biasOff + n0, flags, epilogue, epiOff, resOff);
        }
        if (m1 < M && n1 < N) {
            gemmStore(a, cOff, m1 * N + n1, c11, biasOff + n1, flags, epilogue, epiOff, resOff);
        }
    }

    /** C[i] from its sum (bias, accumulation), then the epilogue's element i. */
    private static void gemmStore(FloatArray a, int cOff, int i, float sum, int biasAt, int flags, int epilogue,
                                  int epiOff, int resOff) {
        float v = sum;
        if ((flags & BIAS) != 0) {
            v += a.get(biasAt);
        }
        if ((flags & ACCUMULATE) != 0) {
            v += a.get(cOff + i);
        }
        a.set(cOff + i, v);
        if (epilogue == EPILOGUE_RELU) {
            a.set(epiOff + i, relu(v));
        } else if (epilogue == EPILOGUE_GELU) {
            a.set(epiOff + i, gelu(v));
        } else if (epilogue == EPILOGUE_RESIDUAL) {
            a.set(epiOff + i, a.get(resOff + i) + v);
        }
    }

    // ---- attention ----------------------------------------------------------------------------

    /**
     * Causal attention at the query rows qRows (NQ) of qkv (B,T,3C): att (NQ,H,T) the probabilities
     * (zero past the query's position), out (NQ,C). One work-item per (query, head).
     */
    public static void attentionForward(FloatArray a, IntArray ia, IntArray idx, int idxOff, int NQ, int T, int C, int H,
                                        float scale, int models) {
        for (@Parallel int kqh = 0; kqh < models * NQ * H; kqh++) { // one loop: see the class comment
            int k = kqh / (NQ * H);
            int qh = kqh - k * NQ * H;
            int outOff = idx.get(idxOff + 4 * k);
            int attOff = idx.get(idxOff + 4 * k + 1);
            int qkvOff = idx.get(idxOff + 4 * k + 2);
            int qRowsOff = idx.get(idxOff + 4 * k + 3);
            int q = qh / H;
            int h = qh - q * H;
            int hs = C / H;
            int C3 = 3 * C;
            int row = ia.get(qRowsOff + q);
            int b = row / T;
            int t = row - b * T;
            int qi = qkvOff + row * C3 + h * hs;
            int at = attOff + (q * H + h) * T;
            float max = Float.NEGATIVE_INFINITY;
            for (int t2 = 0; t2 <= t; t2++) {
                int ki = qkvOff + (b * T + t2) * C3 + C + h * hs;
                float dot = 0f;
                for (int i = 0; i < hs; i++) {
                    dot += a.get(qi + i) * a.get(ki + i);
                }
                dot = dot * scale;
                a.set(at + t2, dot);
                if (dot > max) {
                    max = dot;
                }
            }
            float sum = 0f;
            for (int t2 = 0; t2 <= t; t2++) {
                float e = TornadoMath.exp(a.get(at + t2) - max);
                a.set(at + t2, e);
                sum += e;
            }
            float inv = 1f / sum;
            for (int t2 = 0; t2 < T; t2++) {
                if (t2 <= t) {
                    a.set(at + t2, a.get(at + t2) * inv);
                } else {
                    a.set(at + t2, 0f);
                }
            }
            int o = outOff + q * C + h * hs;
            for (int i = 0; i < hs; i++) {
                a.set(o + i, 0f);
            }
            for (int t2 = 0; t2 <= t; t2++) {
                float p = a.get(at + t2);
                int vi = qkvOff + (b * T + t2) * C3 + 2 * C + h * hs;
                for (int i = 0; i < hs; i++) {
                    a.set(o + i, a.get(o + i) + p * a.get(vi + i));
                }
            }
        }
    }

    /**
     * Attention backward, part 1, one work-item per (query, head): the gradient of the pre-softmax
     * scores into dpre (NQ,H,T) and the query's own gradient into dqkv.
     */
    public static void attentionBackwardQuery(FloatArray a, IntArray ia, IntArray idx, int idxOff, int NQ, int T, int C,
                                              int H, float scale, int models) {
        for (@Parallel int kqh = 0; kqh < models * NQ * H; kqh++) { // one loop: see the class comment
            int k = kqh / (NQ * H);
            int qh = kqh - k * NQ * H;
            int o = idxOff + ATTENTION_OFFSETS * k;
            int dqkvOff = idx.get(o);
            int dpreOff = idx.get(o + 1);
            int doutOff = idx.get(o + 2);
            int qkvOff = idx.get(o + 3);
            int attOff = idx.get(o + 4);
            int qRowsOff = idx.get(o + 5);
            int q = qh / H;
            int h = qh - q * H;
            int hs = C / H;
            int C3 = 3 * C;
            int row = ia.get(qRowsOff + q);
            int b = row / T;
            int t = row - b * T;
            int at = attOff + (q * H + h) * T;
            int dp = dpreOff + (q * H + h) * T;
            int d = doutOff + q * C + h * hs;
            int dqi = dqkvOff + row * C3 + h * hs;
            float mean = 0f;
            for (int t2 = 0; t2 <= t; t2++) {
                int vi = qkvOff + (b * T + t2) * C3 + 2 * C + h * hs;
                float g = 0f;
                for (int i = 0; i < hs; i++) {
                    g += a.get(d + i) * a.get(vi + i);
                }
                mean += a.get(at + t2) * g;
            }
            for (int t2 = 0; t2 < T; t2++) {
                float dpre = 0f;
                if (t2 <= t) {
                    int base = qkvOff + (b * T + t2) * C3 + h * hs;
                    float g = 0f;
                    for (int i = 0; i < hs; i++) {
                        g += a.get(d + i) * a.get(base + 2 * C + i);
                    }
                    dpre = a.get(at + t2) * (g - mean) * scale;
                    for (int i = 0; i < hs; i++) {
                        a.set(dqi + i, a.get(dqi + i) + dpre * a.get(base + C + i));
                    }
                }
                a.set(dp + t2, dpre);
            }
        }
    }

    /**
     * Attention backward, part 2, one work-item per (key row, head) of qkv's rows (R = B·T): the
     * key's and value's gradients, summed over the queries of its sequence at or after it, in query
     * order. qRows must be ascending (the model's row lists are), so the queries of a sequence are
     * found by binary search.
     */
    public static void attentionBackwardKeyValue(FloatArray a, IntArray ia, IntArray idx, int idxOff, int R, int NQ,
                                                 int T, int C, int H, int models) {
        for (@Parallel int mkrh = 0; mkrh < models * R * H; mkrh++) { // one loop: see the class comment
            int m = mkrh / (R * H);
            int krh = mkrh - m * R * H;
            int o = idxOff + ATTENTION_OFFSETS * m;
            int dqkvOff = idx.get(o);
            int dpreOff = idx.get(o + 1);
            int doutOff = idx.get(o + 2);
            int qkvOff = idx.get(o + 3);
            int attOff = idx.get(o + 4);
            int qRowsOff = idx.get(o + 5);
            int kr = krh / H;
            int h = krh - kr * H;
            int hs = C / H;
            int C3 = 3 * C;
            int b = kr / T;
            int tk = kr - b * T;
            int end = (b + 1) * T;
            int lo = 0;
            int hi = NQ;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (ia.get(qRowsOff + mid) < kr) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            int dk = dqkvOff + kr * C3 + C + h * hs;
            int dv = dqkvOff + kr * C3 + 2 * C + h * hs;
            for (int q = lo; q < NQ; q++) {
                int row = ia.get(qRowsOff + q);
                if (row < end) {
                    float p = a.get(attOff + (q * H + h) * T + tk);
                    float dpre = a.get(dpreOff + (q * H + h) * T + tk);
                    int d = doutOff + q * C + h * hs;
                    int qi = qkvOff + row * C3 + h * hs;
                    for (int i = 0; i < hs; i++) {
                        a.set(dv + i, a.get(dv + i) + p * a.get(d + i));
                        a.set(dk + i, a.get(dk + i) + dpre * a.get(qi + i));
                    }
                }
            }
        }
    }

    // ---- layer norm ---------------------------------------------------------------------------

    /**
     * For each of several models, out (N,C) = (inp − mean)·rstd·weight + bias; mean (N), rstd (N) saved for
     * backward; one work-item per row; offsets idx[idxOff + 6k ..]: out, mean, rstd, inp, weight, bias.
     */
    public static void layerNormForward(FloatArray a, IntArray idx, int idxOff, int N, int C, int models) {
        for (@Parallel int kn = 0; kn < models * N; kn++) {
            int k = kn / N;
            int n = kn - k * N;
            int at = idxOff + 6 * k;
            int outOff = idx.get(at);
            int meanOff = idx.get(at + 1);
            int rstdOff = idx.get(at + 2);
            int inpOff = idx.get(at + 3);
            int wOff = idx.get(at + 4);
            int bOff = idx.get(at + 5);
            int x = inpOff + n * C;
            float m = 0f;
            for (int c = 0; c < C; c++) {
                m += a.get(x + c);
            }
            m = m / C;
            float v = 0f;
            for (int c = 0; c < C; c++) {
                float d = a.get(x + c) - m;
                v += d * d;
            }
            v = v / C;
            float s = 1f / TornadoMath.sqrt(v + 1e-5f);
            int o = outOff + n * C;
            for (int c = 0; c < C; c++) {
                a.set(o + c, (a.get(x + c) - m) * s * a.get(wOff + c) + a.get(bOff + c));
            }
            a.set(meanOff + n, m);
            a.set(rstdOff + n, s);
        }
    }

    /**
     * For each of several models, dinp (N,C) += layer norm's input gradient, one work-item per row; offsets
     * idx[idxOff + 6k ..]: dinp, dout, inp, weight, mean, rstd.
     */
    public static void layerNormBackwardInput(FloatArray a, IntArray idx, int idxOff, int N, int C, int models) {
        for (@Parallel int kn = 0; kn < models * N; kn++) {
            int k = kn / N;
            int n = kn - k * N;
            int at = idxOff + 6 * k;
            int dinpOff = idx.get(at);
            int doutOff = idx.get(at + 1);
            int inpOff = idx.get(at + 2);
            int wOff = idx.get(at + 3);
            int meanOff = idx.get(at + 4);
            int rstdOff = idx.get(at + 5);
            int x = inpOff + n * C;
            int d = doutOff + n * C;
            float m = a.get(meanOff + n);
            float s = a.get(rstdOff + n);
            float dnormMean = 0f;
            float dnormNormMean = 0f;
            for (int c = 0; c < C; c++) {
                float norm = (a.get(x + c) - m) * s;
                float dnorm = a.get(wOff + c) * a.get(d + c);
                dnormMean += dnorm;
                dnormNormMean += dnorm * norm;
            }
            dnormMean = dnormMean / C;
            dnormNormMean = dnormNormMean / C;
            for (int c = 0; c < C; c++) {
                float norm = (a.get(x + c) - m) * s;
                float dnorm = a.get(wOff + c) * a.get(d + c);
                int di = dinpOff + n * C + c;
                a.set(di, a.get(di) + (dnorm - dnormMean - norm * dnormNormMean) * s);
            }
        }
    }

    // ---- activations, residual, gather --------------------------------------------------------

    /**
     * For each of several models, RMSNorm forward (kernels/RmsNorm): out (N,C) = x·rstd·w, rstd (N) saved;
     * one work item per row; offsets idx[idxOff + 4k ..]: out, rstd, inp, weight.
     */
    public static void rmsNormForward(FloatArray a, IntArray idx, int idxOff, int N, int C, int models) {
        for (@Parallel int kn = 0; kn < models * N; kn++) {
            int k = kn / N;
            int n = kn - k * N;
            int at = idxOff + 4 * k;
            int outOff = idx.get(at);
            int rstdOff = idx.get(at + 1);
            int inpOff = idx.get(at + 2);
            int wOff = idx.get(at + 3);
            int x = inpOff + n * C;
            float ms = 0f;
            for (int c = 0; c < C; c++) {
                ms += a.get(x + c) * a.get(x + c);
            }
            ms = ms / C;
            float s = 1f / TornadoMath.sqrt(ms + 1e-5f);
            int o = outOff + n * C;
            for (int c = 0; c < C; c++) {
                a.set(o + c, a.get(x + c) * s * a.get(wOff + c));
            }
            a.set(rstdOff + n, s);
        }
    }

    /**
     * For each of several models, RMSNorm backward, input part: dinp (N,C) += s·(dnorm − norm·mean(dnorm·norm));
     * one work item per row; offsets idx[idxOff + 5k ..]: dinp, dout, inp, weight, rstd.
     */
    public static void rmsNormBackwardInput(FloatArray a, IntArray idx, int idxOff, int N, int C, int models) {
        for (@Parallel int kn = 0; kn < models * N; kn++) {
            int k = kn / N;
            int n = kn - k * N;
            int at = idxOff + 5 * k;
            int dinpOff = idx.get(at);
            int doutOff = idx.get(at + 1);
            int inpOff = idx.get(at + 2);
            int wOff = idx.get(at + 3);
            int rstdOff = idx.get(at + 4);
            int x = inpOff + n * C;
            int d = doutOff + n * C;
            float s = a.get(rstdOff + n);
            float dnormNormMean = 0f;
            for (int c = 0; c < C; c++) {
                dnormNormMean += a.get(wOff + c) * a.get(d + c) * a.get(x + c) * s;
            }
            dnormNormMean = dnormNormMean / C;
            for (int c = 0; c < C; c++) {
                float norm = a.get(x + c) * s;
                float dnorm = a.get(wOff + c) * a.get(d + c);
                int di = dinpOff + n * C + c;
                a.set(di, a.get(di) + (dnorm - norm * dnormNormMean) * s);
            }
        }
    }

    /**
     * For each of several models, SwiGLU forward (kernels/Swiglu): out (N,M) = silu(gate)·up from rows
     * gate|up (N,2M); one item per output; offsets idx[idxOff + 2k ..]: out, inp.
     */
    public static void swigluForward(FloatArray a, IntArray idx, int idxOff, int N, int M, int models) {
        for (@Parallel int mk = 0; mk < models * N * M; mk++) {
            int model = mk / (N * M);
            int k = mk - model * N * M;
            int n = k / M;
            int i = k - n * M;
            int outOff = idx.get(idxOff + 2 * model);
            int inpOff = idx.get(idxOff + 2 * model + 1);
            float x = a.get(inpOff + n * 2 * M + i);
            float sig = 1f / (1f + TornadoMath.exp(-x));
            a.set(outOff + k, x * sig * a.get(inpOff + n * 2 * M + M + i));
        }
    }

    /**
     * For each of several models, SwiGLU backward: d gate += dout·up·σ(g)(1 + g(1 − σ(g))), d up +=
     * dout·silu(g); one item per output; offsets idx[idxOff + 3k ..]: dinp, inp, dout.
     */
    public static void swigluBackward(FloatArray a, IntArray idx, int idxOff, int N, int M, int models) {
        for (@Parallel int mk = 0; mk < models * N * M; mk++) {
            int model = mk / (N * M);
            int k = mk - model * N * M;
            int n = k / M;
            int i = k - n * M;
            int dinpOff = idx.get(idxOff + 3 * model);
            int inpOff = idx.get(idxOff + 3 * model + 1);
            int doutOff = idx.get(idxOff + 3 * model + 2);
            int g = n * 2 * M + i;
            float x = a.get(inpOff + g);
            float up = a.get(inpOff + g + M);
            float sig = 1f / (1f + TornadoMath.exp(-x));
            float dy = a.get(doutOff + k);
            a.set(dinpOff + g, a.get(dinpOff + g) + dy * up * sig * (1f + x * (1f - sig)));
            a.set(dinpOff + g + M, a.get(dinpOff + g + M) + dy * x * sig);
        }
    }

    /**
     * Rotary positions (kernels/Rotary), forward when sign = 1 (out = rotated q|k, v copied) and
     * backward when sign = −1 (dinp += the gradient turned back, v passed through); one work item per row;
     * for each of several models, offsets idx[idxOff + 4k ..]: out, inp, cos, sin.
     */
    public static void rotary(FloatArray a, IntArray idx, int idxOff, int N, int T, int C, int H, int sign,
                              int models) {
        for (@Parallel int kn = 0; kn < models * N; kn++) {
            int k = kn / N;
            int n = kn - k * N;
            int at = idxOff + 4 * k;
            int outOff = idx.get(at);
            int inpOff = idx.get(at + 1);
            int cosOff = idx.get(at + 2);
            int sinOff = idx.get(at + 3);
            int hs = C / H;
            int half = hs / 2;
            int cs = (n % T) * half;
            int row = n * 3 * C;
            for (int part = 0; part < 2; part++) {
                for (int h = 0; h < H; h++) {
                    int base = row + part * C + h * hs;
                    for (int i = 0; i < half; i++) {
                        float x1 = a.get(inpOff + base + i);
                        float x2 = a.get(inpOff + base + half + i);
                        float c = a.get(cosOff + cs + i);
                        float s = sign * a.get(sinOff + cs + i);
                        float y1 = x1 * c - x2 * s;
                        float y2 = x2 * c + x1 * s;
                        if (sign > 0) {
                            a.set(outOff + base + i, y1);
                            a.set(outOff + base + half + i, y2);
                        } else {
                            a.set(outOff + base + i, a.get(outOff + base + i) + y1);
                            a.set(outOff + base + half + i, a.get(outOff + base + half + i) + y2);
                        }
                    }
                }
            }
            for (int c = 0; c < C; c++) {
                float v = a.get(inpOff + row + 2 * C + c);
                a.set(outOff + row + 2 * C + c, sign > 0 ? v : a.get(outOff + row + 2 * C + c) + v);
            }
        }
    }

    /**
     * For each of several models, a matmul's epilogue run as a pass of its own (when it could not run
     * in the matmul's task): out (n) = relu(inp) or gelu(inp) (kind EPILOGUE_RELU, EPILOGUE_GELU), or out
     * = res + inp (EPILOGUE_RESIDUAL), as {@link #gemm} writes it; offsets idx[idxOff + 3k ..]: out, inp,
     * res (unused but for a residual add).
     */
    public static void elementwise(FloatArray a, IntArray idx, int idxOff, int kind, int n, int models) {
        for (@Parallel int ki = 0; ki < models * n; ki++) {
            int k = ki / n;
            int i = ki - k * n;
            int o = idxOff + 3 * k;
            int outOff = idx.get(o);
            float v = a.get(idx.get(o + 1) + i);
            if (kind == EPILOGUE_RELU) {
                a.set(outOff + i, relu(v));
            } else if (kind == EPILOGUE_GELU) {
                a.set(outOff + i, gelu(v));
            } else {
                a.set(outOff + i, a.get(idx.get(o + 2) + i) + v);
            }
        }
    }

    private static float relu(float x) {
        return x > 0f ? x : 0f;
    }

    /** GELU, tanh approximation (kernels/Gelu). */
    private static float gelu(float x) {
        float cube = 0.044715f * x * x * x;
        return 0.5f * x * (1f + TornadoMath.tanh(0.7978845608f * (x + cube)));
    }

    /**
     * For each of several models (see {@link #columnSumParts}), dinp (n) += relu'(inp)·dout; offsets
     * idx[idxOff + 3k ..]: dinp, inp, dout.
     */
    public static void reluBackward(FloatArray a, IntArray idx, int idxOff, int n, int models) {
        for (@Parallel int ki = 0; ki < models * n; ki++) {
            int k = ki / n;
            int i = ki - k * n;
            int o = idxOff + 3 * k;
            int dinpOff = idx.get(o);
            if (a.get(idx.get(o + 1) + i) > 0f) {
                a.set(dinpOff + i, a.get(dinpOff + i) + a.get(idx.get(o + 2) + i));
            }
        }
    }

    /** For each of several models, dinp (n) += gelu'(inp)·dout; offsets idx[idxOff + 3k ..]: dinp, inp, dout. */
    public static void geluBackward(FloatArray a, IntArray idx, int idxOff, int n, int models) {
        for (@Parallel int ki = 0; ki < models * n; ki++) {
            int k = ki / n;
            int i = ki - k * n;
            int o = idxOff + 3 * k;
            int dinpOff = idx.get(o);
            int doutOff = idx.get(o + 2);
            float x = a.get(idx.get(o + 1) + i);
            float cube = 0.044715f * x * x * x;
            float th = TornadoMath.tanh(0.7978845608f * (x + cube));
            float sech2 = 1f - th * th;
            float grad = 0.5f * (1f + th) + x * 0.5f * sech2 * 0.7978845608f * (1f + 3f * 0.044715f * x * x);
            a.set(dinpOff + i, a.get(dinpOff + i) + grad * a.get(doutOff + i));
        }
    }

    /** For each of several models, da (n) += dout, db (n) += dout; offsets idx[idxOff + 3k ..]: da, db, dout. */
    public static void residualBackward(FloatArray a, IntArray idx, int idxOff, int n, int models) {
        for (@Parallel int ki = 0; ki < models * n; ki++) {
            int k = ki / n;
            int i = ki - k * n;
            int o = idxOff + 3 * k;
            int daOff = idx.get(o);
            int dbOff = idx.get(o + 1);
            float d = a.get(idx.get(o + 2) + i);
            a.set(daOff + i, a.get(daOff + i) + d);
            a.set(dbOff + i, a.get(dbOff + i) + d);
        }
    }

    /** For each of several models, out (R,C) = inp[rows]; offsets idx[idxOff + 3k ..]: out, inp, rows (in ia). */
    public static void gatherRowsForward(FloatArray a, IntArray ia, IntArray idx, int idxOff, int R, int C, int models) {
        for (@Parallel int krc = 0; krc < models * R * C; krc++) { // one loop: see the class comment
            int k = krc / (R * C);
            int rc = krc - k * R * C;
            int outOff = idx.get(idxOff + 3 * k);
            int inpOff = idx.get(idxOff + 3 * k + 1);
            int rowsOff = idx.get(idxOff + 3 * k + 2);
            int r = rc / C;
            int c = rc - r * C;
            a.set(outOff + r * C + c, a.get(inpOff + ia.get(rowsOff + r) * C + c));
        }
    }

    /**
     * For each of several models, dinp (D,C) [rows] += dout (R,C): rows may repeat, so one work-item per
     * (destination row, channel) adds its sources in ascending order from the inverse index
     * ({@link #invertIndex}, in idx). Also the embedding's token gradient: dwte (V,C) [tokens] += dout
     * (B·T,C). Model k's offsets idx[idxOff + 3k ..]: dinp, dout, and where its inverse index starts in idx.
     */
    public static void gatherRowsBackward(FloatArray a, IntArray idx, int idxOff, int D, int C, int models) {
        for (@Parallel int kdc = 0; kdc < models * D * C; kdc++) { // one loop: see the class comment
            int m = kdc / (D * C);
            int dc = kdc - m * D * C;
            int dinpOff = idx.get(idxOff + 3 * m);
            int doutOff = idx.get(idxOff + 3 * m + 1);
            int inverse = idx.get(idxOff + 3 * m + 2);
            int d = dc / C;
            int c = dc - d * C;
            int from = idx.get(inverse + d);
            int to = idx.get(inverse + d + 1);
            int e = dinpOff + d * C + c;
            float acc = a.get(e);
            for (int k = from; k < to; k++) {
                acc += a.get(doutOff + idx.get(inverse + D + 1 + k) * C + c);
            }
            a.set(e, acc);
        }
    }

    // ---- loss ---------------------------------------------------------------------------------

    /**
     * losses (N), hits (N) from logits (N,V) and targets (N), as CrossEntropy.forward: stablemax 1 uses
     * s(x) = x + 1 for x ≥ 0, 1/(1 − x) below instead of exp (no max subtracted: s is not shift-invariant);
     * eps &gt; 0 adds label smoothing's ε·(log s_target − mean_v log s_v), log s = x for softmax; float64 1
     * computes in double.
     */
    public static void crossEntropyForward(FloatArray a, IntArray ia, IntArray idx, int idxOff, int N, int V,
                                           int stablemax, float eps, int float64, int models) {
        for (@Parallel int kn = 0; kn < models * N; kn++) {
            int k = kn / N;
            int n = kn - k * N;
            int lossesOff = idx.get(idxOff + 4 * k);
            int hitsOff = idx.get(idxOff + 4 * k + 1);
            int logitsOff = idx.get(idxOff + 4 * k + 2);
            int targetsOff = idx.get(idxOff + 4 * k + 3);
            int l = logitsOff + n * V;
            int target = ia.get(targetsOff + n);
            float max = Float.NEGATIVE_INFINITY;
            int argmax = 0;
            for (int v = 0; v < V; v++) {
                float x = a.get(l + v);
                if (x > max) {
                    max = x;
                    argmax = v;
                }
            }
            float loss;
            if (stablemax == 1 && float64 == 1) {
                // each element evaluates only its own branch of s: the other would divide by zero at x = 1
                double sum = 0.0;
                double meanLog = 0.0;
                for (int v = 0; v < V; v++) {
                    double x = a.get(l + v);
                    double sv;
                    if (x >= 0.0) {
                        sv = x + 1.0;
                    } else {
                        sv = 1.0 / (1.0 - x);
                    }
                    sum += sv;
                    meanLog += TornadoMath.log(sv);
                }
                double xt = a.get(l + target);
                double st;
                if (xt >= 0.0) {
                    st = xt + 1.0;
                } else {
                    st = 1.0 / (1.0 - xt);
                }
                // the ratio keeps a p_target near 1 accurate, where log S − log s_t would cancel
                double term = -TornadoMath.log(st / sum);
                if (eps != 0f) {
                    term += eps * (TornadoMath.log(st) - meanLog / V);
                }
                loss = (float) term;
            } else if (stablemax == 1) {
                float sum = 0f;
                float meanLog = 0f;
                for (int v = 0; v < V; v++) {
                    float x = a.get(l + v);
                    float sv;
                    if (x >= 0f) {
                        sv = x + 1f;
                    } else {
                        sv = 1f / (1f - x);
                    }
                    sum += sv;
                    meanLog += TornadoMath.log(sv);
                }
                float xt = a.get(l + target);
                float st;
                if (xt >= 0f) {
                    st = xt + 1f;
                } else {
                    st = 1f / (1f - xt);
                }
                float term = -TornadoMath.log(st / sum);
                if (eps != 0f) {
                    term += eps * (TornadoMath.log(st) - meanLog / V);
                }
                loss = term;
            } else if (float64 == 1) {
                double sum = 0.0;
                double mean = 0.0;
                for (int v = 0; v < V; v++) {
                    sum += TornadoMath.exp((double) a.get(l + v) - max);
                    mean += a.get(l + v);
                }
                double term = TornadoMath.log(sum) - ((double) a.get(l + target) - max);
                if (eps != 0f) {
                    term += eps * (a.get(l + target) - mean / V);
                }
                loss = (float) term;
            } else {
                float sum = 0f;
                float mean = 0f;
                for (int v = 0; v < V; v++) {
                    sum += TornadoMath.exp(a.get(l + v) - max);
                    mean += a.get(l + v);
                }
                float term = TornadoMath.log(sum) - (a.get(l + target) - max);
                if (eps != 0f) {
                    term += eps * (a.get(l + target) - mean / V);
                }
                loss = term;
            }
            a.set(lossesOff + n, loss);
            a.set(hitsOff + n, argmax == target ? 1f : 0f);
        }
    }

    /**
     * dlogits (N,V) += (∂ loss / ∂ logits)·scale, as CrossEntropy.backward, against q = 1 − ε + ε/V on the
     * target and ε/V elsewhere: softmax p − q; stablemax s'(x_v)·(1/S − q_v/s(x_v)), which is
     * 1/S − q_v/(x + 1) for x ≥ 0 and, with u = 1 − x, (1/(u·S) − q_v)/u below.
     */
    public static void crossEntropyBackward(FloatArray a, IntArray ia, IntArray idx, int idxOff, int N, int V,
                                            float scale, int stablemax, float eps, int float64, int models) {
        for (@Parallel int kn = 0; kn < models * N; kn++) {
            int k = kn / N;
            int n = kn - k * N;
            int dlogitsOff = idx.get(idxOff + 3 * k);
            int logitsOff = idx.get(idxOff + 3 * k + 1);
            int targetsOff = idx.get(idxOff + 3 * k + 2);
            int l = logitsOff + n * V;
            int d = dlogitsOff + n * V;
            int target = ia.get(targetsOff + n);
            if (stablemax == 1 && float64 == 1) {
                double qOther = (double) eps / V;
                double qTarget = (1.0 - eps) + qOther;
                double sum = 0.0;
                for (int v = 0; v < V; v++) {
                    double x = a.get(l + v);
                    if (x >= 0.0) {
                        sum += x + 1.0;
                    } else {
                        sum += 1.0 / (1.0 - x);
                    }
                }
                for (int v = 0; v < V; v++) {
                    double x = a.get(l + v);
                    double q = v == target ? qTarget : qOther;
                    double g;
                    if (x >= 0.0) {
                        g = 1.0 / sum - q / (x + 1.0);
                    } else {
                        double u = 1.0 - x;
                        g = (1.0 / (u * sum) - q) / u;
                    }
                    a.set(d + v, a.get(d + v) + (float) (g * scale));
                }
            } else if (stablemax == 1) {
                float qOther = eps / V;
                float qTarget = (1f - eps) + qOther;
                float sum = 0f;
                for (int v = 0; v < V; v++) {
                    float x = a.get(l + v);
                    if (x >= 0f) {
                        sum += x + 1f;
                    } else {
                        sum += 1f / (1f - x);
                    }
                }
                for (int v = 0; v < V; v++) {
                    float x = a.get(l + v);
                    float q = v == target ? qTarget : qOther;
                    float g;
                    if (x >= 0f) {
                        g = 1f / sum - q / (x + 1f);
                    } else {
                        float u = 1f - x;
                        g = (1f / (u * sum) - q) / u;
                    }
                    a.set(d + v, a.get(d + v) + g * scale);
                }
            } else if (float64 == 1) {
                double qOther = (double) eps / V;
                double qTarget = (1.0 - eps) + qOther;
                float max = Float.NEGATIVE_INFINITY;
                for (int v = 0; v < V; v++) {
                    max = TornadoMath.max(max, a.get(l + v));
                }
                double sum = 0.0;
                for (int v = 0; v < V; v++) {
                    sum += TornadoMath.exp((double) a.get(l + v) - max);
                }
                for (int v = 0; v < V; v++) {
                    double p = TornadoMath.exp((double) a.get(l + v) - max) / sum;
                    double q = v == target ? qTarget : qOther;
                    a.set(d + v, a.get(d + v) + (float) ((p - q) * scale));
                }
            } else {
                float qOther = eps / V;
                float qTarget = (1f - eps) + qOther;
                float max = Float.NEGATIVE_INFINITY;
                for (int v = 0; v < V; v++) {
                    max = TornadoMath.max(max, a.get(l + v));
                }
                float sum = 0f;
                for (int v = 0; v < V; v++) {
                    sum += TornadoMath.exp(a.get(l + v) - max);
                }
                for (int v = 0; v < V; v++) {
                    float p = TornadoMath.exp(a.get(l + v) - max) / sum;
                    float q = v == target ? qTarget : qOther;
                    a.set(d + v, a.get(d + v) + (p - q) * scale);
                }
            }
        }
    }

    // ---- optimizer ----------------------------------------------------------------------------

    /**
     * a[partsOff + p] = Σ x·y over part p of SUM_PARTS contiguous chunks of x (n, at xOff) and y (n, at
     * yOff); with xOff = yOff, Σ g² (the gradient norm). One arena for all: TornadoVM cannot schedule a
     * task given the same array twice. For each of several models (the same call of a lockstep's models,
     * or consecutive independent sums of one model, in one task); model k's offsets idx[idxOff + 3k ..]:
     * parts, x, y.
     */
    public static void dotParts(FloatArray a, IntArray idx, int idxOff, int n, int models) {
        for (@Parallel int kp = 0; kp < models * SUM_PARTS; kp++) {
            int k = kp / SUM_PARTS;
            int p = kp - k * SUM_PARTS;
            int partsOff = idx.get(idxOff + 3 * k);
            int xOff = idx.get(idxOff + 3 * k + 1);
            int yOff = idx.get(idxOff + 3 * k + 2);
            int chunk = (n + SUM_PARTS - 1) / SUM_PARTS;
            int from = p * chunk;
            int to = TornadoMath.min(n, from + chunk);
            float s = 0f;
            for (int i = from; i < to; i++) {
                s += a.get(xOff + i) * a.get(yOff + i);
            }
            a.set(partsOff + p, s);
        }
    }

    /**
     * Stage two of a dot product: out[outOff] = Σ parts[partsOff, partsOff+SUM_PARTS) in part
     * order, in double. A constant 256 additions, so one work-item.
     */
    public static void sumParts(FloatArray out, int outOff, FloatArray parts, int partsOff) {
        out.set(outOff, (float) partsTotal(parts, partsOff));
    }

    /** For each of several models, g (n) *= hp[slot]; model k's idx[idxOff + 2k ..]: g, the factor's slot. */
    public static void scale(FloatArray a, IntArray idx, int idxOff, FloatArray hp, int n, int models) {
        for (@Parallel int ki = 0; ki < models * n; ki++) {
            int k = ki / n;
            int i = ki - k * n;
            int off = idx.get(idxOff + 2 * k);
            a.set(off + i, a.get(off + i) * hp.get(idx.get(idxOff + 2 * k + 1)));
        }
    }

    /**
     * For each of several models, y (n) += hp[slot] · x (n); model k's idx[idxOff + 3k ..]: y, x, and the
     * slot of its factor among the hyper-parameters.
     */
    public static void axpy(FloatArray a, IntArray idx, int idxOff, FloatArray hp, int n, int models) {
        for (@Parallel int ki = 0; ki < models * n; ki++) {
            int k = ki / n;
            int i = ki - k * n;
            int o = idxOff + 3 * k;
            int yOff = idx.get(o);
            float ax = hp.get(idx.get(o + 2)) * a.get(idx.get(o + 1) + i);
            a.set(yOff + i, a.get(yOff + i) + ax);
        }
    }

    /** Ints per model in {@link #adamW}'s offsets: params, grads, m, v, skip flag. */
    public static final int ADAMW_OFFSETS = 5;
    /** Floats per model in {@link #adamW}'s hyper-parameters: lr, the two bias corrections, decay, β1, β2, ε. */
    public static final int ADAMW_HYPER = 7;

    /**
     * One AdamW update of params, m, v (n each) from grads for each of K models (K = 1 for one model; the
     * models of a lockstep, whose calls for one parameter group arrive one after another, as one task over
     * K·n elements). Model k = i / n takes its arena offsets (params, grads, m, v, skip flag) from
     * idx[idxOff + 5k ..], as ints since an arena may hold more floats than a float counts exactly, and its
     * scalars from hp[slot + 7k ..]: the learning rate, the two bias corrections 1 − βᵗ, the decay factor
     * 1 − lr·weightDecay, β1, β2, ε. Nothing of model k changes when a[skipFlag] is not 0 (its step's loss
     * was not finite: {@link #lossTotalsSum}). One kernel for any K, so a model's bits do not depend on
     * how many share its task (two kernels that differed only in where β1, β2, ε came from gave results
     * one ulp apart on PoCL).
     */
    public static void adamW(FloatArray a, IntArray idx, int idxOff, FloatArray hp, int slot, int n, int K) {
        for (@Parallel int i = 0; i < K * n; i++) { // one loop: see the class comment
            int k = i / n;
            int j = i - k * n;
            int o = idxOff + ADAMW_OFFSETS * k;
            if (a.get(idx.get(o + 4)) == 0f) {
                int h = slot + ADAMW_HYPER * k;
                float lr = hp.get(h);
                float correction1 = hp.get(h + 1);
                float correction2 = hp.get(h + 2);
                float decay = hp.get(h + 3);
                float beta1 = hp.get(h + 4);
                float beta2 = hp.get(h + 5);
                float eps = hp.get(h + 6);
                int pOff = idx.get(o);
                int gOff = idx.get(o + 1);
                int mOff = idx.get(o + 2);
                int vOff = idx.get(o + 3);
                float g = a.get(gOff + j);
                float mi = beta1 * a.get(mOff + j) + (1f - beta1) * g;
                float vi = beta2 * a.get(vOff + j) + (1f - beta2) * g * g;
                a.set(mOff + j, mi);
                a.set(vOff + j, vi);
                float mHat = mi / correction1;
                float vHat = vi / correction2;
                a.set(pOff + j, a.get(pOff + j) * decay - lr * mHat / (TornadoMath.sqrt(vHat) + eps));
            }
        }
    }

    // ---- a training step without a host round trip: loss totals, clipping ----------------------

    /**
     * Part p of SUM_PARTS contiguous chunks of a forward pass's rows: a[partsOff + 4p ..] = the chunk's
     * loss sum (summed in double, kept as two floats hi + lo), its hits, and the sequences whose first
     * row lies in the chunk and whose every row hit (a sequence's rows are adjacent: targetRows[i] / T).
     * For each of several models; model k's offsets idx[idxOff + 4k ..]: losses, hits, target rows (in ia),
     * parts.
     */
    public static void lossTotalsParts(FloatArray a, IntArray ia, IntArray idx, int idxOff, int rows, int T, int models) {
        for (@Parallel int kp = 0; kp < models * SUM_PARTS; kp++) {
            int k = kp / SUM_PARTS;
            int p = kp - k * SUM_PARTS;
            int lossOff = idx.get(idxOff + 4 * k);
            int hitOff = idx.get(idxOff + 4 * k + 1);
            int rowOff = idx.get(idxOff + 4 * k + 2);
            int partsOff = idx.get(idxOff + 4 * k + 3);
            int chunk = (rows + SUM_PARTS - 1) / SUM_PARTS;
            int from = p * chunk;
            int to = TornadoMath.min(rows, from + chunk);
            double sum = 0.0;
            float hits = 0f;
            float sequenceHits = 0f;
            for (int i = from; i < to; i++) {
                sum += a.get(lossOff + i);
                if (a.get(hitOff + i) != 0f) {
                    hits += 1f;
                }
                int seq = ia.get(rowOff + i) / T;
                int previous = i == 0 ? -1 : ia.get(rowOff + i - 1) / T;
                if (previous != seq) { // the sequence starts here: did every one of its rows hit?
                    float allHit = 1f;
                    int j = i;
                    while (j < rows) {
                        if (ia.get(rowOff + j) / T != seq) {
                            j = rows;
                        } else {
                            if (a.get(hitOff + j) == 0f) {
                                allHit = 0f;
                            }
                            j++;
                        }
                    }
                    sequenceHits += allHit;
                }
            }
            float hi = (float) sum;
            a.set(partsOff + 4 * p, hi);
            a.set(partsOff + 4 * p + 1, (float) (sum - hi));
            a.set(partsOff + 4 * p + 2, hits);
            a.set(partsOff + 4 * p + 3, sequenceHits);
        }
    }

    /**
     * One work-item per model: the parts of {@link #lossTotalsParts} summed in their order (the loss in
     * double); out[slot .. slot+3] = loss sum hi, lo, hits, sequence hits; when skipOff ≥ 0, a[skipOff] = 1
     * if the loss sum is not finite, else 0 (the guard of {@link #adamW}). That needs IEEE arithmetic, so
     * the backend compiles without -cl-fast-relaxed-math. Model k's idx[idxOff + 3k ..]: slot, parts,
     * skipOff.
     */
    public static void lossTotalsSum(FloatArray out, FloatArray a, IntArray idx, int idxOff, int models) {
        for (@Parallel int k = 0; k < models; k++) {
            int slot = idx.get(idxOff + 3 * k);
            int partsOff = idx.get(idxOff + 3 * k + 1);
            int skipOff = idx.get(idxOff + 3 * k + 2);
            lossTotalsSum(out, slot, a, partsOff, skipOff);
        }
    }

    /** One model's {@link #lossTotalsSum} (inlined into its kernel). */
    private static void lossTotalsSum(FloatArray out, int slot, FloatArray a, int partsOff, int skipOff) {
        double sum = 0.0;
        double hits = 0.0;
        double sequenceHits = 0.0;
        for (int p = 0; p < SUM_PARTS; p++) {
            sum += (double) a.get(partsOff + 4 * p) + (double) a.get(partsOff + 4 * p + 1);
            hits += a.get(partsOff + 4 * p + 2);
            sequenceHits += a.get(partsOff + 4 * p + 3);
        }
        float hi = (float) sum;
        out.set(slot, hi);
        out.set(slot + 1, (float) (sum - hi));
        out.set(slot + 2, (float) hits);
        out.set(slot + 3, (float) sequenceHits);
        if (skipOff >= 0) {
            // sum − sum is 0 exactly when sum is finite (NaN for NaN and ±∞). Not an ordered comparison
            // such as sum <= MAX: TornadoVM's OpenCL code turns !(x <= y) into isless(y, x), which is
            // false for NaN, and the check would pass a NaN loss.
            double zeroIfFinite = sum - sum;
            a.set(skipOff, zeroIfFinite == 0.0 ? 0f : 1f);
        }
    }

    /**
     * One work-item per model: ‖x‖ from the parts of {@link #dotParts} (x with itself) summed in order in
     * double, and a[factorOff] = maxNorm / (‖x‖ + 1e-6) when ‖x‖ > maxNorm, else 1 (multiplying by 1
     * changes nothing); offsets idx[idxOff + 2k ..]: parts, factor.
     */
    public static void clipFactor(FloatArray a, IntArray idx, int idxOff, float maxNorm, int models) {
        for (@Parallel int k = 0; k < models; k++) {
            double norm = TornadoMath.sqrt(partsTotal(a, idx.get(idxOff + 2 * k)));
            a.set(idx.get(idxOff + 2 * k + 1), norm > maxNorm ? (float) (maxNorm / (norm + 1e-6)) : 1f);
        }
    }

    /** For each of several models, x (n) *= a[factor]; offsets idx[idxOff + 2k ..]: x, factor. */
    public static void scaleByFactor(FloatArray a, IntArray idx, int idxOff, int n, int models) {
        for (@Parallel int ki = 0; ki < models * n; ki++) {
            int k = ki / n;
            int i = ki - k * n;
            int off = idx.get(idxOff + 2 * k);
            a.set(off + i, a.get(off + i) * a.get(idx.get(idxOff + 2 * k + 1)));
        }
    }

    /** Σ over the SUM_PARTS parts at partsOff of {@link #dotParts}, in order, in double (inlined into one work-item's kernel). */
    private static double partsTotal(FloatArray a, int partsOff) {
        double sum = 0.0;
        for (int p = 0; p < SUM_PARTS; p++) {
            sum += a.get(partsOff + p);
        }
        return sum;
    }

    /**
     * ⊥Grad's first factors, one work-item per model, from the parts of w·g, w·w and g·g:
     * a[alpha] = −(w·g / (w·w + ε)) and a[norm] = ‖g‖; offsets idx[idxOff + 5k ..]: the three parts, alpha,
     * norm.
     */
    public static void orthogonalFactors(FloatArray a, IntArray idx, int idxOff, float eps, int models) {
        for (@Parallel int k = 0; k < models; k++) {
            int o = idxOff + 5 * k;
            double wg = partsTotal(a, idx.get(o));
            double ww = partsTotal(a, idx.get(o + 1));
            double gg = partsTotal(a, idx.get(o + 2));
            a.set(idx.get(o + 3), (float) -(wg / (ww + eps)));
            a.set(idx.get(o + 4), (float) TornadoMath.sqrt(gg));
        }
    }

    /**
     * ⊥Grad's rescaling factor, one work-item per model: a[factor] = ‖g‖ / (‖g⊥‖ + ε), ‖g⊥‖ from the parts
     * of g⊥·g⊥; offsets idx[idxOff + 3k ..]: parts, norm, factor.
     */
    public static void orthogonalRescale(FloatArray a, IntArray idx, int idxOff, float eps, int models) {
        for (@Parallel int k = 0; k < models; k++) {
            int o = idxOff + 3 * k;
            double orthNorm = TornadoMath.sqrt(partsTotal(a, idx.get(o)));
            a.set(idx.get(o + 2), (float) (a.get(idx.get(o + 1)) / (orthNorm + eps)));
        }
    }

    /**
     * For each of several models, y (n) += a[factor] · x (n), the product rounded to float before the sum;
     * offsets idx[idxOff + 3k ..]: y, x, factor.
     */
    public static void axpyByFactor(FloatArray a, IntArray idx, int idxOff, int n, int models) {
        for (@Parallel int ki = 0; ki < models * n; ki++) {
            int k = ki / n;
            int i = ki - k * n;
            int o = idxOff + 3 * k;
            int yOff = idx.get(o);
            float ax = a.get(idx.get(o + 2)) * a.get(idx.get(o + 1) + i);
            a.set(yOff + i, a.get(yOff + i) + ax);
        }
    }
}
