package org.grokcap.tornado;

import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.backend.IntBuf;
import org.grokcap.backend.LossTotals;
import org.grokcap.kernels.Activation;
import org.grokcap.kernels.CrossEntropy;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Device} that records the model's kernel calls into TornadoVM task graphs once and replays
 * them (docs/gpu-tornadovm.md, "How a step is recorded").
 *
 * <p><b>Memory.</b> Every tensor lives in one of two arenas, a {@link FloatArray} and an
 * {@link IntArray}, at an offset fixed when its host array is first seen. Both arenas stay on the
 * device: every task graph consumes them from the graph executed before it and persists them for
 * the next. The host arrays of {@link Buf}s are only copies, updated by {@link #toHost}.
 *
 * <p><b>Segments.</b> Calls are recorded, not run, until the host needs a value: {@link #toHost},
 * {@link #sync} (reading {@link LossTotals}), and {@link #dot} or {@link #sumOfSquares} end a segment.
 * A training step needs none before its end (loss totals, clipping, ⊥Grad and the AdamW skip flag all
 * stay on the device: docs/gpu-tornadovm.md, "How a step is recorded"), so it is one segment.
 * A segment's key is its sequence of calls with every size and offset; the first time a key is
 * seen, its calls become one {@link TaskGraph} (several, of at most {@link #MAX_TASKS} calls each,
 * for a long segment), and the execution plan is rebuilt with every graph known so far; afterwards
 * the same key replays them. Only {@link #toDevice} data (the batch, taken when the call is made)
 * goes in, through a small staging array per graph, and only what {@link #toHost} asks for, the
 * loss totals and the sums of {@link #dot} come out. Values that change every step without changing
 * its shape (learning rate, bias corrections) travel in a small per-graph array of hyper-parameters.
 *
 * <p>A new key (the first step, the first evaluation batch, a last short minibatch) costs a
 * rebuild: both arenas come back to the host, and the new plan, with all graphs, sends them back.
 * That happens a few times per run, not per step.
 */
public final class TornadoDevice implements Device {
    private static final AtomicInteger PLANS = new AtomicInteger();

    private final uk.ac.manchester.tornado.api.common.TornadoDevice target;
    private final String prefix = "grokcap" + PLANS.incrementAndGet() + "_";
    /** The work-item ids of the KernelContext kernels (the tiled matmul). */
    private final KernelContext context = new KernelContext();

    // arena layout: each host root array at a base offset of its arena
    private final IdentityHashMap<float[], Integer> floatBase = new IdentityHashMap<>();
    private final List<float[]> floatRoots = new ArrayList<>();
    private final IdentityHashMap<int[], Integer> intBase = new IdentityHashMap<>();
    private final List<int[]> intRoots = new ArrayList<>();
    private int floatSize;
    private int intSize;
    private FloatArray arena;
    private IntArray intArena;

    // the segment being recorded
    private final List<Call> pending = new ArrayList<>();
    private final StringBuilder key = new StringBuilder();
    private int inFloats;
    private int inInts;
    private int outFloats;
    private int hyper;

    /** Each recorded segment's graphs, in order (one unless it has more than MAX_TASKS calls). */
    private final Map<String, List<Segment>> segments = new HashMap<>();
    private final List<Segment> order = new ArrayList<>();
    private TornadoExecutionPlan plan;
    private int downloadGraph;
    private long executions;
    private int rebuilds;
    /** The result of the last {@link #dot} (or sumOfSquares), read back by its op. */
    private double lastSum;

    /** @param target the TornadoVM device to run on */
    public TornadoDevice(uk.ac.manchester.tornado.api.common.TornadoDevice target) {
        this.target = target;
    }

    @Override
    public String describe() {
        return "tornado: " + target.getPhysicalDevice().getDeviceName().trim() + " (" + target.getPlatformName().trim() + ", "
                + target.getTornadoVMBackend() + "), task graphs recorded once and replayed";
    }

    /** Task graphs recorded so far (one per distinct segment). */
    public int graphs() {
        return order.size();
    }

    /** Graph executions so far (replays included). */
    public long executions() {
        return executions;
    }

    /** Times the execution plan was rebuilt for a new segment. */
    public int rebuilds() {
        return rebuilds;
    }

    // ---- recording ----------------------------------------------------------------------------

    /** One recorded call: how it becomes a task, and what it moves between host and staging arrays. */
    private interface Op {
        void emit(TaskGraph g, String id, TornadoDevice d, Segment s);

        default void before(Segment s) {}

        default void after(Segment s) {}
    }

    /**
     * The work-items a task runs on, always an explicit grid. A kernel with a {@code @Parallel} loop has
     * one such loop (TornadoKernels' class comment says why) and runs on a one-dimensional grid of exactly
     * the loop's size x: TornadoVM then takes the loop's bound from the grid. The work-group is the
     * largest divisor of x up to 64 work-items, since OpenCL 1.2 wants whole work-groups. The tiled
     * matmul ({@link TornadoKernels#gemm}, a KernelContext kernel that names its dimensions itself) runs
     * TILE × TILE work-groups, one per 32 × 32 block of C (x rows, y columns), columns along the first
     * dimension.
     */
    record Grid(int x, int y, boolean tiles) {
        private static final int LOCAL_1D = 64;

        static Grid of(int x) {
            return new Grid(Math.max(1, x), 0, false);
        }

        /** The grid of {@link TornadoKernels#gemm} for C (M,N). */
        static Grid gemm(int M, int N) {
            return new Grid(Math.max(1, M), Math.max(1, N), true);
        }

        WorkerGrid worker() {
            if (tiles) {
                int t = TornadoKernels.TILE;
                int out = t * TornadoKernels.BLOCK;
                WorkerGrid g = new WorkerGrid2D((y + out - 1) / out * t, (x + out - 1) / out * t);
                g.setLocalWork(t, t, 1);
                return g;
            }
            WorkerGrid g = new WorkerGrid1D(x);
            g.setLocalWork(divisorUpTo(x, LOCAL_1D), 1, 1);
            return g;
        }

        /** The largest divisor of n that is at most max. */
        static int divisorUpTo(int n, int max) {
            for (int d = Math.min(n, max); d > 1; d--) {
                if (n % d == 0) {
                    return d;
                }
            }
            return 1;
        }
    }

    /** A recorded call with its task name (operation and layer) and its grid. */
    private record Call(String name, Grid grid, Op op) {}

    private void record(String name, Grid grid, String k, Op op) {
        key.append(k).append(';');
        pending.add(new Call(name, grid, op));
    }

    /**
     * A tensor's name as task names use it: the arena prefix ({@code acts:}, {@code params:}) dropped and
     * {@code layers.3.} shortened to {@code layer3.}; prefix goes in front.
     */
    static String label(String prefix, Buf b) {
        return prefix + shortName(b.name());
    }

    private static String label(String prefix, IntBuf b) {
        return prefix + shortName(b.name());
    }

    private static String shortName(String name) {
        String n = name.substring(name.lastIndexOf(':') + 1).replaceAll("^layers\\.(\\d+)\\.", "layer$1.");
        int dot = n.startsWith("layer") ? n.indexOf('.') + 1 : 0;
        return n.substring(0, dot) + ACTIVATIONS.getOrDefault(n.substring(dot), n.substring(dot));
    }

    /** The model's short activation names as its debugging outputs spell them. */
    private static final Map<String, String> ACTIVATIONS = Map.ofEntries(Map.entry("encoded", "embedding"),
            Map.entry("qkv", "attn.qkv"), Map.entry("qkv.rotated", "attn.rotary"), Map.entry("att", "attn.probabilities"),
            Map.entry("atty", "attn.mix"), Map.entry("attproj", "attn.proj"), Map.entry("xg", "rows"),
            Map.entry("x2", "attn.residual"), Map.entry("fch", "mlp.fc"), Map.entry("fca", "mlp.activation"),
            Map.entry("fcp", "mlp.proj"), Map.entry("x3", "mlp.residual"));

    /** A parameter's name without {@code .weight}: {@code layer0.attn.qkv}, {@code unembed}, {@code lnf}. */
    static String base(Buf weight) {
        String n = shortName(weight.name());
        return n.endsWith(".weight") ? n.substring(0, n.length() - ".weight".length()) : n;
    }

    /** The {@code layerN.} a tensor belongs to, or "" for one outside the layers. */
    static String layer(Buf b) {
        String n = shortName(b.name());
        return n.matches("^layer\\d+\\..*") ? n.substring(0, n.indexOf('.') + 1) : "";
    }

    /** A call's signature in the segment key: its name and every offset, size and scalar it was given. */
    private static String key(String name, Object... values) {
        StringBuilder b = new StringBuilder(name);
        for (int i = 0; i < values.length; i++) {
            b.append(i == 0 ? "" : ",").append(values[i]);
        }
        return b.toString();
    }

    private int at(Buf b) {
        Integer base = floatBase.get(b.host());
        if (base == null) {
            base = floatSize;
            floatBase.put(b.host(), base);
            floatRoots.add(b.host());
            floatSize = Math.addExact(floatSize, b.host().length);
        }
        return base + b.offset();
    }

    private int at(IntBuf b) {
        Integer base = intBase.get(b.host());
        if (base == null) {
            base = intSize;
            intBase.put(b.host(), base);
            intRoots.add(b.host());
            intSize = Math.addExact(intSize, b.host().length);
        }
        return base + b.offset();
    }

    /*
     * What goes in is copied when the call is made, not when its segment runs: the host may rewrite a
     * buffer before then (the next batch loaded for evaluation after a backward pass), and each call must
     * see the values of its own time, as on a device that runs calls at once.
     */

    @Override
    public void toDevice(Buf buf) {
        if (buf.size() == 0) {
            return;
        }
        int off = at(buf);
        int n = buf.size();
        int slot = inFloats;
        inFloats += n;
        float[] values = Arrays.copyOfRange(buf.host(), buf.offset(), buf.offset() + n);
        record(label("in.", buf), Grid.of(n), key("in", off, n, slot), new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {
                g.task(id, TornadoKernels::copyIn, d.arena, off, s.inF, slot, n);
            }

            @Override
            public void before(Segment s) {
                for (int i = 0; i < n; i++) {
                    s.inF.set(slot + i, values[i]);
                }
            }
        });
    }

    @Override
    public void toDevice(IntBuf buf) {
        if (buf.size() == 0) {
            return;
        }
        int off = at(buf);
        int n = buf.size();
        int slot = inInts;
        inInts += n;
        int[] values = Arrays.copyOfRange(buf.host(), buf.offset(), buf.offset() + n);
        record(label("in.", buf), Grid.of(n), key("inI", off, n, slot), new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {
                g.task(id, TornadoKernels::copyInInts, d.intArena, off, s.inI, slot, n);
            }

            @Override
            public void before(Segment s) {
                for (int i = 0; i < n; i++) {
                    s.inI.set(slot + i, values[i]);
                }
            }
        });
    }

    @Override
    public void sync() {
        flush();
    }

    @Override
    public void toHost(Buf buf) {
        if (buf.size() == 0) {
            return;
        }
        toHostAtNextSync(buf);
        flush();
    }

    /** A download recorded with the calls: it runs, and buf's host copy is filled, at the next flush. */
    @Override
    public void toHostAtNextSync(Buf buf) {
        if (buf.size() == 0) {
            return;
        }
        int off = at(buf);
        int n = buf.size();
        int slot = outFloats;
        outFloats += n;
        record(label("out.", buf), Grid.of(n), key("out", off, n, slot), new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {
                g.task(id, TornadoKernels::copyOut, s.out, slot, d.arena, off, n);
            }

            @Override
            public void after(Segment s) {
                float[] dst = buf.host();
                int to = buf.offset();
                for (int i = 0; i < n; i++) {
                    dst[to + i] = s.out.get(slot + i);
                }
            }
        });
    }

    @Override
    public void zero(Buf b) {
        if (b.size() == 0) {
            return;
        }
        int off = at(b);
        int n = b.size();
        record(b.name().replace(':', '.') + ".zero", Grid.of(n), key("zero", off, n), (g, id, d, s) -> g.task(id, TornadoKernels::zero, d.arena, off, n));
    }

    // ---- kernels ------------------------------------------------------------------------------

    @Override
    public void embeddingForward(Buf out, IntBuf tokens, Buf wte, Buf wpe, int B, int T, int C) {
        int o = at(out);
        int tk = at(tokens);
        int e = at(wte);
        int p = at(wpe);
        int n = B * T * C;
        record("embedding.forward", Grid.of(n), key("embF", o, tk, e, p, n, T, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::embeddingForward, d.arena, d.intArena, o, tk, e, p, n, T, C));
    }

    @Override
    public void embeddingBackward(Buf dwte, Buf dwpe, Buf dout, IntBuf tokens, int B, int T, int C) {
        int e = at(dwte);
        int p = at(dwpe);
        int d0 = at(dout);
        int V = dwte.size() / C;
        int bt = B * T;
        int slot = inverseIndex(tokens, bt, V);
        record("embedding.backward.tokens", Grid.of(V * C), key("embBT", e, d0, slot, V, bt, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::gatherRowsBackward, d.arena, s.inI, slot, e, d0, V, C));
        record("embedding.backward.positions", Grid.of(T * C), key("embBP", p, d0, B, T, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::embeddingBackwardPositions, d.arena, p, d0, B, T, C));
    }

    /**
     * Reserves staging ints for the inverse of rows[0, R) (destinations 0..D−1) and returns their slot.
     * The index is built on the host from the rows' host copy now, when the call is made (the model
     * writes every int buffer on the host before {@link #toDevice}), O(R + D), and goes in with the
     * segment; not when the segment runs, since the host may have loaded another batch by then.
     */
    private int inverseIndex(IntBuf rows, int R, int D) {
        int slot = inInts;
        int[] idx = TornadoKernels.invertIndex(rows.host(), rows.offset(), R, D);
        inInts += idx.length;
        record("", null, key("inv", slot, R, D), new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {}

            @Override
            public void before(Segment s) {
                for (int i = 0; i < idx.length; i++) {
                    s.inI.set(slot + i, idx[i]);
                }
            }
        });
        return slot;
    }

    /** Scratch for two-stage reductions' parts, grown as needed. */
    private Buf reduceScratch;

    /** The arena offset of a reduction scratch of at least need floats. */
    private int reduceParts(int need) {
        if (reduceScratch == null || reduceScratch.size() < need) {
            reduceScratch = floats("tornado.reduce.parts", need);
        }
        return at(reduceScratch);
    }

    /** Parts of a two-stage column sum over N rows: up to 64, so a part has at least one row. */
    static int columnParts(int N) {
        return Math.max(1, Math.min(64, N));
    }

    @Override
    public void linearForward(Buf out, Buf inp, Buf w, Buf bias, int N, int C, int OC) {
        int o = at(out);
        int i = at(inp);
        int wo = at(w);
        int hasBias = bias == null ? 0 : 1;
        int bo = bias == null ? 0 : at(bias);
        // out (N,OC) = inp (N,C) · w (OC,C)ᵀ + bias
        int flags = TornadoKernels.B_T | (bias == null ? 0 : TornadoKernels.BIAS);
        int keyStart = key.length();
        String name = base(w) + ".forward";
        record(name, Grid.gemm(N, OC), key("linF", o, i, wo, bo, flags, N, C, OC),
                (g, id, d, s) -> g.task(id, TornadoKernels::gemm, d.context, d.arena, o, i, wo, bo, N, OC, C, flags, 0, 0));
        lastForward = new LinearForward(pending.get(pending.size() - 1), keyStart, name, o, i, wo, bo, flags, N, C, OC);
    }

    /** The last linear forward pass recorded, which the call right after it may fuse into its epilogue. */
    private record LinearForward(Call call, int keyStart, String name, int o, int i, int wo, int bo, int flags, int N,
                                 int C, int OC) {}

    private LinearForward lastForward;
    private long fused;

    /** Calls recorded as a matmul's epilogue instead of a task of their own, so far. */
    long fusedEpilogues() {
        return fused;
    }

    /**
     * Replaces the linear forward pass recorded just before, if its output is inp of n elements, by one
     * that also writes the epilogue (an activation of its output, or a residual add) at epiOff; true if
     * it did. One pass over the output fewer; the output itself is still written.
     */
    private boolean fuseIntoLastForward(int inp, int n, int epilogue, String what, int epiOff, int resOff) {
        LinearForward f = lastForward;
        if (f == null || pending.isEmpty() || pending.get(pending.size() - 1) != f.call() || f.o() != inp
                || n != f.N() * f.OC()) {
            return false;
        }
        pending.remove(pending.size() - 1);
        key.setLength(f.keyStart());
        lastForward = null;
        fused++;
        int flags = f.flags() | epilogue;
        record(f.name() + "." + what, Grid.gemm(f.N(), f.OC()),
                key("linF", f.o(), f.i(), f.wo(), f.bo(), flags, f.N(), f.C(), f.OC(), epiOff, resOff),
                (g, id, d, s) -> g.task(id, TornadoKernels::gemm, d.context, d.arena, f.o(), f.i(), f.wo(), f.bo(),
                        f.N(), f.OC(), f.C(), flags, epiOff, resOff));
        return true;
    }

    @Override
    public void linearBackward(Buf dinp, Buf dw, Buf dbias, Buf dout, Buf inp, Buf w, int N, int C, int OC) {
        int dwo = at(dw);
        int d0 = at(dout);
        int i = at(inp);
        int wo = at(w);
        if (dinp != null) {
            int di = at(dinp);
            // dinp (N,C) += dout (N,OC) · w (OC,C)
            record(base(w) + ".backward.input", Grid.gemm(N, C), key("linBI", di, d0, wo, N, C, OC), (g, id, d, s) ->
                    g.task(id, TornadoKernels::gemm, d.context, d.arena, di, d0, wo, 0, N, C, OC,
                            TornadoKernels.ACCUMULATE, 0, 0));
        }
        // dw (OC,C) += dout (N,OC)ᵀ · inp (N,C)
        record(base(w) + ".backward.weight", Grid.gemm(OC, C), key("linBW", dwo, d0, i, N, C, OC), (g, id, d, s) ->
                g.task(id, TornadoKernels::gemm, d.context, d.arena, dwo, d0, i, 0, OC, C, N,
                        TornadoKernels.A_T | TornadoKernels.ACCUMULATE, 0, 0));
        if (dbias != null) {
            int db = at(dbias);
            // dbias (OC) += column sums of dout (N,OC), in two stages
            int P = columnParts(N);
            int parts = reduceParts(P * OC);
            record(base(w) + ".backward.bias.parts", Grid.of(P * OC), key("linBBP", parts, d0, N, OC, P),
                    (g, id, d, s) -> g.task(id, TornadoKernels::columnSumParts, d.arena, parts, d0, N, OC, P));
            record(base(w) + ".backward.bias", Grid.of(OC), key("linBB", db, parts, OC, P), (g, id, d, s) ->
                    g.task(id, TornadoKernels::addColumnParts, d.arena, db, parts, OC, P));
        }
    }

    @Override
    public void attentionForward(Buf out, Buf att, Buf qkv, IntBuf qRows, int NQ, int T, int C, int H, float scale) {
        int o = at(out);
        int a = at(att);
        int q = at(qkv);
        int r = at(qRows);
        record(layer(out) + "attn.forward", Grid.of(NQ * H), key("attF", o, a, q, r, NQ, T, C, H, scale),
                (g, id, d, s) -> g.task(id, TornadoKernels::attentionForward, d.arena, d.intArena, o, a, q, r, NQ, T,
                        C, H, scale));
    }

    /** Scratch for attention backward's pre-softmax gradients, grown as needed. */
    private Buf attentionScratch;

    @Override
    public void attentionBackward(Buf dqkv, Buf dout, Buf qkv, Buf att, IntBuf qRows, int NQ, int T, int C, int H,
                                  float scale) {
        int need = NQ * H * T;
        if (attentionScratch == null || attentionScratch.size() < need) {
            attentionScratch = floats("tornado.attention.dpre", need);
        }
        int dq = at(dqkv);
        int dp = at(attentionScratch);
        int d0 = at(dout);
        int q = at(qkv);
        int a = at(att);
        int r = at(qRows);
        int rows = qkv.size() / (3 * C);
        String args = dq + "," + dp + "," + d0 + "," + q + "," + a + "," + r + "," + NQ + "," + T + "," + C + "," + H;
        record(layer(dout) + "attn.backward.query", Grid.of(NQ * H), key("attBQ", args, scale), (g, id, d, s) -> g.task(id, TornadoKernels::attentionBackwardQuery,
                d.arena, d.intArena, dq, dp, d0, q, a, r, NQ, T, C, H, scale));
        record(layer(dout) + "attn.backward.keyvalue", Grid.of(rows * H), key("attBKV", args, rows), (g, id, d, s) -> g.task(id, TornadoKernels::attentionBackwardKeyValue,
                d.arena, d.intArena, dq, dp, d0, q, a, r, rows, NQ, T, C, H));
    }

    @Override
    public void rmsNormForward(Buf out, Buf rstd, Buf inp, Buf weight, int N, int C) {
        int o = at(out);
        int rs = at(rstd);
        int i = at(inp);
        int w = at(weight);
        record(base(weight) + ".forward", Grid.of(N), key("rmsF", o, rs, i, w, N, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::rmsNormForward, d.arena, o, rs, i, w, N, C));
    }

    @Override
    public void rmsNormBackward(Buf dinp, Buf dweight, Buf dout, Buf inp, Buf weight, Buf rstd, int N, int C) {
        int di = at(dinp);
        int dw = at(dweight);
        int d0 = at(dout);
        int i = at(inp);
        int w = at(weight);
        int rs = at(rstd);
        record(base(weight) + ".backward.input", Grid.of(N), key("rmsBI", di, d0, i, w, rs, N, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::rmsNormBackwardInput, d.arena, di, d0, i, w, rs, N, C));
        int P = columnParts(N);
        int parts = reduceParts(P * C);
        record(base(weight) + ".backward.weight.parts", Grid.of(P * C), key("rmsBWP", parts, d0, i, rs, N, C, P),
                (g, id, d, s) -> g.task(id, TornadoKernels::rmsNormWeightParts, d.arena, parts, d0, i, rs, N, C, P));
        record(base(weight) + ".backward.weight", Grid.of(C), key("rmsBW", dw, parts, C, P), (g, id, d, s) ->
                g.task(id, TornadoKernels::addColumnParts, d.arena, dw, parts, C, P));
    }

    @Override
    public void swigluForward(Buf out, Buf inp, int N, int M) {
        int o = at(out);
        int i = at(inp);
        record(layer(out) + "mlp.swiglu.forward", Grid.of(N * M), key("swiF", o, i, N, M), (g, id, d, s) ->
                g.task(id, TornadoKernels::swigluForward, d.arena, o, i, N, M));
    }

    @Override
    public void swigluBackward(Buf dinp, Buf inp, Buf dout, int N, int M) {
        int di = at(dinp);
        int i = at(inp);
        int d0 = at(dout);
        record(layer(dinp) + "mlp.swiglu.backward", Grid.of(N * M), key("swiB", di, i, d0, N, M), (g, id, d, s) ->
                g.task(id, TornadoKernels::swigluBackward, d.arena, di, i, d0, N, M));
    }

    @Override
    public void rotaryForward(Buf out, Buf inp, Buf cos, Buf sin, int N, int T, int C, int H) {
        rotary(out, inp, cos, sin, N, T, C, H, 1);
    }

    @Override
    public void rotaryBackward(Buf dinp, Buf dout, Buf cos, Buf sin, int N, int T, int C, int H) {
        rotary(dinp, dout, cos, sin, N, T, C, H, -1);
    }

    /** One kernel both ways: the rotation turned by −angle is its transpose (kernels/Rotary). */
    private void rotary(Buf out, Buf inp, Buf cos, Buf sin, int N, int T, int C, int H, int sign) {
        int o = at(out);
        int i = at(inp);
        int co = at(cos);
        int si = at(sin);
        record(layer(out) + (sign > 0 ? "attn.rotary.forward" : "attn.rotary.backward"), Grid.of(N), key("rope", sign, o, i, co, si, N, T, C, H),
                (g, id, d, s) -> g.task(id, TornadoKernels::rotary, d.arena, o, i, co, si, N, T, C, H, sign));
    }

    @Override
    public void layerNormForward(Buf out, Buf mean, Buf rstd, Buf inp, Buf weight, Buf bias, int N, int C) {
        int o = at(out);
        int m = at(mean);
        int rs = at(rstd);
        int i = at(inp);
        int w = at(weight);
        int b = at(bias);
        record(base(weight) + ".forward", Grid.of(N), key("lnF", o, m, rs, i, w, b, N, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::layerNormForward, d.arena, o, m, rs, i, w, b, N, C));
    }

    @Override
    public void layerNormBackward(Buf dinp, Buf dweight, Buf dbias, Buf dout, Buf inp, Buf weight, Buf mean,
                                  Buf rstd, int N, int C) {
        int di = at(dinp);
        int dw = at(dweight);
        int db = at(dbias);
        int d0 = at(dout);
        int i = at(inp);
        int w = at(weight);
        int m = at(mean);
        int rs = at(rstd);
        record(base(weight) + ".backward.input", Grid.of(N), key("lnBI", di, d0, i, w, m, rs, N, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::layerNormBackwardInput, d.arena, di, d0, i, w, m, rs, N, C));
        int P = columnParts(N);
        int parts = reduceParts(2 * P * C);
        int dbParts = parts + P * C;
        record(base(weight) + ".backward.params.parts", Grid.of(P * C), key("lnBPP", parts, d0, i, m, rs, N, C, P),
                (g, id, d, s) -> g.task(id, TornadoKernels::layerNormParamParts, d.arena, parts, dbParts, d0, i, m, rs,
                        N, C, P));
        record(base(weight) + ".backward.weight", Grid.of(C), key("lnBW", dw, parts, C, P), (g, id, d, s) ->
                g.task(id, TornadoKernels::addColumnParts, d.arena, dw, parts, C, P));
        record(base(weight) + ".backward.bias", Grid.of(C), key("lnBB", db, dbParts, C, P), (g, id, d, s) ->
                g.task(id, TornadoKernels::addColumnParts, d.arena, db, dbParts, C, P));
    }

    @Override
    public void activationForward(Activation kind, Buf out, Buf inp, int n) {
        int o = at(out);
        int i = at(inp);
        int epilogue = kind == Activation.RELU ? TornadoKernels.EPILOGUE_RELU : TornadoKernels.EPILOGUE_GELU;
        if (fuseIntoLastForward(i, n, epilogue, kind.name().toLowerCase(java.util.Locale.ROOT), o, 0)) {
            return;
        }
        switch (kind) {
            case RELU -> record(layer(out) + "mlp.relu.forward", Grid.of(n), key("reluF", o, i, n), (g, id, d, s) ->
                    g.task(id, TornadoKernels::reluForward, d.arena, o, i, n));
            case GELU -> record(layer(out) + "mlp.gelu.forward", Grid.of(n), key("geluF", o, i, n), (g, id, d, s) ->
                    g.task(id, TornadoKernels::geluForward, d.arena, o, i, n));
        }
    }

    @Override
    public void activationBackward(Activation kind, Buf dinp, Buf inp, Buf dout, int n) {
        int di = at(dinp);
        int i = at(inp);
        int d0 = at(dout);
        switch (kind) {
            case RELU -> record(layer(dinp) + "mlp.relu.backward", Grid.of(n), key("reluB", di, i, d0, n), (g, id, d, s) ->
                    g.task(id, TornadoKernels::reluBackward, d.arena, di, i, d0, n));
            case GELU -> record(layer(dinp) + "mlp.gelu.backward", Grid.of(n), key("geluB", di, i, d0, n), (g, id, d, s) ->
                    g.task(id, TornadoKernels::geluBackward, d.arena, di, i, d0, n));
        }
    }

    @Override
    public void residualForward(Buf out, Buf a, Buf b, int n) {
        int o = at(out);
        int ao = at(a);
        int bo = at(b);
        if (fuseIntoLastForward(bo, n, TornadoKernels.EPILOGUE_RESIDUAL, "residual", o, ao)) {
            return;
        }
        record(label("", out) + ".add", Grid.of(n), key("resF", o, ao, bo, n), (g, id, d, s) ->
                g.task(id, TornadoKernels::residualForward, d.arena, o, ao, bo, n));
    }

    @Override
    public void residualBackward(Buf da, Buf db, Buf dout, int n) {
        int ao = at(da);
        int bo = at(db);
        int d0 = at(dout);
        record(label("", dout) + ".add.backward", Grid.of(n), key("resB", ao, bo, d0, n), (g, id, d, s) ->
                g.task(id, TornadoKernels::residualBackward, d.arena, ao, bo, d0, n));
    }

    @Override
    public void gatherRowsForward(Buf out, Buf inp, IntBuf rows, int R, int C) {
        int o = at(out);
        int i = at(inp);
        int r = at(rows);
        record(label("", out) + ".gather", Grid.of(R * C), key("gatF", o, i, r, R, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::gatherRowsForward, d.arena, d.intArena, o, i, r, R, C));
    }

    @Override
    public void gatherRowsBackward(Buf dinp, Buf dout, IntBuf rows, int R, int C) {
        int di = at(dinp);
        int d0 = at(dout);
        int D = dinp.size() / C;
        int slot = inverseIndex(rows, R, D);
        record(label("", dout) + ".gather.backward", Grid.of(D * C), key("gatB", di, d0, slot, D, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::gatherRowsBackward, d.arena, s.inI, slot, di, d0, D, C));
    }

    @Override
    public void crossEntropyForward(Buf losses, Buf hits, Buf logits, IntBuf targets, int N, int V,
                                    CrossEntropy.Loss loss) {
        int lo = at(losses);
        int h = at(hits);
        int lg = at(logits);
        int t = at(targets);
        int sm = loss.stablemax() ? 1 : 0;
        float eps = (float) loss.labelSmoothing();
        int f64 = loss.float64() ? 1 : 0;
        // the loss kind and ε are in the key too, so a different loss never reuses a compiled task
        record("loss.forward", Grid.of(N), key("ceF", lo, h, lg, t, N, V, sm, eps, f64), (g, id, d, s) ->
                g.task(id, TornadoKernels::crossEntropyForward, d.arena, d.intArena, lo, h, lg, t, N, V, sm, eps,
                        f64));
    }

    @Override
    public void crossEntropyBackward(Buf dlogits, Buf logits, IntBuf targets, int N, int V, float dlossScale,
                                     CrossEntropy.Loss loss) {
        int dl = at(dlogits);
        int lg = at(logits);
        int t = at(targets);
        int sm = loss.stablemax() ? 1 : 0;
        float eps = (float) loss.labelSmoothing();
        int f64 = loss.float64() ? 1 : 0;
        record("loss.backward", Grid.of(N), key("ceB", dl, lg, t, N, V, dlossScale, sm, eps, f64), (g, id, d, s) ->
                g.task(id, TornadoKernels::crossEntropyBackward, d.arena, d.intArena, dl, lg, t, N, V, dlossScale,
                        sm, eps, f64));
    }

    // ---- optimizer ----------------------------------------------------------------------------

    /** Σ g² as g·g: one reduction kernel for both. */
    @Override
    public double sumOfSquares(Buf grads) {
        return reduceDot("gradnorm", grads, grads);
    }

    @Override
    public void scale(Buf grads, float factor) {
        if (grads.size() == 0) {
            return;
        }
        int off = at(grads);
        int n = grads.size();
        int slot = hyper;
        hyper += 1;
        record("grads.clip", Grid.of(n), key("scale", off, n, slot), new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {
                g.task(id, TornadoKernels::scale, d.arena, off, n, s.hp, slot);
            }

            @Override
            public void before(Segment s) {
                s.hp.set(slot, factor);
            }
        });
    }

    @Override
    public double dot(Buf a, Buf b) {
        return reduceDot("dot", a, b);
    }

    /**
     * Σ a·b in two tasks, {@code name_parts} (SUM_PARTS fixed chunks into a scratch of the arena) and
     * {@code name_sum} (the parts in order, in double, on the device); only the sum comes back, and the
     * segment ends since the host needs it.
     */
    private double reduceDot(String name, Buf a, Buf b) {
        Buf.requireSameSize(a, b);
        if (a.size() == 0) {
            return 0.0;
        }
        int ao = at(a);
        int bo = at(b);
        int n = a.size();
        int parts = reduceParts(TornadoKernels.SUM_PARTS);
        int slot = outFloats;
        outFloats += 1;
        record(name + ".parts", Grid.of(TornadoKernels.SUM_PARTS), key("dotP", parts, ao, bo, n),
                (g, id, d, s) -> g.task(id, TornadoKernels::dotParts, d.arena, parts, ao, bo, n));
        record(name + ".sum", Grid.of(1), key("dotS", slot, parts), new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {
                g.task(id, TornadoKernels::sumParts, s.out, slot, d.arena, parts);
            }

            @Override
            public void after(Segment s) {
                lastSum = s.out.get(slot);
            }
        });
        flush();
        return lastSum;
    }

    @Override
    public void axpy(Buf y, float alpha, Buf x) {
        Buf.requireSameSize(y, x);
        if (y.size() == 0) {
            return;
        }
        int yo = at(y);
        int xo = at(x);
        int n = y.size();
        int slot = hyper;
        hyper += 1;
        record("axpy", Grid.of(n), key("axpy", yo, xo, n, slot), new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {
                g.task(id, TornadoKernels::axpy, d.arena, yo, xo, n, s.hp, slot);
            }

            @Override
            public void before(Segment s) {
                s.hp.set(slot, alpha);
            }
        });
    }

    // ---- a training step without a host round trip ----------------------------------------------

    /** Scalars computed on the device: [0] clipping factor, [1] ⊥Grad's −w·g/(w·w+ε), [2] ‖g‖, [3] its rescaling. */
    private Buf scalars;
    /** A skip flag that is always 0 (for updates without a guard). */
    private Buf neverSkip;
    /**
     * Skip flags of the loss totals used as guards, one arena float each. A totals object gets its flag
     * when it first guards an update; from then on each pass filling it also sets the flag.
     */
    private final IdentityHashMap<LossTotals, Buf> skipFlags = new IdentityHashMap<>();

    private int scalars() {
        if (scalars == null) {
            scalars = floats("tornado.scalars", 4);
        }
        return at(scalars);
    }

    private Buf neverSkip() {
        if (neverSkip == null) {
            neverSkip = floats("tornado.adamw.never.skip", 1);
        }
        return neverSkip;
    }

    @Override
    public void lossTotals(LossTotals into, Buf losses, Buf hits, IntBuf targetRows, int rows, int T) {
        int lo = at(losses);
        int h = at(hits);
        int r = at(targetRows);
        int p = reduceParts(4 * TornadoKernels.SUM_PARTS);
        Buf flag = skipFlags.get(into);
        int skip = flag == null ? -1 : at(flag);
        int slot = outFloats;
        outFloats += 4;
        into.expect(this);
        record("loss.totals.parts", Grid.of(TornadoKernels.SUM_PARTS), key("totP", lo, h, r, rows, T, p),
                (g, id, d, s) -> g.task(id, TornadoKernels::lossTotalsParts, d.arena, d.intArena, lo, h, r, rows, T, p));
        record("loss.totals.sum", Grid.of(1), key("totS", slot, p, skip), new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {
                g.task(id, TornadoKernels::lossTotalsSum, s.out, slot, d.arena, p, skip);
            }

            @Override
            public void after(Segment s) {
                double sum = (double) s.out.get(slot) + (double) s.out.get(slot + 1);
                into.set(sum, (long) s.out.get(slot + 2), (long) s.out.get(slot + 3));
            }
        });
    }

    @Override
    public void clipByGlobalNorm(Buf grads, double maxNorm) {
        if (grads.size() == 0) {
            return;
        }
        int off = at(grads);
        int n = grads.size();
        int sc = scalars();
        int p = reduceParts(TornadoKernels.SUM_PARTS);
        float max = (float) maxNorm;
        record("gradnorm.parts", Grid.of(TornadoKernels.SUM_PARTS), key("clipP", off, n, p),
                (g, id, d, s) -> g.task(id, TornadoKernels::dotParts, d.arena, p, off, off, n));
        record("grads.clip.factor", Grid.of(1), key("clipF", p, max, sc),
                (g, id, d, s) -> g.task(id, TornadoKernels::clipFactor, d.arena, p, max, sc));
        record("grads.clip", Grid.of(n), key("clipS", off, n, sc),
                (g, id, d, s) -> g.task(id, TornadoKernels::scaleByFactor, d.arena, off, n, sc));
    }

    @Override
    public void orthogonalize(Buf w, Buf g, double eps) {
        Buf.requireSameSize(w, g);
        if (w.size() == 0) {
            return;
        }
        int wo = at(w);
        int go = at(g);
        int n = w.size();
        int sc = scalars();
        int parts = TornadoKernels.SUM_PARTS;
        int p = reduceParts(3 * parts);
        float e = (float) eps;
        String args = wo + "," + go + "," + n + "," + p + "," + sc + "," + e;
        Grid partsGrid = Grid.of(parts);
        record("orthograd.wg", partsGrid, key("orthWG", args),
                (gr, id, d, s) -> gr.task(id, TornadoKernels::dotParts, d.arena, p, wo, go, n));
        record("orthograd.ww", partsGrid, key("orthWW", args),
                (gr, id, d, s) -> gr.task(id, TornadoKernels::dotParts, d.arena, p + parts, wo, wo, n));
        record("orthograd.gg", partsGrid, key("orthGG", args),
                (gr, id, d, s) -> gr.task(id, TornadoKernels::dotParts, d.arena, p + 2 * parts, go, go, n));
        record("orthograd.factors", Grid.of(1), key("orthF", args), (gr, id, d, s) -> gr.task(id,
                TornadoKernels::orthogonalFactors, d.arena, p, p + parts, p + 2 * parts, e, sc + 1, sc + 2));
        record("orthograd.project", Grid.of(n), key("orthA", args),
                (gr, id, d, s) -> gr.task(id, TornadoKernels::axpyByFactor, d.arena, go, wo, n, sc + 1));
        record("orthograd.norm", partsGrid, key("orthOO", args),
                (gr, id, d, s) -> gr.task(id, TornadoKernels::dotParts, d.arena, p, go, go, n));
        record("orthograd.rescale.factor", Grid.of(1), key("orthR", args),
                (gr, id, d, s) -> gr.task(id, TornadoKernels::orthogonalRescale, d.arena, p, sc + 2, e, sc + 3));
        record("orthograd.rescale", Grid.of(n), key("orthS", args),
                (gr, id, d, s) -> gr.task(id, TornadoKernels::scaleByFactor, d.arena, go, n, sc + 3));
    }

    @Override
    public void adamW(Buf params, Buf grads, Buf m, Buf v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, int step) {
        adamW(params, grads, m, v, lr, beta1, beta2, eps, weightDecay, step, neverSkip());
    }

    @Override
    public void adamW(Buf params, Buf grads, Buf m, Buf v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, int step, LossTotals guard) {
        Buf flag = skipFlags.get(guard);
        if (flag == null) {
            // The pass that filled guard was recorded before it was known to guard an update: decide on
            // the host this once, and give guard a flag that its later passes set on the device.
            skipFlags.put(guard, floats("tornado.adamw.skip" + skipFlags.size(), 1));
            if (!Double.isFinite(guard.lossSum())) {
                return;
            }
            flag = neverSkip();
        }
        adamW(params, grads, m, v, lr, beta1, beta2, eps, weightDecay, step, flag);
    }

    private void adamW(Buf params, Buf grads, Buf m, Buf v, float lr, float beta1, float beta2, float eps,
                       float weightDecay, int step, Buf skipFlag) {
        if (params.size() == 0) {
            return;
        }
        int n = params.size();
        float correction1 = 1f - (float) Math.pow(beta1, step);
        float correction2 = 1f - (float) Math.pow(beta2, step);
        float decay = 1f - lr * weightDecay;
        AdamWModel model = new AdamWModel(new int[] {at(params), at(grads), at(m), at(v), at(skipFlag)},
                new float[] {lr, correction1, correction2, decay, beta1, beta2, eps});
        LastAdamW last = lastAdamW;
        if (last != null && !pending.isEmpty() && pending.get(pending.size() - 1) == last.call() && last.n() == n
                && last.models().stream().noneMatch(o -> o.overlaps(model, n))) {
            // the next model's update of the same parameter group (a lockstep replays them one after another):
            // one task over all of them instead, its slots in place of the last call's
            pending.remove(pending.size() - 1);
            key.setLength(last.keyStart());
            hyper = last.hyperSlot();
            inInts = last.intSlot();
            joinedAdamW++;
            List<AdamWModel> models = new ArrayList<>(last.models());
            models.add(model);
            recordAdamW(models, n);
            return;
        }
        recordAdamW(List.of(model), n);
    }

    /**
     * One model's AdamW call: its arena offsets (params, grads, m, v, skip flag) and its scalars, as
     * {@link TornadoKernels#adamW} reads them.
     */
    private record AdamWModel(int[] offsets, float[] hyper) {
        /** Whether any of the n-element tensors of the two calls share an element (then they run apart, in order). */
        boolean overlaps(AdamWModel o, int n) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    if (Math.abs((long) offsets[i] - o.offsets[j]) < n) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /**
     * The AdamW task recorded last, with the models it updates, which the next AdamW call of the same size
     * joins when it is recorded right after it.
     */
    private record LastAdamW(Call call, int keyStart, int hyperSlot, int intSlot, int n, List<AdamWModel> models) {}

    private LastAdamW lastAdamW;
    private long joinedAdamW;

    /** AdamW calls recorded into the task of the AdamW call before them (one task for K models), so far. */
    long joinedAdamW() {
        return joinedAdamW;
    }

    /**
     * One task for the AdamW updates of K models' tensors of n elements each (K = 1: one call): their
     * arena offsets go in as staging ints (exact, unlike floats past 2²⁴), their scalars as
     * hyper-parameters, K·n work-items ({@link TornadoKernels#adamW}).
     */
    private void recordAdamW(List<AdamWModel> models, int n) {
        int K = models.size();
        int keyStart = key.length();
        int intSlot = inInts;
        inInts += TornadoKernels.ADAMW_OFFSETS * K;
        int slot = hyper;
        hyper += TornadoKernels.ADAMW_HYPER * K;
        StringBuilder k = new StringBuilder(key("adamw", K, n, slot, intSlot));
        for (AdamWModel o : models) {
            for (int off : o.offsets()) {
                k.append(',').append(off);
            }
        }
        record(K == 1 ? "adamw" : "adamw." + K + ".models", Grid.of(Math.multiplyExact(K, n)), k.toString(), new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {
                g.task(id, TornadoKernels::adamW, d.arena, s.inI, intSlot, s.hp, slot, n, K);
            }

            @Override
            public void before(Segment s) {
                for (int i = 0; i < K; i++) {
                    AdamWModel o = models.get(i);
                    for (int j = 0; j < TornadoKernels.ADAMW_OFFSETS; j++) {
                        s.inI.set(intSlot + TornadoKernels.ADAMW_OFFSETS * i + j, o.offsets()[j]);
                    }
                    for (int j = 0; j < TornadoKernels.ADAMW_HYPER; j++) {
                        s.hp.set(slot + TornadoKernels.ADAMW_HYPER * i + j, o.hyper()[j]);
                    }
                }
            }
        });
        lastAdamW = new LastAdamW(pending.get(pending.size() - 1), keyStart, slot, intSlot, n, List.copyOf(models));
    }

    // ---- segments, graphs, the plan -----------------------------------------------------------

    /**
     * The most calls one task graph takes. TornadoVM writes a graph's tasks into a fixed 8,192-byte
     * buffer, 15 + 5 bytes per argument each (90 bytes for the most, 15 arguments), so a longer segment
     * (a training step of a two-layer model, an evaluation in many chunks) runs as several graphs, one
     * after another, with no host work between.
     */
    private static final int MAX_TASKS = 80;

    /**
     * A recorded segment's graph: its index in the plan, its calls and its staging arrays (each graph of a
     * segment has its own, of the segment's sizes; its calls use their slots).
     */
    private static final class Segment {
        final int graph;
        /** Index of this graph's first call in its segment. */
        final int first;
        final List<Call> calls;
        final FloatArray inF;
        final IntArray inI;
        final FloatArray out;
        final FloatArray hp;

        Segment(int graph, int first, List<Call> calls, int inFloats, int inInts, int outFloats, int hyper) {
            this.graph = graph;
            this.first = first;
            this.calls = calls;
            this.inF = inFloats == 0 ? null : new FloatArray(inFloats);
            this.inI = inInts == 0 ? null : new IntArray(inInts);
            this.out = outFloats == 0 ? null : new FloatArray(outFloats);
            this.hp = hyper == 0 ? null : new FloatArray(hyper);
        }
    }

    /** Runs the recorded segment: its graph if its key is known, else after recording it as a new graph. */
    private void flush() {
        if (pending.isEmpty()) {
            return;
        }
        String k = key.toString();
        List<Segment> graphs = segments.get(k);
        if (graphs == null) {
            graphs = new ArrayList<>();
            for (int from = 0, to; from < pending.size(); from = to) {
                to = Math.min(pending.size(), from + MAX_TASKS);
                // A host-only call (an inverse index) fills its graph's staging ints for the task right
                // after it, so the two must share a graph: such a call never ends one.
                while (to < pending.size() && to - 1 > from && pending.get(to - 1).grid() == null) {
                    to--;
                }
                List<Call> calls = List.copyOf(pending.subList(from, to));
                Segment s = new Segment(order.size() + 1, from, calls, inFloats, inInts, outFloats, hyper);
                graphs.add(s);
                order.add(s);
            }
            segments.put(k, graphs);
            rebuild();
        }
        for (Segment s : graphs) {
            int to = s.first + s.calls.size();
            for (int i = s.first; i < to; i++) {
                pending.get(i).op().before(s);
            }
            plan.withGraph(s.graph).execute();
            executions++;
            for (int i = s.first; i < to; i++) {
                pending.get(i).op().after(s);
            }
        }
        pending.clear();
        lastForward = null;
        lastAdamW = null;
        key.setLength(0);
        inFloats = 0;
        inInts = 0;
        outFloats = 0;
        hyper = 0;
    }

    /**
     * A new plan with every graph recorded so far. The arenas' device contents come back first (they
     * are the truth); tensors first seen since the last plan start from their host arrays.
     */
    private void rebuild() {
        FloatArray oldArena = arena;
        IntArray oldInts = intArena;
        if (plan != null) {
            plan.withGraph(downloadGraph).execute();
            closePlan();
        }
        FloatArray a = new FloatArray(Math.max(1, floatSize));
        for (float[] root : floatRoots) {
            int base = floatBase.get(root);
            boolean known = oldArena != null && base + root.length <= oldArena.getSize();
            for (int i = 0; i < root.length; i++) {
                a.set(base + i, known ? oldArena.get(base + i) : root[i]);
            }
        }
        IntArray ia = new IntArray(Math.max(1, intSize));
        for (int[] root : intRoots) {
            int base = intBase.get(root);
            boolean known = oldInts != null && base + root.length <= oldInts.getSize();
            for (int i = 0; i < root.length; i++) {
                ia.set(base + i, known ? oldInts.get(base + i) : root[i]);
            }
        }
        this.arena = a;
        this.intArena = ia;
        ImmutableTaskGraph[] graphs = new ImmutableTaskGraph[order.size() + 2];
        GridScheduler grids = new GridScheduler();
        grids.addWorkerGrid(prefix + "upload.t", Grid.of(1).worker());
        graphs[0] = new TaskGraph(prefix + "upload")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, a, ia)
                .task("t", TornadoKernels::touch, a, ia)
                .persistOnDevice(a, ia)
                .snapshot();
        for (Segment s : order) {
            TaskGraph g = new TaskGraph(prefix + "s" + s.graph).consumeFromDevice(a, ia);
            List<Object> in = new ArrayList<>();
            for (Object o : new Object[] {s.inF, s.inI, s.hp}) {
                if (o != null) {
                    in.add(o);
                }
            }
            if (!in.isEmpty()) {
                g.transferToDevice(DataTransferMode.EVERY_EXECUTION, in.toArray());
            }
            String graphName = prefix + "s" + s.graph;
            g.task("touch", TornadoKernels::touch, a, ia);
            grids.addWorkerGrid(graphName + ".touch", Grid.of(1).worker());
            Map<String, Integer> used = new HashMap<>();
            for (Call c : s.calls) {
                if (c.grid() == null) {
                    c.op().emit(g, null, this, s); // host-side work only (an inverse index), no task
                    continue;
                }
                // a name seen before in this graph (a second AdamW group, a second zeroing) gets _2, _3, ...;
                // no dots in a task id: TornadoVM's code cache splits ids at dots, and tasks whose ids
                // agreed up to the second dot would share one kernel compiled for the first one's sizes
                int seen = used.merge(c.name(), 1, Integer::sum);
                // and the graph's number at the end: tasks of the same name in two graphs (a forward pass
                // for training and one for evaluation) otherwise got one compiled kernel on PoCL, built for
                // the first one's sizes
                String id = (seen == 1 ? c.name() : c.name() + "_" + seen).replace('.', '_') + "__s" + s.graph;
                c.op().emit(g, id, this, s);
                grids.addWorkerGrid(graphName + "." + id, c.grid().worker());
            }
            g.persistOnDevice(a, ia);
            if (s.out != null) {
                g.transferToHost(DataTransferMode.EVERY_EXECUTION, s.out);
            }
            graphs[s.graph] = g.snapshot();
        }
        downloadGraph = order.size() + 1;
        graphs[downloadGraph] = new TaskGraph(prefix + "download")
                .consumeFromDevice(a, ia)
                .task("t", TornadoKernels::touch, a, ia)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, a, ia)
                .snapshot();
        grids.addWorkerGrid(prefix + "download.t", Grid.of(1).worker());
        plan = new TornadoExecutionPlan(graphs);
        plan.withDevice(target).withGridScheduler(grids);
        plan.withGraph(0).execute();
        rebuilds++;
    }

    private void closePlan() {
        try {
            plan.close();
        } catch (TornadoExecutionPlanException e) {
            throw new IllegalStateException("cannot free the TornadoVM plan's device memory: " + e.getMessage(), e);
        }
        plan = null;
    }

    @Override
    public void close() {
        if (plan != null) {
            closePlan();
        }
    }
}
