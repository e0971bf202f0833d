package org.grokcap.backend.cpu;

import org.grokcap.backend.Buf;
import org.grokcap.backend.IntBuf;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.kernels.Attention;
import org.grokcap.kernels.CrossEntropy;
import org.grokcap.kernels.GatherRows;
import org.grokcap.kernels.Gelu;
import org.grokcap.kernels.Relu;
import org.grokcap.model.Activation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fast CPU device. Every compute operation runs split across a fixed pool of threads (calls too
 * small to pay for a dispatch, under {@link #PARALLEL_MIN} floats, run on the caller's thread), and
 * on Vector API lanes when the {@code jdk.incubator.vector} module is present (scalar Java when it is
 * absent): linear layers on a cache-blocked matmul; attention and cross-entropy split by rows;
 * activations, residuals, gathers, embeddings, rotary, SwiGLU, the norms and the optimizer by rows,
 * columns or 64-float ranges ({@link #accelerated()} lists each operation). Results are identical
 * for any thread count: every output element is computed by one thread in a fixed order, and
 * weight-gradient sums over rows (norms, embeddings, gathers with repeated rows) are split by the
 * output they add into, never by the rows they sum. Adds, products, rotations, gradient sums over
 * rows and the AdamW update give the reference's bits; sums within a row (norm statistics, matmuls,
 * attention, softmax), Σg² (fixed blocks) and the vector exp and tanh (GELU, SwiGLU, cross-entropy)
 * differ from it by rounding only. Without the Vector API the norms and SwiGLU give the reference's
 * bits too.
 */
public final class CpuDevice extends ReferenceDevice {
    /** Below this many floats a second thread costs more than it saves. */
    static final int PARALLEL_MIN = 16_384;
    private final WorkerPool pool;
    private final Gemm gemm;
    private final boolean vector;
    private final int parallelMin;
    private final NormJob normJob;
    private final EmbeddingJob embeddingJob;
    private final ScatterAddJob scatterAddJob;
    private final RotaryJob rotaryJob;
    private final SwigluJob swigluJob;
    private final OptimizerJob optimizerJob;
    private final SpanMath math;
    private final GemmJob gemmJob = new GemmJob();
    private final AttentionJob attentionJob = new AttentionJob();
    private final CrossEntropyJob crossEntropyJob = new CrossEntropyJob();
    private final ElementwiseJob elementwiseJob = new ElementwiseJob();
    private final float[][] gemmScratch;
    private float[] packedB = new float[0];

    public CpuDevice(int threads) {
        this(threads, vectorApiPresent(), PARALLEL_MIN);
    }

    /**
     * For tests: vector false takes the scalar kernels even where the Vector API is present, and a
     * small parallelMin sends small calls to the threads too.
     */
    CpuDevice(int threads, boolean vector, int parallelMin) {
        if (vector && !vectorApiPresent()) {
            throw new IllegalArgumentException("the Vector API module jdk.incubator.vector is absent");
        }
        this.pool = new WorkerPool(threads);
        this.vector = vector;
        this.parallelMin = parallelMin;
        // VectorSpanMath is loaded only here, so a JVM without the module never touches it
        this.math = vector ? VectorSpanMath.INSTANCE : ScalarSpanMath.INSTANCE;
        this.normJob = new NormJob(math);
        this.embeddingJob = new EmbeddingJob(math);
        this.scatterAddJob = new ScatterAddJob(math);
        this.rotaryJob = new RotaryJob(math);
        this.swigluJob = new SwigluJob(math);
        this.optimizerJob = new OptimizerJob(math);
        this.gemm = new Gemm(vector ? new VectorKernel() : new Gemm.ScalarKernel());
        this.gemmScratch = new float[threads][gemm.scratchSize()];
    }

    /** Whether jdk.incubator.vector was added to the boot layer (--add-modules jdk.incubator.vector). */
    public static boolean vectorApiPresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    @Override
    public String describe() {
        return "cpu (" + pool.threads() + " thread" + (pool.threads() == 1 ? "" : "s") + ", "
                + gemm.describe() + ")";
    }

    /**
     * For each {@link org.grokcap.backend.Device} method, in the interface's order, where it runs:
     * "parallel+vector" (split across the threads, on Vector API lanes), "parallel" (split across the
     * threads, scalar Java: the Vector API is absent or the operation is a copy or fill), or "host" (no
     * computation: memory and bookkeeping). Attention takes the lanes only for head sizes that are a
     * multiple of the vector length.
     */
    public Map<String, String> accelerated() {
        String compute = vector ? "parallel+vector" : "parallel";
        Map<String, String> m = new LinkedHashMap<>();
        for (String op : new String[]{"describe", "floats", "ints", "toDevice", "toHost"}) {
            m.put(op, "host");
        }
        m.put("zero", "parallel");
        for (String op : new String[]{"embeddingForward", "embeddingBackward", "linearForward", "linearBackward",
                "attentionForward", "attentionBackward", "layerNormForward", "layerNormBackward",
                "activationForward", "activationBackward", "residualForward", "residualBackward", "rmsNormForward",
                "rmsNormBackward", "swigluForward", "swigluBackward", "rotaryForward", "rotaryBackward"}) {
            m.put(op, compute);
        }
        m.put("gatherRowsForward", "parallel");
        for (String op : new String[]{"gatherRowsBackward", "crossEntropyForward", "crossEntropyBackward",
                "sumOfSquares", "scale", "adamW"}) {
            m.put(op, compute);
        }
        m.put("close", "host");
        return m;
    }

    @Override
    public void linearForward(Buf out, Buf inp, Buf w, Buf bias, int N, int C, int OC) {
        // out (N,OC) = bias + inp (N,C) · Wᵀ (C,OC); Wᵀ is read straight from W by the packing
        GemmJob j = gemmJob;
        j.set(N, OC, C, inp.host(), inp.offset(), C, 1, w.host(), w.offset(), 1, C, out.host(), out.offset(), OC);
        j.init = true;
        j.initBias = bias == null ? null : bias.host();
        j.initBiasOff = bias == null ? 0 : bias.offset();
        runGemm(j);
    }

    @Override
    public void linearBackward(Buf dinp, Buf dw, Buf dbias, Buf dout, Buf inp, Buf w, int N, int C, int OC) {
        GemmJob j = gemmJob;
        if (dinp != null) {
            // dinp (N,C) += dout (N,OC) · W (OC,C)
            j.set(N, C, OC, dout.host(), dout.offset(), OC, 1, w.host(), w.offset(), C, 1, dinp.host(), dinp.offset(), C);
            runGemm(j);
        }
        // dW (OC,C) += doutᵀ (OC,N) · inp (N,C); the same pass sums doutᵀ's rows into dbias
        j.set(OC, C, N, dout.host(), dout.offset(), 1, OC, inp.host(), inp.offset(), C, 1, dw.host(), dw.offset(), C);
        j.rowSums = dbias == null ? null : dbias.host();
        j.rowSumsOff = dbias == null ? 0 : dbias.offset();
        runGemm(j);
    }

    /** Packs B (in parallel when it is big enough to pay for a dispatch), then runs the rows of C in parallel. */
    private void runGemm(GemmJob j) {
        int size = gemm.packedBSize(j.N, j.K);
        if (packedB.length < size) {
            packedB = new float[size];
        }
        j.packing = true;
        if ((long) j.N * j.K < 32_768) {
            j.run(0, 1);
        } else {
            pool.run(j);
        }
        j.packing = false;
        pool.run(j);
        j.clear();
    }

    @Override
    public void attentionForward(Buf out, Buf att, Buf qkv, IntBuf qRows, int NQ, int T, int C, int H, float scale) {
        AttentionJob j = attentionJob;
        j.set(false, out, null, att, qkv, null, qRows, NQ, T, C, H, scale);
        pool.run(j);
        j.clear();
    }

    @Override
    public void attentionBackward(Buf dqkv, Buf dout, Buf qkv, Buf att, IntBuf qRows, int NQ, int T, int C, int H,
                                  float scale) {
        AttentionJob j = attentionJob;
        j.set(true, null, dout, att, qkv, dqkv, qRows, NQ, T, C, H, scale);
        pool.run(j);
        j.clear();
    }

    @Override
    public void crossEntropyForward(Buf losses, Buf hits, Buf logits, IntBuf targets, int N, int V, boolean float64) {
        CrossEntropyJob j = crossEntropyJob;
        j.set(false, losses, hits, null, logits, targets, N, V, 0f, float64);
        pool.run(j);
        j.clear();
    }

    @Override
    public void crossEntropyBackward(Buf dlogits, Buf logits, IntBuf targets, int N, int V, float dlossScale,
                                     boolean float64) {
        CrossEntropyJob j = crossEntropyJob;
        j.set(true, null, null, dlogits, logits, targets, N, V, dlossScale, float64);
        pool.run(j);
        j.clear();
    }

    @Override
    public void embeddingForward(Buf out, IntBuf tokens, Buf wte, Buf wpe, int B, int T, int C) {
        embeddingJob.forward(out, tokens, wte, wpe, B, T, C);
        run(embeddingJob, (long) B * T * C);
        embeddingJob.clear();
    }

    @Override
    public void embeddingBackward(Buf dwte, Buf dwpe, Buf dout, IntBuf tokens, int B, int T, int C) {
        scatterAdd(dwte, dout, tokens, B * T, C);
        embeddingJob.positionsBackward(dwpe, dout, B, T, C);
        run(embeddingJob, (long) B * T * C);
        embeddingJob.clear();
    }

    @Override
    public void layerNormForward(Buf out, Buf mean, Buf rstd, Buf inp, Buf weight, Buf bias, int N, int C) {
        normJob.layerNormForward(out, mean, rstd, inp, weight, bias, N, C);
        run(normJob, (long) N * C);
        normJob.clear();
    }

    @Override
    public void layerNormBackward(Buf dinp, Buf dweight, Buf dbias, Buf dout, Buf inp, Buf weight, Buf mean,
                                  Buf rstd, int N, int C) {
        normJob.layerNormBackward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C);
        run(normJob, (long) N * C);
        normJob.clear();
    }

    @Override
    public void rmsNormForward(Buf out, Buf rstd, Buf inp, Buf weight, int N, int C) {
        normJob.rmsNormForward(out, rstd, inp, weight, N, C);
        run(normJob, (long) N * C);
        normJob.clear();
    }

    @Override
    public void rmsNormBackward(Buf dinp, Buf dweight, Buf dout, Buf inp, Buf weight, Buf rstd, int N, int C) {
        normJob.rmsNormBackward(dinp, dweight, dout, inp, weight, rstd, N, C);
        run(normJob, (long) N * C);
        normJob.clear();
    }

    @Override
    public void swigluForward(Buf out, Buf inp, int N, int M) {
        swigluJob.forward(out, inp, N, M);
        run(swigluJob, (long) N * M);
        swigluJob.clear();
    }

    @Override
    public void swigluBackward(Buf dinp, Buf inp, Buf dout, int N, int M) {
        swigluJob.backward(dinp, inp, dout, N, M);
        run(swigluJob, (long) N * M);
        swigluJob.clear();
    }

    @Override
    public void rotaryForward(Buf out, Buf inp, Buf cos, Buf sin, int N, int T, int C, int H) {
        rotaryJob.set(false, out, inp, cos, sin, N, T, C, H);
        run(rotaryJob, 3L * N * C);
        rotaryJob.clear();
    }

    @Override
    public void rotaryBackward(Buf dinp, Buf dout, Buf cos, Buf sin, int N, int T, int C, int H) {
        rotaryJob.set(true, dinp, dout, cos, sin, N, T, C, H);
        run(rotaryJob, 3L * N * C);
        rotaryJob.clear();
    }

    @Override
    public void gatherRowsBackward(Buf dinp, Buf dout, IntBuf rows, int R, int C) {
        scatterAdd(dinp, dout, rows, R, C);
    }

    /** dst[rows[r]] += src[r]; the inverse index that lets threads share repeated rows is built only for them. */
    private void scatterAdd(Buf dst, Buf src, IntBuf rows, int R, int C) {
        ScatterAddJob j = scatterAddJob;
        j.set(dst, src, rows, R, C);
        if (parallel((long) R * C)) {
            j.buildIndex();
            pool.run(j);
        } else {
            j.run(0, 1);
        }
        j.clear();
    }

    @Override
    public double sumOfSquares(Buf grads) {
        optimizerJob.sumOfSquares(grads);
        run(optimizerJob, grads.size());
        optimizerJob.clear();
        return optimizerJob.total();
    }

    @Override
    public void scale(Buf grads, float factor) {
        optimizerJob.scale(grads, factor);
        run(optimizerJob, grads.size());
        optimizerJob.clear();
    }

    @Override
    public void adamW(Buf params, Buf grads, Buf m, Buf v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, int step) {
        if (grads.offset() != params.offset() || m.offset() != params.offset() || v.offset() != params.offset()) {
            throw new IllegalArgumentException("AdamW needs params, grads and moments at the same offset");
        }
        optimizerJob.adamW(params.host(), grads.host(), m.host(), v.host(), params.offset(), params.size(), lr, beta1,
                beta2, eps, weightDecay, step);
        run(optimizerJob, 4L * params.size());
        optimizerJob.clear();
    }

    /** Whether a call touching this many floats is worth splitting across the threads. */
    private boolean parallel(long floats) {
        return pool.threads() > 1 && floats >= parallelMin;
    }

    /** Runs j split across the threads, or whole on this thread when the call is small. */
    private void run(WorkerPool.Job j, long floats) {
        if (parallel(floats)) {
            pool.run(j);
        } else {
            j.run(0, 1);
        }
    }

    @Override
    public void zero(Buf b) {
        elementwise(ElementwiseJob.ZERO, b, null, null, b.size(), 1);
    }

    @Override
    public void activationForward(Activation kind, Buf out, Buf inp, int n) {
        elementwise(kind == Activation.RELU ? ElementwiseJob.RELU_FORWARD : ElementwiseJob.GELU_FORWARD, out, inp, null, n, 1);
    }

    @Override
    public void activationBackward(Activation kind, Buf dinp, Buf inp, Buf dout, int n) {
        elementwise(kind == Activation.RELU ? ElementwiseJob.RELU_BACKWARD : ElementwiseJob.GELU_BACKWARD, dinp, inp, dout, n, 1);
    }

    @Override
    public void residualForward(Buf out, Buf a, Buf b, int n) {
        elementwise(ElementwiseJob.RESIDUAL_FORWARD, out, a, b, n, 1);
    }

    @Override
    public void residualBackward(Buf da, Buf db, Buf dout, int n) {
        elementwise(ElementwiseJob.RESIDUAL_BACKWARD, da, db, dout, n, 1);
    }

    @Override
    public void gatherRowsForward(Buf out, Buf inp, IntBuf rows, int R, int C) {
        elementwiseJob.rows = rows;
        elementwise(ElementwiseJob.GATHER_FORWARD, out, inp, null, R, C);
    }

    private void elementwise(int kind, Buf x, Buf y, Buf z, int n, int width) {
        ElementwiseJob j = elementwiseJob;
        j.kind = kind;
        j.x = x;
        j.y = y;
        j.z = z;
        j.n = n;
        j.width = width;
        run(j, (long) n * width);
        j.x = j.y = j.z = null;
        j.rows = null;
    }

    @Override
    public void close() {
        pool.close();
    }

    /**
     * One matmul: first B's panels are packed (split by panel), then C is computed (split by rows, in
     * multiples of the micro-kernel's height); optionally C starts at the bias (or 0), optionally A's
     * rows are summed.
     */
    private final class GemmJob implements WorkerPool.Job {
        int M, N, K, aOff, aRow, aCol, bOff, bRow, bCol, cOff, ldc, initBiasOff, rowSumsOff;
        float[] a, b, c, initBias, rowSums;
        boolean init, packing;

        void set(int M, int N, int K, float[] a, int aOff, int aRow, int aCol, float[] b, int bOff, int bRow, int bCol,
                 float[] c, int cOff, int ldc) {
            this.M = M;
            this.N = N;
            this.K = K;
            this.a = a;
            this.aOff = aOff;
            this.aRow = aRow;
            this.aCol = aCol;
            this.b = b;
            this.bOff = bOff;
            this.bRow = bRow;
            this.bCol = bCol;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
        }

        void clear() {
            a = b = c = initBias = rowSums = null;
            init = false;
        }

        @Override
        public void run(int part, int parts) {
            if (packing) {
                int panels = gemm.panels(N);
                gemm.packB(packedB, (int) ((long) panels * part / parts), (int) ((long) panels * (part + 1) / parts),
                        N, K, b, bOff, bRow, bCol);
                return;
            }
            int from = rowBoundary(part, parts);
            int to = rowBoundary(part + 1, parts);
            if (from >= to) {
                return;
            }
            if (init) {
                for (int i = from; i < to; i++) {
                    int ci = cOff + i * ldc;
                    if (initBias == null) {
                        java.util.Arrays.fill(c, ci, ci + N, 0f);
                    } else {
                        System.arraycopy(initBias, initBiasOff, c, ci, N);
                    }
                }
            }
            float[] scratch = gemmScratch[part];
            if (rowSums != null) {
                sumRows(from, to, scratch);
            }
            gemm.multiplyAdd(from, to, N, K, a, aOff, aRow, aCol, packedB, c, cOff, ldc, scratch);
        }

        /**
         * rowSums[i] += Σ_k A[i][k] for rows [from, to), each sum taken k = 0, 1, … in a partial sum. The
         * k loop is outside so that A = doutᵀ is read along dout's rows; scratch holds the partial sums.
         */
        private void sumRows(int from, int to, float[] scratch) {
            for (int i0 = from; i0 < to; i0 += scratch.length) {
                int n = Math.min(scratch.length, to - i0);
                java.util.Arrays.fill(scratch, 0, n, 0f);
                for (int k = 0; k < K; k++) {
                    int ak = aOff + i0 * aRow + k * aCol;
                    for (int i = 0; i < n; i++) {
                        scratch[i] += a[ak + i * aRow];
                    }
                }
                for (int i = 0; i < n; i++) {
                    rowSums[rowSumsOff + i0 + i] += scratch[i];
                }
            }
        }

        private int rowBoundary(int part, int parts) {
            if (part == parts) {
                return M;
            }
            int tiles = (M + Gemm.MR - 1) / Gemm.MR;
            return Math.min(M, (int) ((long) tiles * part / parts) * Gemm.MR);
        }
    }

    /** Elementwise kernels (and row gathers) split into contiguous ranges of n items of width floats. */
    private final class ElementwiseJob implements WorkerPool.Job {
        static final int ZERO = 0;
        static final int RELU_FORWARD = 1;
        static final int RELU_BACKWARD = 2;
        static final int GELU_FORWARD = 3;
        static final int GELU_BACKWARD = 4;
        static final int RESIDUAL_FORWARD = 5;
        static final int RESIDUAL_BACKWARD = 6;
        static final int GATHER_FORWARD = 7;
        int kind, n, width;
        Buf x, y, z;
        IntBuf rows;

        @Override
        public void run(int part, int parts) {
            int from = boundary(part, parts);
            int len = boundary(part + 1, parts) - from;
            switch (kind) {
                case ZERO -> java.util.Arrays.fill(x.host(), x.offset() + from, x.offset() + from + len, 0f);
                case RELU_FORWARD -> {
                    if (vector) {
                        VectorKernels.reluForward(x.host(), x.offset() + from, y.host(), y.offset() + from, len);
                    } else {
                        Relu.forward(x.host(), x.offset() + from, y.host(), y.offset() + from, len);
                    }
                }
                case RELU_BACKWARD -> {
                    if (vector) {
                        VectorKernels.reluBackward(x.host(), x.offset() + from, y.host(), y.offset() + from,
                                z.host(), z.offset() + from, len);
                    } else {
                        Relu.backward(x.host(), x.offset() + from, y.host(), y.offset() + from,
                                z.host(), z.offset() + from, len);
                    }
                }
                case GELU_FORWARD -> {
                    if (vector) {
                        VectorKernels.geluForward(x.host(), x.offset() + from, y.host(), y.offset() + from, len);
                    } else {
                        Gelu.forward(x.host(), x.offset() + from, y.host(), y.offset() + from, len);
                    }
                }
                case GELU_BACKWARD -> {
                    if (vector) {
                        VectorKernels.geluBackward(x.host(), x.offset() + from, y.host(), y.offset() + from,
                                z.host(), z.offset() + from, len);
                    } else {
                        Gelu.backward(x.host(), x.offset() + from, y.host(), y.offset() + from,
                                z.host(), z.offset() + from, len);
                    }
                }
                case RESIDUAL_FORWARD -> math.add(x.host(), x.offset() + from, y.host(), y.offset() + from,
                        z.host(), z.offset() + from, len);
                case RESIDUAL_BACKWARD -> {
                    math.addTo(x.host(), x.offset() + from, z.host(), z.offset() + from, len);
                    math.addTo(y.host(), y.offset() + from, z.host(), z.offset() + from, len);
                }
                case GATHER_FORWARD -> GatherRows.forward(x.host(), x.offset() + from * width, y.host(), y.offset(),
                        rows.host(), rows.offset() + from, len, width);
                default -> throw new IllegalStateException("unknown elementwise job " + kind);
            }
        }

        /**
         * Start of a part, a multiple of 64 items: the vector kernels then cover the same elements with
         * lanes, and the same last few with their scalar tail, however many parts there are.
         */
        private int boundary(int part, int parts) {
            return part == parts ? n : (int) ((long) n * part / parts) & ~63;
        }
    }

    /**
     * Attention split into contiguous ranges of query rows. A range never splits a sequence, because
     * the backward pass adds into the keys and values of the whole sequence; query rows come sorted by
     * sequence (all rows, or the target rows in order).
     */
    private final class AttentionJob implements WorkerPool.Job {
        boolean backward;
        Buf out, dout, att, qkv, dqkv;
        IntBuf qRows;
        int NQ, T, C, H;
        float scale;

        void set(boolean backward, Buf out, Buf dout, Buf att, Buf qkv, Buf dqkv, IntBuf qRows,
                 int NQ, int T, int C, int H, float scale) {
            this.backward = backward;
            this.out = out;
            this.dout = dout;
            this.att = att;
            this.qkv = qkv;
            this.dqkv = dqkv;
            this.qRows = qRows;
            this.NQ = NQ;
            this.T = T;
            this.C = C;
            this.H = H;
            this.scale = scale;
        }

        void clear() {
            out = dout = att = qkv = dqkv = null;
            qRows = null;
        }

        /** First query of this part, moved forward so that it starts a sequence. */
        private int boundary(int part, int parts) {
            int r = (int) ((long) NQ * part / parts);
            if (r == 0 || r >= NQ) {
                return r;
            }
            int[] q = qRows.host();
            int o = qRows.offset();
            int seq = q[o + r - 1] / T;
            while (r < NQ && q[o + r] / T == seq) {
                r++;
            }
            return r;
        }

        @Override
        public void run(int part, int parts) {
            int from = boundary(part, parts);
            int n = boundary(part + 1, parts) - from;
            if (n <= 0) {
                return;
            }
            Attention.HeadMath m = vector && VectorKernels.attentionFits(C, H) ? VectorKernels.HEAD_MATH : Attention.SCALAR;
            if (backward) {
                Attention.backward(dqkv.host(), dqkv.offset(), dout.host(), dout.offset() + from * C,
                        qkv.host(), qkv.offset(), att.host(), att.offset() + from * H * T,
                        qRows.host(), qRows.offset() + from, n, T, C, H, scale, m);
            } else {
                Attention.forward(out.host(), out.offset() + from * C, att.host(), att.offset() + from * H * T,
                        qkv.host(), qkv.offset(), qRows.host(), qRows.offset() + from, n, T, C, H, scale, m);
            }
        }
    }

    /** Cross-entropy split into contiguous ranges of rows; rows are independent. */
    private final class CrossEntropyJob implements WorkerPool.Job {
        boolean backward;
        Buf losses, hits, dlogits, logits;
        IntBuf targets;
        int N, V;
        float dlossScale;
        boolean float64;

        void set(boolean backward, Buf losses, Buf hits, Buf dlogits, Buf logits, IntBuf targets, int N, int V,
                 float dlossScale, boolean float64) {
            this.backward = backward;
            this.losses = losses;
            this.hits = hits;
            this.dlogits = dlogits;
            this.logits = logits;
            this.targets = targets;
            this.N = N;
            this.V = V;
            this.dlossScale = dlossScale;
            this.float64 = float64;
        }

        private CrossEntropy.RowMath rowMath() {
            return vector ? VectorKernels.ROW_MATH : CrossEntropy.SCALAR;
        }

        void clear() {
            losses = hits = dlogits = logits = null;
            targets = null;
        }

        @Override
        public void run(int part, int parts) {
            int from = (int) ((long) N * part / parts);
            int n = (int) ((long) N * (part + 1) / parts) - from;
            if (n <= 0) {
                return;
            }
            if (backward) {
                CrossEntropy.backward(dlogits.host(), dlogits.offset() + from * V, logits.host(),
                        logits.offset() + from * V, targets.host(), targets.offset() + from, n, V, dlossScale, float64,
                        rowMath());
            } else {
                CrossEntropy.forward(losses.host(), losses.offset() + from, hits.host(), hits.offset() + from,
                        logits.host(), logits.offset() + from * V, targets.host(), targets.offset() + from, n, V,
                        float64, rowMath());
            }
        }
    }
}
