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
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

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
 * <p><b>Shared tasks.</b> When a segment runs, a matmul and the matmuls right after it that do the same
 * product on the same sizes, touching nothing another writes, become one task, as do AdamW updates of
 * the same size and consecutive uploads, downloads or zeroings ({@link #joined}); a forward matmul also
 * writes the activation or residual add right after it as its epilogue. For one model that fuses the epilogues; for the K models of a lockstep,
 * whose calls {@link #interleave} records side by side, it runs each matmul and update of all K as one
 * task.
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
    private long tasksRun;
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

    /** Runs of recorded calls so far (a segment: one graph execution or several, one after another). */
    public long segmentsRun() {
        return flushes;
    }

    /** Tasks run so far, in all graph executions. */
    public long tasksRun() {
        return tasksRun;
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
     * TILE × TILE work-groups, one per 32 × 32 block of each model's C (x rows, y columns), columns along
     * the first dimension, the models' row blocks one after another along the second.
     */
    record Grid(int x, int y, int models) {
        private static final int LOCAL_1D = 64;

        static Grid of(int x) {
            return new Grid(Math.max(1, x), 0, 0);
        }

        /** The grid of {@link TornadoKernels#gemm} for one C (M,N). */
        static Grid gemm(int M, int N) {
            return gemm(M, N, 1);
        }

        /** The grid of {@link TornadoKernels#gemm} for the C (M,N) of each of several models: their row blocks one after another. */
        static Grid gemm(int M, int N, int models) {
            return new Grid(Math.max(1, M), Math.max(1, N), models);
        }

        WorkerGrid worker() {
            if (models > 0) {
                int t = TornadoKernels.TILE;
                int out = t * TornadoKernels.BLOCK;
                WorkerGrid g = new WorkerGrid2D((y + out - 1) / out * t, Math.multiplyExact(models, (x + out - 1) / out * t));
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

    /**
     * A recorded call with its task name (operation and layer), its grid, its signature in the segment key,
     * and, for a call that may share one task with the calls like it next to it (a matmul, the epilogue
     * after one, an AdamW update), what it does as a {@link Part}; {@link #joined} turns those into tasks.
     */
    private record Call(String name, Grid grid, String key, Op op, Part part) {}

    private void record(String name, Grid grid, String k, Op op) {
        pending.add(new Call(name, grid, k, op, null));
    }

    /** A copy or zeroing, which may share a task with the moves of its kind next to it. */
    private void record(String name, String k, Op op, Move move) {
        pending.add(new Call(name, Grid.of(move.n()), k, op, move));
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
        record(label("in.", buf), key("in", off, n, slot), new Op() {
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
        }, new Move(MoveKind.IN, off, slot, n));
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
        record(label("in.", buf), key("inI", off, n, slot), new Op() {
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
        }, new Move(MoveKind.IN_INTS, off, slot, n));
    }

    @Override
    public void sync() {
        flush();
    }

    private long flushes;

    /**
     * Records the calls, each of a different model, with the tasks they record interleaved: the first
     * task of every model, then the second of every model, and so on, so that the same operation of the
     * K models comes out side by side and {@link #joined} can run it as one task (the matmuls of a
     * layer's backward pass, say, which one call records with other tasks between). Each model gets its
     * own scratch tensors. Left in call order when one of them ran the segment (a guard decided on the
     * host, once per run).
     */
    @Override
    public void interleave(List<Consumer<Device>> calls) {
        int start = pending.size();
        long flushesBefore = flushes;
        int[] ends = new int[calls.size()];
        try {
            for (int k = 0; k < calls.size(); k++) {
                model = k;
                calls.get(k).accept(this);
                ends[k] = pending.size();
            }
        } finally {
            model = 0;
        }
        if (flushes != flushesBefore || calls.size() < 2) {
            return;
        }
        List<Call> recorded = new ArrayList<>(pending.subList(start, pending.size()));
        List<Call> interleaved = new ArrayList<>(recorded.size());
        for (int i = 0; interleaved.size() < recorded.size(); i++) {
            for (int k = 0, from = 0; k < ends.length; from = ends[k] - start, k++) {
                if (from + i < ends[k] - start) {
                    interleaved.add(recorded.get(from + i));
                }
            }
        }
        pending.subList(start, pending.size()).clear();
        pending.addAll(interleaved);
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
        record(label("out.", buf), key("out", off, n, slot), new Op() {
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
        }, new Move(MoveKind.OUT, off, slot, n));
    }

    @Override
    public void zero(Buf b) {
        if (b.size() == 0) {
            return;
        }
        int off = at(b);
        int n = b.size();
        record(b.name().replace(':', '.') + ".zero", key("zero", off, n), (g, id, d, s) -> g.task(id, TornadoKernels::zero, d.arena, off, n),
                new Move(MoveKind.ZERO, off, 0, n));
    }

    // ---- kernels ------------------------------------------------------------------------------

    @Override
    public void embeddingForward(Buf out, IntBuf tokens, Buf wte, Buf wpe, int B, int T, int C) {
        int o = at(out);
        int tk = at(tokens);
        int e = at(wte);
        int p = at(wpe);
        int n = B * T * C;
        // out (B,T,C) = wte[tokens] + wpe
        batch("embedding.forward", key("embF", n, T, C), n, new int[] {o, tk, e, p},
                new long[] {e, wte.size(), p, wpe.size(), Footprint.INTS + tk, B * T}, new long[] {o, n},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::embeddingForward, d.arena, d.intArena, s.inI,
                        slot, n, T, C, models));
    }

    @Override
    public void embeddingBackward(Buf dwte, Buf dwpe, Buf dout, IntBuf tokens, int B, int T, int C) {
        int e = at(dwte);
        int p = at(dwpe);
        int d0 = at(dout);
        int V = dwte.size() / C;
        int bt = B * T;
        // dwte (V,C) [tokens] += dout (B·T,C), as a gather's backward pass
        scatterRows("embedding.backward.tokens", e, d0, tokens, bt, V, C);
        // dwpe (T,C) += Σ_b dout (B,T,C)
        batch("embedding.backward.positions", key("embBP", B, T, C), T * C, new int[] {p, d0},
                new long[] {p, T * C, d0, (long) bt * C}, new long[] {p, T * C},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::embeddingBackwardPositions, d.arena, s.inI, slot,
                        B, T, C, models));
    }

    /**
     * dinp (D,C) [rows] += dout (R,C) ({@link TornadoKernels#gatherRowsBackward}): the inverse index of rows
     * goes in with the call's staging ints.
     */
    private void scatterRows(String name, int dinp, int dout, IntBuf rows, int R, int D, int C) {
        int[] inverse = TornadoKernels.invertIndex(rows.host(), rows.offset(), R, D);
        int at = stageInts(inverse.length);
        batch(name, key("gatB", R, D, C), D * C, new int[] {dinp, dout, at},
                new long[] {dinp, (long) D * C, dout, (long) R * C}, new long[] {dinp, (long) D * C},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::gatherRowsBackward, d.arena, s.inI, slot, D, C, models),
                withInts(at, inverse, (g, id, d, s) -> {}));
    }

    /** Reserves n hyper-parameters of the segment being recorded and returns the first one's slot. */
    private int stageHyper(int n) {
        int slot = hyper;
        hyper = Math.addExact(hyper, n);
        return slot;
    }

    /** Puts values into the hyper-parameters at slot before each run. */
    private static Op hyperValues(int slot, float... values) {
        return beforeRun(s -> {
            for (int i = 0; i < values.length; i++) {
                s.hp.set(slot + i, values[i]);
            }
        });
    }

    /** Staging work with no task of its own: action runs before each run of its segment. */
    private static Op beforeRun(java.util.function.Consumer<Segment> action) {
        return new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {}

            @Override
            public void before(Segment s) {
                action.accept(s);
            }
        };
    }

    /** Staging work with no task of its own: action runs after each run of its segment. */
    private static Op afterRun(java.util.function.Consumer<Segment> action) {
        return new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {}

            @Override
            public void after(Segment s) {
                action.accept(s);
            }
        };
    }

    /** task, with also's staging work (before and after each run) beside its own. */
    private static Op alongside(Op task, List<Op> also) {
        return new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {
                task.emit(g, id, d, s);
            }

            @Override
            public void before(Segment s) {
                task.before(s);
                also.forEach(o -> o.before(s));
            }

            @Override
            public void after(Segment s) {
                task.after(s);
                also.forEach(o -> o.after(s));
            }
        };
    }

    /** Reserves n staging ints of the segment being recorded and returns the first one's slot. */
    private int stageInts(int n) {
        int slot = inInts;
        inInts = Math.addExact(inInts, n);
        return slot;
    }

    /**
     * task, with values put into the staging ints at slot before each run. A scatter's inverse index
     * (TornadoKernels.invertIndex) goes in so: it is built on the host from the rows' host copy when the
     * call is made (the model writes every int buffer on the host before {@link #toDevice}), O(R + D),
     * not when the segment runs, since the host may have loaded another batch by then.
     */
    private static Op withInts(int slot, int[] values, Op task) {
        return alongside(task, List.of(beforeRun(s -> {
            for (int i = 0; i < values.length; i++) {
                s.inI.set(slot + i, values[i]);
            }
        })));
    }

    /**
     * The device's own scratch tensors by name, grown as needed. Each model of an {@link #interleave} has
     * its own (name.k for the k-th), since its calls run between those of the others.
     */
    private final Map<String, Buf> scratch = new HashMap<>();
    /** Which model of an interleave is recording (0 outside one). */
    private int model;

    /** The scratch tensor name of at least need floats, of the model recording. */
    private Buf scratch(String name, int need) {
        String n = model == 0 ? name : name + "." + model;
        Buf b = scratch.get(n);
        if (b == null || b.size() < need) {
            b = floats(n, need);
            scratch.put(n, b);
        }
        return b;
    }

    /** The arena offset of a reduction scratch of at least need floats (two-stage reductions' parts). */
    private int reduceParts(int need) {
        return at(scratch("tornado.reduce.parts", need));
    }

    /** parts (P,C) = Σ dout (N,C) over each part's rows: stage one of a column sum ({@link TornadoKernels#columnSumParts}). */
    private void columnSumParts(String name, int parts, int dout, int N, int C, int P) {
        batch(name, key("colP", N, C, P), P * C, new int[] {parts, dout}, new long[] {dout, (long) N * C},
                new long[] {parts, (long) P * C},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::columnSumParts, d.arena, s.inI, slot, N, C, P, models));
    }

    /** dst (C) += Σ_p parts (P,C), in order: stage two ({@link TornadoKernels#addColumnParts}). */
    private void addColumnParts(String name, int dst, int parts, int C, int P) {
        batch(name, key("colS", C, P), C, new int[] {dst, parts}, new long[] {dst, C, parts, (long) P * C},
                new long[] {dst, C},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::addColumnParts, d.arena, s.inI, slot, C, P, models));
    }

    /** parts (SUM_PARTS) = the sums of x·y over fixed chunks ({@link TornadoKernels#dotParts}). */
    private void dotParts(String name, int parts, int x, int y, int n) {
        batch(name, key("dotP", n), TornadoKernels.SUM_PARTS, new int[] {parts, x, y}, new long[] {x, n, y, n},
                new long[] {parts, TornadoKernels.SUM_PARTS},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::dotParts, d.arena, s.inI, slot, n, models));
    }

    /** x (n) *= a[factor] ({@link TornadoKernels#scaleByFactor}). */
    private void scaleByFactor(String name, int x, int n, int factor) {
        batch(name, key("scaleF", n), n, new int[] {x, factor}, new long[] {x, n, factor, 1}, new long[] {x, n},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::scaleByFactor, d.arena, s.inI, slot, n, models));
    }

    /** Parts of a two-stage column sum over N rows: up to 64, so a part has at least one row. */
    static int columnParts(int N) {
        return Math.max(1, Math.min(64, N));
    }

    @Override
    public void linearForward(Buf out, Buf inp, Buf w, Buf bias, int N, int C, int OC) {
        int flags = TornadoKernels.B_T | (bias == null ? 0 : TornadoKernels.BIAS);
        // out (N,OC) = inp (N,C) · w (OC,C)ᵀ + bias
        gemm(new Product(base(w) + ".forward", flags, N, OC, C, at(out), at(inp), at(w), bias == null ? 0 : at(bias)));
    }

    @Override
    public void linearBackward(Buf dinp, Buf dw, Buf dbias, Buf dout, Buf inp, Buf w, int N, int C, int OC) {
        int d0 = at(dout);
        if (dinp != null) {
            // dinp (N,C) += dout (N,OC) · w (OC,C)
            gemm(new Product(base(w) + ".backward.input", TornadoKernels.ACCUMULATE, N, C, OC, at(dinp), d0, at(w), 0));
        }
        // dw (OC,C) += dout (N,OC)ᵀ · inp (N,C)
        gemm(new Product(base(w) + ".backward.weight", TornadoKernels.A_T | TornadoKernels.ACCUMULATE, OC, C, N, at(dw), d0, at(inp), 0));
        if (dbias != null) {
            int db = at(dbias);
            // dbias (OC) += column sums of dout (N,OC), in two stages
            int P = columnParts(N);
            int parts = reduceParts(P * OC);
            columnSumParts(base(w) + ".backward.bias.parts", parts, d0, N, OC, P);
            addColumnParts(base(w) + ".backward.bias", db, parts, OC, P);
        }
    }

    /** A matmul, recorded as its {@link Product}: {@link #joined} makes it a task, with its neighbours like it. */
    private void gemm(Product p) {
        pending.add(new Call(p.name(), Grid.gemm(p.M(), p.N()), null, null, p));
    }

    @Override
    public void attentionForward(Buf out, Buf att, Buf qkv, IntBuf qRows, int NQ, int T, int C, int H, float scale) {
        int o = at(out);
        int a = at(att);
        int q = at(qkv);
        int r = at(qRows);
        batch(layer(out) + "attn.forward", key("attF", NQ, T, C, H, scale), NQ * H, new int[] {o, a, q, r},
                new long[] {q, qkv.size(), Footprint.INTS + r, NQ}, new long[] {o, (long) NQ * C, a, (long) NQ * H * T},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::attentionForward, d.arena, d.intArena, s.inI,
                        slot, NQ, T, C, H, scale, models));
    }

    @Override
    public void attentionBackward(Buf dqkv, Buf dout, Buf qkv, Buf att, IntBuf qRows, int NQ, int T, int C, int H,
                                  float scale) {
        int dq = at(dqkv);
        // the pre-softmax gradients
        int dp = at(scratch("tornado.attention.dpre", NQ * H * T));
        int d0 = at(dout);
        int q = at(qkv);
        int a = at(att);
        int r = at(qRows);
        int rows = qkv.size() / (3 * C);
        int[] offsets = {dq, dp, d0, q, a, r};
        long[] reads = {d0, (long) NQ * C, q, qkv.size(), a, (long) NQ * H * T, Footprint.INTS + r, NQ};
        long pre = (long) NQ * H * T;
        // the queries' gradients and the pre-softmax gradients, then the keys' and values'
        batch(layer(dout) + "attn.backward.query", key("attBQ", NQ, T, C, H, scale), NQ * H, offsets, reads,
                new long[] {dq, dqkv.size(), dp, pre},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::attentionBackwardQuery, d.arena, d.intArena,
                        s.inI, slot, NQ, T, C, H, scale, models));
        long[] keyValueReads = Arrays.copyOf(reads, reads.length + 2);
        keyValueReads[reads.length] = dp;
        keyValueReads[reads.length + 1] = pre;
        batch(layer(dout) + "attn.backward.keyvalue", key("attBKV", rows, NQ, T, C, H), rows * H, offsets, keyValueReads,
                new long[] {dq, dqkv.size()},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::attentionBackwardKeyValue, d.arena, d.intArena,
                        s.inI, slot, rows, NQ, T, C, H, models));
    }

    @Override
    public void rmsNormForward(Buf out, Buf rstd, Buf inp, Buf weight, int N, int C) {
        int o = at(out);
        int rs = at(rstd);
        int i = at(inp);
        int w = at(weight);
        long rows = (long) N * C;
        batch(base(weight) + ".forward", key("rmsF", N, C), N, new int[] {o, rs, i, w},
                new long[] {i, rows, w, C}, new long[] {o, rows, rs, N},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::rmsNormForward, d.arena, s.inI, slot, N, C, models));
    }

    @Override
    public void rmsNormBackward(Buf dinp, Buf dweight, Buf dout, Buf inp, Buf weight, Buf rstd, int N, int C) {
        int di = at(dinp);
        int dw = at(dweight);
        int d0 = at(dout);
        int i = at(inp);
        int w = at(weight);
        int rs = at(rstd);
        long rows = (long) N * C;
        // dinp (N,C) += the input gradient, one row per work-item
        batch(base(weight) + ".backward.input", key("rmsBI", N, C), N, new int[] {di, d0, i, w, rs},
                new long[] {di, rows, d0, rows, i, rows, w, C, rs, N}, new long[] {di, rows},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::rmsNormBackwardInput, d.arena, s.inI, slot, N, C, models));
        // dweight (C) += Σ x·rstd·dout over rows, in two stages
        int P = columnParts(N);
        int parts = reduceParts(P * C);
        batch(base(weight) + ".backward.weight.parts", key("rmsBWP", N, C, P), P * C, new int[] {parts, d0, i, rs},
                new long[] {d0, rows, i, rows, rs, N}, new long[] {parts, (long) P * C},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::rmsNormWeightParts, d.arena, s.inI, slot, N, C, P, models));
        addColumnParts(base(weight) + ".backward.weight", dw, parts, C, P);
    }

    @Override
    public void swigluForward(Buf out, Buf inp, int N, int M) {
        int o = at(out);
        int i = at(inp);
        // out (N,M) = silu(gate)·up, from inp (N,2M)
        batch(layer(out) + "mlp.swiglu.forward", key("swiF", N, M), N * M, new int[] {o, i},
                new long[] {i, 2L * N * M}, new long[] {o, (long) N * M},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::swigluForward, d.arena, s.inI, slot, N, M, models));
    }

    @Override
    public void swigluBackward(Buf dinp, Buf inp, Buf dout, int N, int M) {
        int di = at(dinp);
        int i = at(inp);
        int d0 = at(dout);
        // dinp (N,2M) += the gate's and up's gradients from dout (N,M)
        batch(layer(dinp) + "mlp.swiglu.backward", key("swiB", N, M), N * M, new int[] {di, i, d0},
                new long[] {di, 2L * N * M, i, 2L * N * M, d0, (long) N * M}, new long[] {di, 2L * N * M},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::swigluBackward, d.arena, s.inI, slot, N, M, models));
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
        long rows = 3L * N * C;
        // out (N,3C) = [+=] q and k of inp (N,3C) turned, v as it is; backward accumulates
        batch(layer(out) + (sign > 0 ? "attn.rotary.forward" : "attn.rotary.backward"), key("rope", sign, N, T, C, H), N,
                new int[] {o, i, co, si}, new long[] {i, rows, co, cos.size(), si, sin.size(), o, sign > 0 ? 0 : rows},
                new long[] {o, rows},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::rotary, d.arena, s.inI, slot, N, T, C, H, sign, models));
    }

    @Override
    public void layerNormForward(Buf out, Buf mean, Buf rstd, Buf inp, Buf weight, Buf bias, int N, int C) {
        int o = at(out);
        int m = at(mean);
        int rs = at(rstd);
        int i = at(inp);
        int w = at(weight);
        int b = at(bias);
        long rows = (long) N * C;
        batch(base(weight) + ".forward", key("lnF", N, C), N, new int[] {o, m, rs, i, w, b},
                new long[] {i, rows, w, C, b, C}, new long[] {o, rows, m, N, rs, N},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::layerNormForward, d.arena, s.inI, slot, N, C, models));
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
        long rows = (long) N * C;
        // dinp (N,C) += the input gradient, one row per work-item
        batch(base(weight) + ".backward.input", key("lnBI", N, C), N, new int[] {di, d0, i, w, m, rs},
                new long[] {di, rows, d0, rows, i, rows, w, C, m, N, rs, N}, new long[] {di, rows},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::layerNormBackwardInput, d.arena, s.inI, slot, N, C, models));
        // dweight (C) += Σ norm·dout and dbias (C) += Σ dout over rows, in two stages
        int P = columnParts(N);
        int parts = reduceParts(2 * P * C);
        int dbParts = parts + P * C;
        batch(base(weight) + ".backward.params.parts", key("lnBPP", N, C, P), P * C, new int[] {parts, dbParts, d0, i, m, rs},
                new long[] {d0, rows, i, rows, m, N, rs, N}, new long[] {parts, 2L * P * C},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::layerNormParamParts, d.arena, s.inI, slot, N, C, P, models));
        addColumnParts(base(weight) + ".backward.weight", dw, parts, C, P);
        addColumnParts(base(weight) + ".backward.bias", db, dbParts, C, P);
    }

    @Override
    public void activationForward(Activation kind, Buf out, Buf inp, int n) {
        int o = at(out);
        int i = at(inp);
        int epilogue = kind == Activation.RELU ? TornadoKernels.EPILOGUE_RELU : TornadoKernels.EPILOGUE_GELU;
        String what = kind.name().toLowerCase(java.util.Locale.ROOT);
        // out = f(inp): as a matmul's epilogue when inp is the output of the matmul just before
        pending.add(new Call(layer(out) + "mlp." + what + ".forward", Grid.of(n), null, null,
                new Epilogue(what, epilogue, i, n, o, 0)));
    }

    @Override
    public void activationBackward(Activation kind, Buf dinp, Buf inp, Buf dout, int n) {
        int di = at(dinp);
        int i = at(inp);
        int d0 = at(dout);
        // dinp += f'(inp)·dout
        long[] reads = {di, n, i, n, d0, n};
        long[] writes = {di, n};
        switch (kind) {
            case RELU -> batch(layer(dinp) + "mlp.relu.backward", key("reluB", n), n, new int[] {di, i, d0}, reads, writes,
                    (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::reluBackward, d.arena, s.inI, slot, n, models));
            case GELU -> batch(layer(dinp) + "mlp.gelu.backward", key("geluB", n), n, new int[] {di, i, d0}, reads, writes,
                    (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::geluBackward, d.arena, s.inI, slot, n, models));
        }
    }

    @Override
    public void residualForward(Buf out, Buf a, Buf b, int n) {
        int o = at(out);
        int ao = at(a);
        int bo = at(b);
        // out = a + b: as a matmul's epilogue when b is the output of the matmul just before
        pending.add(new Call(label("", out) + ".add", Grid.of(n), null, null,
                new Epilogue("residual", TornadoKernels.EPILOGUE_RESIDUAL, bo, n, o, ao)));
    }

    @Override
    public void residualBackward(Buf da, Buf db, Buf dout, int n) {
        int ao = at(da);
        int bo = at(db);
        int d0 = at(dout);
        // da += dout, db += dout
        batch(label("", dout) + ".add.backward", key("resB", n), n, new int[] {ao, bo, d0},
                new long[] {ao, n, bo, n, d0, n}, new long[] {ao, n, bo, n},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::residualBackward, d.arena, s.inI, slot, n, models));
    }

    @Override
    public void gatherRowsForward(Buf out, Buf inp, IntBuf rows, int R, int C) {
        int o = at(out);
        int i = at(inp);
        int r = at(rows);
        // out (R,C) = inp[rows]
        batch(label("", out) + ".gather", key("gatF", R, C), R * C, new int[] {o, i, r},
                new long[] {i, inp.size(), Footprint.INTS + r, R}, new long[] {o, (long) R * C},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::gatherRowsForward, d.arena, d.intArena, s.inI,
                        slot, R, C, models));
    }

    @Override
    public void gatherRowsBackward(Buf dinp, Buf dout, IntBuf rows, int R, int C) {
        int di = at(dinp);
        int d0 = at(dout);
        scatterRows(label("", dout) + ".gather.backward", di, d0, rows, R, dinp.size() / C, C);
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
        batch("loss.forward", key("ceF", N, V, sm, eps, f64), N, new int[] {lo, h, lg, t},
                new long[] {lg, (long) N * V, Footprint.INTS + t, N}, new long[] {lo, N, h, N},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::crossEntropyForward, d.arena, d.intArena, s.inI,
                        slot, N, V, sm, eps, f64, models));
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
        batch("loss.backward", key("ceB", N, V, dlossScale, sm, eps, f64), N, new int[] {dl, lg, t},
                new long[] {lg, (long) N * V, Footprint.INTS + t, N}, new long[] {dl, (long) N * V},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::crossEntropyBackward, d.arena, d.intArena, s.inI,
                        slot, N, V, dlossScale, sm, eps, f64, models));
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
        int factorSlot = stageHyper(1);
        batch("scale", key("scale", n), n, new int[] {off, factorSlot}, new long[] {off, n}, new long[] {off, n},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::scale, d.arena, s.inI, slot, s.hp, n, models),
                hyperValues(factorSlot, factor));
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
        dotParts(name + ".parts", parts, ao, bo, n);
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
        int alphaSlot = stageHyper(1);
        // y += alpha·x
        batch("axpy", key("axpy", n), n, new int[] {yo, xo, alphaSlot}, new long[] {yo, n, xo, n}, new long[] {yo, n},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::axpy, d.arena, s.inI, slot, s.hp, n, models),
                hyperValues(alphaSlot, alpha));
    }

    // ---- a training step without a host round trip ----------------------------------------------

    /** A skip flag that is always 0 (for updates without a guard). */
    private Buf neverSkip;
    /**
     * Skip flags of the loss totals used as guards, one arena float each. A totals object gets its flag
     * when it first guards an update; from then on each pass filling it also sets the flag.
     */
    private final IdentityHashMap<LossTotals, Buf> skipFlags = new IdentityHashMap<>();

    /** Scalars computed on the device: [0] clipping factor, [1] ⊥Grad's −w·g/(w·w+ε), [2] ‖g‖, [3] its rescaling. */
    private int scalars() {
        return at(scratch("tornado.scalars", 4));
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
        batch("loss.totals.parts", key("totP", rows, T), TornadoKernels.SUM_PARTS, new int[] {lo, h, r, p},
                new long[] {lo, rows, h, rows, Footprint.INTS + r, rows}, new long[] {p, 4L * TornadoKernels.SUM_PARTS},
                (g, id, d, s, at, models) -> g.task(id, TornadoKernels::lossTotalsParts, d.arena, d.intArena, s.inI, at,
                        rows, T, models));
        // the totals go out at slot of the staging floats, and to into when the segment has run
        batch("loss.totals.sum", key("totS"), 1, new int[] {slot, p, skip}, new long[] {p, 4L * TornadoKernels.SUM_PARTS},
                new long[] {skip, skip < 0 ? 0 : 1},
                (g, id, d, s, at, models) -> g.task(id, TornadoKernels::lossTotalsSum, s.out, d.arena, s.inI, at, models),
                afterRun(s -> {
                    double sum = (double) s.out.get(slot) + (double) s.out.get(slot + 1);
                    into.set(sum, (long) s.out.get(slot + 2), (long) s.out.get(slot + 3));
                }));
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
        dotParts("gradnorm.parts", p, off, off, n);
        // the factor: max / ‖g‖ when ‖g‖ > max, else 1
        batch("grads.clip.factor", key("clipF", max), 1, new int[] {p, sc},
                new long[] {p, TornadoKernels.SUM_PARTS}, new long[] {sc, 1},
                (g, id, d, s, slot, models) -> g.task(id, TornadoKernels::clipFactor, d.arena, s.inI, slot, max, models));
        scaleByFactor("grads.clip", off, n, sc);
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
        // w·g, w·w, g·g (three independent sums: one task)
        dotParts("orthograd.wg", p, wo, go, n);
        dotParts("orthograd.ww", p + parts, wo, wo, n);
        dotParts("orthograd.gg", p + 2 * parts, go, go, n);
        // scalars [1] = −w·g/(w·w+ε), [2] = ‖g‖
        batch("orthograd.factors", key("orthF", e), 1, new int[] {p, p + parts, p + 2 * parts, sc + 1, sc + 2},
                new long[] {p, 3L * parts}, new long[] {sc + 1, 2},
                (gr, id, d, s, slot, models) -> gr.task(id, TornadoKernels::orthogonalFactors, d.arena, s.inI, slot, e, models));
        // g += [1]·w
        batch("orthograd.project", key("axpyF", n), n, new int[] {go, wo, sc + 1},
                new long[] {go, n, wo, n, sc + 1, 1}, new long[] {go, n},
                (gr, id, d, s, slot, models) -> gr.task(id, TornadoKernels::axpyByFactor, d.arena, s.inI, slot, n, models));
        dotParts("orthograd.norm", p, go, go, n);
        // scalars [3] = ‖g‖ / (‖g⊥‖ + ε), then g *= [3]
        batch("orthograd.rescale.factor", key("orthR", e), 1, new int[] {p, sc + 2, sc + 3},
                new long[] {p, parts, sc + 2, 1}, new long[] {sc + 3, 1},
                (gr, id, d, s, slot, models) -> gr.task(id, TornadoKernels::orthogonalRescale, d.arena, s.inI, slot, e, models));
        scaleByFactor("orthograd.rescale", go, n, sc + 3);
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
        float correction1 = 1f - (float) Math.pow(beta1, step);
        float correction2 = 1f - (float) Math.pow(beta2, step);
        float decay = 1f - lr * weightDecay;
        pending.add(new Call("adamw", Grid.of(params.size()), null, null, new Update(params.size(),
                new int[] {at(params), at(grads), at(m), at(v), at(skipFlag)},
                new float[] {lr, correction1, correction2, decay, beta1, beta2, eps})));
    }

    // ---- calls that share a task: the same matmul, update or copy of several models -------------

    /** What a call that may share one task with the calls like it next to it does. */
    private sealed interface Part permits Joinable, Epilogue {}

    /** A part that runs in one task with the parts of the same operation next to it. */
    private sealed interface Joinable extends Part permits Product, Update, Move, Batch {
        /** Whether o is the same operation on the same sizes. */
        boolean sameOperation(Joinable o);

        /** Adds the arena ranges it reads and writes to f. */
        void touch(Footprint f);
    }

    /**
     * One matmul (name: its task's), C (M,N) = [C +] A (M,K) · B (K,N) [+ bias] at arena offsets c, a, b,
     * bias, as {@link TornadoKernels#gemm} computes it (flags: A_T, B_T, ACCUMULATE, BIAS).
     */
    private record Product(String name, int flags, int M, int N, int K, int c, int a, int b, int bias) implements Joinable {
        /** The same product of another model: the same layer's, on the same sizes. */
        @Override
        public boolean sameOperation(Joinable o) {
            return o instanceof Product q && name.equals(q.name) && flags == q.flags && M == q.M && N == q.N && K == q.K;
        }

        @Override
        public void touch(Footprint f) {
            f.read(a, (long) M * K);
            f.read(b, (long) K * N);
            f.read(bias, (flags & TornadoKernels.BIAS) != 0 ? N : 0);
            f.read(c, (flags & TornadoKernels.ACCUMULATE) != 0 ? (long) M * N : 0);
            f.write(c, (long) M * N);
        }
    }

    /**
     * An elementwise pass a forward matmul can write as its epilogue (what: its name in the task's): out
     * = f(inp) for an activation, out = res + inp for a residual add, over n elements.
     */
    private record Epilogue(String what, int kind, int inp, int n, int out, int res) implements Part {
        /** The same pass run on its own ({@link TornadoKernels#elementwise}), when no matmul's task takes it. */
        Batch alone() {
            boolean residual = kind == TornadoKernels.EPILOGUE_RESIDUAL;
            return new Batch(key("epi", kind, n), n, new int[] {out, inp, res}, new long[] {inp, n, res, residual ? n : 0},
                    new long[] {out, n}, (g, id, d, s, slot, models) ->
                    g.task(id, TornadoKernels::elementwise, d.arena, s.inI, slot, kind, n, models), null);
        }
    }

    /** One AdamW update of n parameters: arena offsets and scalars as {@link TornadoKernels#adamW} reads them. */
    private record Update(int n, int[] offsets, float[] hyper) implements Joinable {
        @Override
        public boolean sameOperation(Joinable o) {
            return o instanceof Update u && n == u.n;
        }

        @Override
        public void touch(Footprint f) {
            for (int i = 0; i < 4; i++) {
                f.read(offsets[i], n);
            }
            f.read(offsets[4], 1);
            f.write(offsets[0], n);
            f.write(offsets[2], n);
            f.write(offsets[3], n);
        }
    }

    /** What a {@link Move} does: zero an arena range, fill one from the staged uploads, or read one out. */
    private enum MoveKind { ZERO, IN, IN_INTS, OUT }

    /**
     * A copy of n elements between the arena (at arena) and the graph's staging arrays (at staging), or a
     * zeroing. Consecutive moves of one kind run as one task ({@link TornadoKernels#zeroRanges} and the
     * copies beside it): the uploads of a batch, the zeroing of the gradients, K models' downloads.
     */
    private record Move(MoveKind kind, int arena, int staging, int n) implements Joinable {
        @Override
        public boolean sameOperation(Joinable o) {
            return o instanceof Move m && kind == m.kind;
        }

        @Override
        public void touch(Footprint f) {
            switch (kind) {
                case ZERO, IN -> f.write(arena, n);
                case IN_INTS -> f.write(Footprint.INTS + arena, n);
                case OUT -> f.read(arena, n);
            }
        }
    }

    /** How a {@link Batch}'s kernel becomes a task, for its models' offsets at slot of the staging ints. */
    @FunctionalInterface
    private interface BatchTask {
        void emit(TaskGraph g, String id, TornadoDevice d, Segment s, int slot, int models);
    }

    /**
     * A call of a kernel that takes each model's arena offsets from the staging ints (op: the kernel with
     * every size it was given, the same for all calls that share its task), work work-items per model, the
     * ranges (offset, length pairs) it reads and writes, and what it stages besides its offsets, before
     * and after the task (an inverse index in, loss totals out; null if nothing): consecutive calls of
     * one op run as one task over all their models.
     */
    private record Batch(String op, int work, int[] offsets, long[] reads, long[] writes, BatchTask task, Op stage)
            implements Joinable {
        @Override
        public boolean sameOperation(Joinable o) {
            return o instanceof Batch b && op.equals(b.op);
        }

        @Override
        public void touch(Footprint f) {
            for (int i = 0; i < reads.length; i += 2) {
                f.read(reads[i], reads[i + 1]);
            }
            for (int i = 0; i < writes.length; i += 2) {
                f.write(writes[i], writes[i + 1]);
            }
        }
    }

    /**
     * Records a call of a kernel with a model dimension (see {@link Batch}): its offsets, and the ranges
     * (offset, length) it reads and writes.
     */
    private void batch(String name, String op, int work, int[] offsets, long[] reads, long[] writes, BatchTask task) {
        batch(name, op, work, offsets, reads, writes, task, null);
    }

    private void batch(String name, String op, int work, int[] offsets, long[] reads, long[] writes, BatchTask task,
                       Op stage) {
        pending.add(new Call(name, Grid.of(work), null, null, new Batch(op, work, offsets, reads, writes, task, stage)));
    }

    /**
     * The arena ranges the calls of one task read and write, to tell whether another call can run in the
     * same task: only if it writes nothing they touch and reads nothing they write (calls of one task run
     * at the same time, in no order).
     */
    static final class Footprint {
        /** Where the int arena's ranges go: past any float arena offset. */
        static final long INTS = 1L << 40;

        private final Ranges reads = new Ranges();
        private final Ranges writes = new Ranges();

        void read(long start, long n) {
            reads.add(start, n);
        }

        void write(long start, long n) {
            writes.add(start, n);
        }

        /** Whether the calls of next can run at the same time as this one's. */
        boolean independentOf(Footprint next) {
            return !writes.intersects(next.reads) && !writes.intersects(next.writes) && !reads.intersects(next.writes);
        }

        /** Adds next's ranges to this footprint. */
        void add(Footprint next) {
            reads.addAll(next.reads);
            writes.addAll(next.writes);
        }
    }

    /** Disjoint [start, end) ranges, merged as they are added. */
    static final class Ranges {
        private final TreeMap<Long, Long> ends = new TreeMap<>();

        void add(long start, long n) {
            if (n <= 0) {
                return;
            }
            long end = start + n;
            Map.Entry<Long, Long> before = ends.floorEntry(start);
            if (before != null && before.getValue() >= start) {
                start = before.getKey();
                end = Math.max(end, before.getValue());
                ends.remove(before.getKey());
            }
            for (Map.Entry<Long, Long> e = ends.ceilingEntry(start); e != null && e.getKey() <= end;
                 e = ends.ceilingEntry(start)) {
                end = Math.max(end, e.getValue());
                ends.remove(e.getKey());
            }
            ends.put(start, end);
        }

        void addAll(Ranges o) {
            o.ends.forEach((start, end) -> add(start, end - start));
        }

        /** Whether [start, start + n) shares an element with a range here. */
        boolean intersects(long start, long n) {
            if (n <= 0) {
                return false;
            }
            // the ranges are disjoint and sorted: the last one starting before the end reaches furthest
            Map.Entry<Long, Long> last = ends.lowerEntry(start + n);
            return last != null && last.getValue() > start;
        }

        boolean intersects(Ranges o) {
            for (Map.Entry<Long, Long> e : o.ends.entrySet()) {
                if (intersects(e.getKey(), e.getValue() - e.getKey())) {
                    return true;
                }
            }
            return false;
        }
    }

    private long joinedProducts;
    private long joinedAdamW;
    private long fused;

    /** Matmuls run in the task of the matmul before them (one task for several models), so far. */
    long joinedProducts() {
        return joinedProducts;
    }

    /** AdamW calls run in the task of the AdamW call before them (one task for K models), so far. */
    long joinedAdamW() {
        return joinedAdamW;
    }

    /** Calls run as a matmul's epilogue instead of a task of their own, so far. */
    long fusedEpilogues() {
        return fused;
    }

    /**
     * The recorded calls as tasks. Each matmul or AdamW update becomes a task together with the calls
     * right after it that do the same operation on the same sizes, as long as they touch nothing another
     * writes (the same call of K models, which a lockstep records side by side: one task for all K), and
     * a forward matmul also writes the activations or residual adds that come right after it and read one
     * of its outputs, as their epilogues; one that no matmul takes is an elementwise pass of its own, which
     * the same pass of the other models joins. Consecutive uploads, downloads or zeroings of one kind become
     * one task too, and so do consecutive calls of one kernel with a model dimension ({@link Batch}). Their
     * offsets go in as staging ints, reserved here.
     */
    private List<Call> joined(List<Call> calls) {
        List<Call> tasks = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); ) {
            Call c = calls.get(i);
            if (c.part() instanceof Product p) {
                Footprint f = new Footprint();
                List<Product> models = sameTask(calls, i, Product.class, f);
                i += models.size();
                Epilogue[] epilogues = new Epilogue[models.size()];
                boolean forward = p.flags() == TornadoKernels.B_T || p.flags() == (TornadoKernels.B_T | TornadoKernels.BIAS);
                for (; forward && i < calls.size() && calls.get(i).part() instanceof Epilogue e; i++) {
                    int k = epilogueOf(models, epilogues, e, f);
                    if (k < 0) {
                        break;
                    }
                    epilogues[k] = e;
                }
                tasks.add(products(c.name(), models, epilogues));
            } else if (c.part() instanceof Update) {
                List<Update> models = sameTask(calls, i, Update.class, new Footprint());
                i += models.size();
                tasks.add(updates(models));
            } else if (c.part() instanceof Batch) {
                List<Batch> models = sameTask(calls, i, Batch.class, new Footprint());
                i += models.size();
                tasks.add(batches(c.name(), models));
            } else if (c.part() instanceof Epilogue) {
                // epilogues no matmul took: each a pass of its own, the same pass of K models one task
                List<Call> alone = new ArrayList<>();
                for (int j = i; j < calls.size() && calls.get(j).part() instanceof Epilogue e; j++) {
                    Call u = calls.get(j);
                    alone.add(new Call(u.name(), u.grid(), null, null, e.alone()));
                }
                List<Batch> models = sameTask(alone, 0, Batch.class, new Footprint());
                i += models.size();
                tasks.add(batches(c.name(), models));
            } else if (c.part() instanceof Move) {
                int n = sameTask(calls, i, Move.class, new Footprint()).size();
                tasks.add(n == 1 ? c : moves(List.copyOf(calls.subList(i, i + n))));
                i += n;
            } else {
                tasks.add(c);
                i++;
            }
        }
        return tasks;
    }

    /**
     * The parts of calls[i] and of the calls right after it of the same operation on the same sizes, as
     * long as each touches nothing the ones before it write and writes nothing they read; f
     * gets their ranges.
     */
    private static <P extends Joinable> List<P> sameTask(List<Call> calls, int i, Class<P> kind, Footprint f) {
        P first = kind.cast(calls.get(i).part());
        List<P> parts = new ArrayList<>(List.of(first));
        first.touch(f);
        for (int j = i + 1; j < calls.size() && kind.isInstance(calls.get(j).part()); j++) {
            P next = kind.cast(calls.get(j).part());
            Footprint touched = new Footprint();
            next.touch(touched);
            if (!first.sameOperation(next) || !f.independentOf(touched)) {
                break;
            }
            f.add(touched);
            parts.add(next);
        }
        return parts;
    }

    /**
     * The model among the matmuls whose output e reads as a whole and that has no epilogue yet, if e can
     * run as its epilogue beside all of them (its output touched by none, its residual written by none);
     * else −1. Adds e's ranges to f when it can.
     */
    private static int epilogueOf(List<Product> models, Epilogue[] epilogues, Epilogue e, Footprint f) {
        for (int k = 0; k < models.size(); k++) {
            Product p = models.get(k);
            if (epilogues[k] == null && p.c() == e.inp() && (long) p.M() * p.N() == e.n()) {
                Footprint next = new Footprint();
                next.write(e.out(), e.n());
                next.read(e.res(), e.kind() == TornadoKernels.EPILOGUE_RESIDUAL ? e.n() : 0);
                if (!f.independentOf(next)) {
                    return -1;
                }
                f.add(next);
                return k;
            }
        }
        return -1;
    }

    /** One task for the matmuls of several models (one model: one matmul), each with its epilogue, if any. */
    private Call products(String name, List<Product> models, Epilogue[] epilogues) {
        Product p = models.get(0);
        int K = models.size();
        int slot = stageInts(TornadoKernels.GEMM_OFFSETS * K);
        int[] offsets = new int[TornadoKernels.GEMM_OFFSETS * K];
        StringBuilder k = new StringBuilder(key("gemm", p.flags(), p.M(), p.N(), p.K(), slot));
        for (int m = 0; m < K; m++) {
            Product q = models.get(m);
            Epilogue e = epilogues[m];
            int[] o = {q.c(), q.a(), q.b(), q.bias(), e == null ? 0 : e.kind(), e == null ? 0 : e.out(),
                    e == null ? 0 : e.res()};
            System.arraycopy(o, 0, offsets, TornadoKernels.GEMM_OFFSETS * m, o.length);
            for (int v : o) {
                k.append(',').append(v);
            }
            fused += e == null ? 0 : 1;
        }
        joinedProducts += K - 1;
        String task = name + (epilogues[0] == null ? "" : "." + epilogues[0].what()) + (K == 1 ? "" : "." + K + ".models");
        int M = p.M();
        int N = p.N();
        int inner = p.K();
        int flags = p.flags();
        return new Call(task, Grid.gemm(M, N, K), k.toString(), withInts(slot, offsets, (g, id, d, s) ->
                g.task(id, TornadoKernels::gemm, d.context, d.arena, s.inI, slot, M, N, inner, flags)), null);
    }

    /**
     * One task for the AdamW updates of K models' tensors of n elements each (K = 1: one call): their
     * arena offsets go in as staging ints (exact, unlike floats past 2²⁴), their scalars as
     * hyper-parameters, K·n work-items ({@link TornadoKernels#adamW}).
     */
    private Call updates(List<Update> models) {
        int K = models.size();
        int n = models.get(0).n();
        int intSlot = stageInts(TornadoKernels.ADAMW_OFFSETS * K);
        int slot = stageHyper(TornadoKernels.ADAMW_HYPER * K);
        int[] offsets = new int[TornadoKernels.ADAMW_OFFSETS * K];
        float[] values = new float[TornadoKernels.ADAMW_HYPER * K];
        StringBuilder k = new StringBuilder(key("adamw", K, n, slot, intSlot));
        for (int m = 0; m < K; m++) {
            Update u = models.get(m);
            System.arraycopy(u.offsets(), 0, offsets, TornadoKernels.ADAMW_OFFSETS * m, TornadoKernels.ADAMW_OFFSETS);
            System.arraycopy(u.hyper(), 0, values, TornadoKernels.ADAMW_HYPER * m, TornadoKernels.ADAMW_HYPER);
            for (int off : u.offsets()) {
                k.append(',').append(off);
            }
        }
        joinedAdamW += K - 1;
        Op task = withInts(intSlot, offsets, (g, id, d, s) -> g.task(id, TornadoKernels::adamW, d.arena, s.inI, intSlot, s.hp, slot, n, K));
        return new Call(K == 1 ? "adamw" : "adamw." + K + ".models", Grid.of(Math.multiplyExact(K, n)), k.toString(),
                alongside(task, List.of(hyperValues(slot, values))), null);
    }

    /**
     * One task for consecutive moves of one kind (each call's own staging work, before and after, still
     * runs): their ranges go in as staging ints, one work-item per element of all of them.
     */
    private Call moves(List<Call> calls) {
        int count = calls.size();
        Move first = (Move) calls.get(0).part();
        int slot = stageInts(3 * count);
        int[] ranges = new int[3 * count];
        StringBuilder k = new StringBuilder(key("moves", first.kind(), count, slot));
        int total = 0;
        for (int r = 0; r < count; r++) {
            Move m = (Move) calls.get(r).part();
            ranges[3 * r] = m.arena();
            ranges[3 * r + 1] = m.staging();
            ranges[3 * r + 2] = total;
            total = Math.addExact(total, m.n());
            k.append(',').append(m.arena()).append(',').append(m.staging()).append(',').append(m.n());
        }
        joinedMoves += count - 1;
        int n = total;
        Op task = withInts(slot, ranges, switch (first.kind()) {
            case ZERO -> (g, id, d, s) -> g.task(id, TornadoKernels::zeroRanges, d.arena, s.inI, slot, count, n);
            case IN -> (g, id, d, s) -> g.task(id, TornadoKernels::copyInRanges, d.arena, s.inF, s.inI, slot, count, n);
            case IN_INTS -> (g, id, d, s) -> g.task(id, TornadoKernels::copyInIntsRanges, d.intArena, s.inI, slot, count, n);
            case OUT -> (g, id, d, s) -> g.task(id, TornadoKernels::copyOutRanges, s.out, d.arena, s.inI, slot, count, n);
        });
        String name = switch (first.kind()) {
            case ZERO -> "zero";
            case IN -> "in";
            case IN_INTS -> "in.ints";
            case OUT -> "out";
        } + "." + count + ".tensors";
        return new Call(name, Grid.of(n), k.toString(), alongside(task, calls.stream().map(Call::op).toList()), null);
    }

    /** One task for the calls of a kernel with a model dimension, one model each, their offsets staged. */
    private Call batches(String name, List<Batch> models) {
        Batch first = models.get(0);
        int K = models.size();
        int per = first.offsets().length;
        int slot = stageInts(per * K);
        int[] offsets = new int[per * K];
        StringBuilder k = new StringBuilder(key(first.op(), K, slot));
        for (int m = 0; m < K; m++) {
            System.arraycopy(models.get(m).offsets(), 0, offsets, per * m, per);
            for (int o : models.get(m).offsets()) {
                k.append(',').append(o);
            }
        }
        joinedBatches += K - 1;
        BatchTask task = first.task();
        Op staged = withInts(slot, offsets, (g, id, d, s) -> task.emit(g, id, d, s, slot, K));
        List<Op> stages = models.stream().map(Batch::stage).filter(java.util.Objects::nonNull).toList();
        return new Call(K == 1 ? name : name + "." + K + ".calls", Grid.of(Math.multiplyExact(K, first.work())), k.toString(),
                alongside(staged, stages), null);
    }

    private long joinedBatches;

    /** Calls of other kernels with a model dimension run in the task of the one before them, so far. */
    long joinedBatches() {
        return joinedBatches;
    }

    private long joinedMoves;

    /** Copies and zeroings run in the task of the one before them, so far. */
    long joinedMoves() {
        return joinedMoves;
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
        flushes++;
        List<Call> tasks = joined(pending);
        StringBuilder key = new StringBuilder();
        for (Call c : tasks) {
            key.append(c.key()).append(';');
        }
        String k = key.toString();
        List<Segment> graphs = segments.get(k);
        if (graphs == null) {
            graphs = new ArrayList<>();
            for (int from = 0, to; from < tasks.size(); from = to) {
                to = Math.min(tasks.size(), from + MAX_TASKS);
                List<Call> calls = List.copyOf(tasks.subList(from, to));
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
                tasks.get(i).op().before(s);
            }
            plan.withGraph(s.graph).execute();
            executions++;
            tasksRun += s.calls.size();
            for (int i = s.first; i < to; i++) {
                tasks.get(i).op().after(s);
            }
        }
        pending.clear();
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
