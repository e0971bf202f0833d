package org.grokcap.backend.cpu;

import org.grokcap.backend.Buf;
import org.grokcap.backend.IntBuf;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.kernels.Attention;
import org.grokcap.kernels.CrossEntropy;
import org.grokcap.kernels.GatherRows;
import org.grokcap.kernels.Gelu;
import org.grokcap.kernels.Relu;
import org.grokcap.kernels.Activation;

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
    private final GemmProvider gemm;
    private final boolean vector;
    private final ColumnSumsJob columnSumsJob = new ColumnSumsJob();
    private final int parallelMin;
    private final NormJob normJob;
    private final EmbeddingJob embeddingJob;
    private final ScatterAddJob scatterAddJob;
    private final RotaryJob rotaryJob;
    private final SwigluJob swigluJob;
    private final OptimizerJob optimizerJob;
    private final SpanMath math;
    private final AttentionJob attentionJob = new AttentionJob();
    private final CrossEntropyJob crossEntropyJob = new CrossEntropyJob();
    private final ElementwiseJob elementwiseJob = new ElementwiseJob();

    /** A device on the matmul {@link GemmProviders#choose()} picks. */
    public CpuDevice(int threads) {
        this(threads, GemmProviders.choose());
    }

    /** A device on the given matmul. */
    public CpuDevice(int threads, GemmProvider gemm) {
        this(threads, gemm, vectorApiPresent(), PARALLEL_MIN);
    }

    /**
     * For tests: vector false takes the scalar kernels (the matmul included) even where the Vector API
     * is present, and a small parallelMin sends small calls to the threads too.
     */
    CpuDevice(int threads, boolean vector, int parallelMin) {
        this(threads, vector ? GemmProviders.choose() : new Gemm(new Gemm.ScalarKernel()), vector, parallelMin);
    }

    private CpuDevice(int threads, GemmProvider gemm, boolean vector, int parallelMin) {
        if (vector && !vectorApiPresent()) {
            throw new IllegalArgumentException("the Vector API module jdk.incubator.vector is absent");
        }
        this.pool = new WorkerPool(threads);
        this.vector = vector;
        this.parallelMin = parallelMin;
        this.gemm = gemm;
        // VectorSpanMath is loaded only here, so a JVM without the module never touches it
        this.math = vector ? VectorSpanMath.INSTANCE : ScalarSpanMath.INSTANCE;
        this.normJob = new NormJob(math);
        this.embeddingJob = new EmbeddingJob(math);
        this.scatterAddJob = new ScatterAddJob(math);
        this.rotaryJob = new RotaryJob(math);
        this.swigluJob = new SwigluJob(math);
        this.optimizerJob = new OptimizerJob(math);
    }

    /** Whether jdk.incubator.vector was added to the boot layer (--add-modules jdk.incubator.vector). */
    public static boolean vectorApiPresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    @Override
    public String describe() {
        return "cpu (" + pool.threads() + " thread" + (pool.threads() == 1 ? "" : "s") + ", matmul: "
                + gemm.describe() + ")";
    }

    /** The matmul this device runs. */
    public GemmProvider gemm() {
        return gemm;
    }

    /** The worker threads (for benchmarks that time a matmul on the same threads as training). */
    public WorkerPool pool() {
        return pool;
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
        for (String op : new String[]{"describe", "floats", "ints", "toDevice", "toHost", "toHostAtNextSync", "interleave", "sync"}) {
            m.put(op, "host");
        }
        m.put("zero", "parallel");
        // the matmul's own name: blas, vector or (plain Java) scalar
        String matmul = gemm.name().equals("scalar") ? "parallel" : "parallel+" + gemm.name();
        m.put("linearForward", matmul);
        m.put("linearBackward", matmul);
        for (String op : new String[]{"embeddingForward", "embeddingBackward",
                "attentionForward", "attentionForwardFromTable", "attentionBackwardFromTable", "attentionBackward", "layerNormForward", "layerNormBackward",
                "activationForward", "activationBackward", "residualForward", "residualBackward", "rmsNormForward",
                "rmsNormBackward", "swigluForward", "swigluBackward", "rotaryForward", "rotaryBackward"}) {
            m.put(op, compute);
        }
        m.put("gatherRowsForward", "parallel");
        for (String op : new String[]{"gatherRowsBackward", "crossEntropyForward", "crossEntropyBackward",
                "sumOfSquares", "scale"}) {
            m.put(op, compute);
        }
        m.put("lossTotals", "host"); // one pass over the rows' losses and hits, in double
        m.put("clipByGlobalNorm", compute); // sumOfSquares, then scale
        m.put("dot", "parallel"); // scalar Java: double sums and unfused products, like the reference
        m.put("axpy", "parallel");
        m.put("orthogonalize", "parallel"); // dot, sumOfSquares, axpy and scale
        m.put("adamW", compute);
        m.put("close", "host");
        return m;
    }

    @Override
    public void linearForward(Buf out, Buf inp, Buf w, Buf bias, int N, int C, int OC) {
        // out (N,OC) = bias + inp (N,C) · Wᵀ (C,OC), with W (OC,C) read as the transpose it is
        gemm.multiply(pool, N, OC, C, inp.host(), inp.offset(), false, w.host(), w.offset(), true,
                out.host(), out.offset(), false, bias == null ? null : bias.host(), bias == null ? 0 : bias.offset());
    }

    @Override
    public void linearBackward(Buf dinp, Buf dw, Buf dbias, Buf dout, Buf inp, Buf w, int N, int C, int OC) {
        if (dinp != null) {
            // dinp (N,C) += dout (N,OC) · W (OC,C)
            gemm.multiply(pool, N, C, OC, dout.host(), dout.offset(), false, w.host(), w.offset(), false,
                    dinp.host(), dinp.offset(), true, null, 0);
        }
        // dW (OC,C) += doutᵀ (OC,N) · inp (N,C), with dout (N,OC) read as the transpose it is
        gemm.multiply(pool, OC, C, N, dout.host(), dout.offset(), true, inp.host(), inp.offset(), false,
                dw.host(), dw.offset(), true, null, 0);
        if (dbias != null) {
            // dbias (OC) += Σ_n dout[n]
            ColumnSumsJob j = columnSumsJob;
            j.set(dbias, dout, N, OC);
            run(j, (long) N * OC);
            j.clear();
        }
    }

    @Override
    public void attentionForward(Buf out, Buf att, Buf qkv, IntBuf qRows, int NQ, int T, int C, int H, float scale) {
        attention(false, out, null, att, qkv, null, null, qRows, NQ, T, C, H, scale);
    }

    @Override
    public void attentionBackward(Buf dqkv, Buf dout, Buf qkv, Buf att, IntBuf qRows, int NQ, int T, int C, int H,
                                  float scale) {
        attention(true, null, dout, att, qkv, dqkv, null, qRows, NQ, T, C, H, scale);
    }

    /**
     * On vector lanes, q|k|v are read from the table through the row map in place (the gather of N rows
     * of 3C floats was the memory traffic of the grokking model's epoch); qkv is left unwritten.
     */
    @Override
    public void attentionForwardFromTable(Buf out, Buf att, Buf qkv, Buf table, IntBuf rows, IntBuf qRows,
                                          int N, int NQ, int T, int C, int H, float scale) {
        if (!(vector && VectorAttention.fits(C, H))) {
            super.attentionForwardFromTable(out, att, qkv, table, rows, qRows, N, NQ, T, C, H, scale);
            return;
        }
        attention(false, out, null, att, table, null, rows, qRows, NQ, T, C, H, scale);
    }

    @Override
    public void attentionBackwardFromTable(Buf dqkv, Buf dout, Buf qkv, Buf table, IntBuf rows, Buf att,
                                           IntBuf qRows, int NQ, int T, int C, int H, float scale) {
        if (!(vector && VectorAttention.fits(C, H))) {
            super.attentionBackwardFromTable(dqkv, dout, qkv, table, rows, att, qRows, NQ, T, C, H, scale);
            return;
        }
        attention(true, null, dout, att, table, dqkv, rows, qRows, NQ, T, C, H, scale);
    }

    /** One attention pass on the threads; rowMap (nullable) maps the grid's rows to rows of qkv. */
    private void attention(boolean backward, Buf out, Buf dout, Buf att, Buf qkv, Buf dqkv, IntBuf rowMap,
                           IntBuf qRows, int NQ, int T, int C, int H, float scale) {
        AttentionJob j = attentionJob;
        j.set(backward, out, dout, att, qkv, dqkv, qRows, NQ, T, C, H, scale);
        j.rowMap = rowMap;
        pool.run(j);
        j.clear();
    }

    @Override
    public void crossEntropyForward(Buf losses, Buf hits, Buf logits, IntBuf targets, int N, int V,
                                    CrossEntropy.Loss loss) {
        CrossEntropyJob j = crossEntropyJob;
        j.set(false, losses, hits, null, logits, targets, N, V, 0f, loss);
        pool.run(j);
        j.clear();
    }

    @Override
    public void crossEntropyBackward(Buf dlogits, Buf logits, IntBuf targets, int N, int V, float dlossScale,
                                     CrossEntropy.Loss loss) {
        CrossEntropyJob j = crossEntropyJob;
        j.set(true, null, null, dlogits, logits, targets, N, V, dlossScale, loss);
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
    public double dot(Buf a, Buf b) {
        Buf.requireSameSize(a, b);
        optimizerJob.dot(a, b);
        run(optimizerJob, 2L * a.size());
        optimizerJob.clear();
        return optimizerJob.total();
    }

    @Override
    public void axpy(Buf y, float alpha, Buf x) {
        Buf.requireSameSize(y, x);
        optimizerJob.axpy(y, alpha, x);
        run(optimizerJob, 2L * y.size());
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
     * dst[j] += Σ_n src[n][j] for columns j of src (N, W), split by 64-column ranges: each column is one
     * thread's, summed n = 0, 1, … into a partial sum that starts at 0 (the order of the reference
     * kernel), lane by lane when the Vector API is present (lanes are columns, so the order is the same).
     */
    private final class ColumnSumsJob implements WorkerPool.Job {
        Buf dst, src;
        int N, W;

        void set(Buf dst, Buf src, int N, int W) {
            this.dst = dst;
            this.src = src;
            this.N = N;
            this.W = W;
        }

        void clear() {
            dst = src = null;
        }

        @Override
        public void run(int part, int parts) {
            int from = part == 0 ? 0 : (int) ((long) W * part / parts) & ~63;
            int to = part + 1 == parts ? W : (int) ((long) W * (part + 1) / parts) & ~63;
            if (from >= to) {
                return;
            }
            if (vector) {
                VectorKernels.addColumnSums(dst.host(), dst.offset(), src.host(), src.offset(), N, W, from, to);
            } else {
                float[] d = dst.host();
                float[] x = src.host();
                for (int j = from; j < to; j++) {
                    float sum = 0f;
                    for (int n = 0, i = src.offset() + j; n < N; n++, i += W) {
                        sum += x[i];
                    }
                    d[dst.offset() + j] += sum;
                }
            }
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
        IntBuf rowMap; // null: qkv is in the grid's layout; else row r of the grid is qkv row rowMap[r]
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
            if (scratch.length < pool.threads() || scratch[0].length < T) {
                scratch = new float[pool.threads()][T]; // grown on the calling thread, before the parts run
            }
        }

        void clear() {
            out = dout = att = qkv = dqkv = null;
            qRows = rowMap = null;
        }

        /** Per part, T floats: the per-key gradients of one query and head in the backward pass. */
        private float[][] scratch = new float[0][];

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
            boolean lanes = vector && VectorAttention.fits(C, H);
            int[] map = rowMap == null ? null : rowMap.host();
            int mapOff = rowMap == null ? 0 : rowMap.offset();
            if (backward && lanes) {
                VectorAttention.backward(dqkv.host(), dqkv.offset(), dout.host(), dout.offset() + from * C,
                        qkv.host(), qkv.offset(), map, mapOff, att.host(), att.offset() + from * H * T,
                        qRows.host(), qRows.offset() + from, n, T, C, H, scale, scratch[part]);
            } else if (backward) {
                Attention.backward(dqkv.host(), dqkv.offset(), dout.host(), dout.offset() + from * C,
                        qkv.host(), qkv.offset(), att.host(), att.offset() + from * H * T,
                        qRows.host(), qRows.offset() + from, n, T, C, H, scale);
            } else if (lanes) {
                VectorAttention.forward(out.host(), out.offset() + from * C, att.host(), att.offset() + from * H * T,
                        qkv.host(), qkv.offset(), map, mapOff, qRows.host(), qRows.offset() + from, n, T, C, H, scale);
            } else {
                Attention.forward(out.host(), out.offset() + from * C, att.host(), att.offset() + from * H * T,
                        qkv.host(), qkv.offset(), qRows.host(), qRows.offset() + from, n, T, C, H, scale);
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
        CrossEntropy.Loss loss;

        void set(boolean backward, Buf losses, Buf hits, Buf dlogits, Buf logits, IntBuf targets, int N, int V,
                 float dlossScale, CrossEntropy.Loss loss) {
            this.backward = backward;
            this.losses = losses;
            this.hits = hits;
            this.dlogits = dlogits;
            this.logits = logits;
            this.targets = targets;
            this.N = N;
            this.V = V;
            this.dlossScale = dlossScale;
            this.loss = loss;
        }

        private CrossEntropy.RowMath rowMath() {
            return vector ? VectorKernels.ROW_MATH : CrossEntropy.SCALAR;
        }

        void clear() {
            losses = hits = dlogits = logits = null;
            targets = null;
            loss = null;
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
                        logits.offset() + from * V, targets.host(), targets.offset() + from, n, V, dlossScale, loss,
                        rowMath());
            } else {
                CrossEntropy.forward(losses.host(), losses.offset() + from, hits.host(), hits.offset() + from,
                        logits.host(), logits.offset() + from * V, targets.host(), targets.offset() + from, n, V,
                        loss, rowMath());
            }
        }
    }
}
