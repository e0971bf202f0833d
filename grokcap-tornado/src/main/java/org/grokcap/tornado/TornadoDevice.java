package org.grokcap.tornado;

import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.backend.IntBuf;
import org.grokcap.backend.LossTotals;
import org.grokcap.kernels.Activation;
import org.grokcap.kernels.CrossEntropy;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.ArrayList;
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
 * <p><b>Segments.</b> Calls are recorded, not run, until the host needs a value: {@link #toHost}
 * and {@link #sumOfSquares} (and {@link #dot}, which ⊥Grad calls per tensor) end a segment. A training
 * step is three segments: forward up to the
 * losses, backward up to the gradient norm, and the update (ended by the next step's first sync).
 * A segment's key is its sequence of calls with every size and offset; the first time a key is
 * seen, its calls become one {@link TaskGraph}, and the execution plan is rebuilt with every graph
 * known so far; afterwards the same key replays that graph. Only {@link #toDevice} data (the batch)
 * goes in, through a small staging array per graph, and only what {@link #toHost} asks for (the
 * losses and hits) and the gradient norm's partial sums come out. Values that change every step
 * without changing its shape (learning rate, bias corrections, clipping factor) travel in a small
 * per-graph array of hyper-parameters.
 *
 * <p>A new key (the first step, the first evaluation batch, a last short minibatch) costs a
 * rebuild: both arenas come back to the host, and the new plan, with all graphs, sends them back.
 * That happens a few times per run, not per step.
 */
public final class TornadoDevice implements Device {
    private static final AtomicInteger PLANS = new AtomicInteger();

    private final uk.ac.manchester.tornado.api.common.TornadoDevice target;
    private final String prefix = "grokcap" + PLANS.incrementAndGet() + "_";

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
    private final List<Op> pending = new ArrayList<>();
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

    private void record(String k, Op op) {
        key.append(k).append(';');
        pending.add(op);
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

    @Override
    public void toDevice(Buf buf) {
        if (buf.size() == 0) {
            return;
        }
        int off = at(buf);
        int n = buf.size();
        int slot = inFloats;
        inFloats += n;
        // the host's values now: later host writes (the next evaluation chunk's batch) are for later calls
        stagedFloats = grow(stagedFloats, slot + n);
        System.arraycopy(buf.host(), buf.offset(), stagedFloats, slot, n);
        record(key("in", off, n, slot), new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {
                g.task(id, TornadoKernels::copyIn, d.arena, off, s.inF, slot, n);
            }

            @Override
            public void before(Segment s) {
                for (int i = 0; i < n; i++) {
                    s.inF.set(slot + i, stagedFloats[slot + i]);
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
        stagedInts = grow(stagedInts, slot + n);
        System.arraycopy(buf.host(), buf.offset(), stagedInts, slot, n);
        record(key("inI", off, n, slot), new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {
                g.task(id, TornadoKernels::copyInInts, d.intArena, off, s.inI, slot, n);
            }

            @Override
            public void before(Segment s) {
                for (int i = 0; i < n; i++) {
                    s.inI.set(slot + i, stagedInts[slot + i]);
                }
            }
        });
    }

    /** Host values of this segment's uploads, taken when each was recorded (at its slot). */
    private float[] stagedFloats = new float[0];
    private int[] stagedInts = new int[0];

    private static float[] grow(float[] a, int size) {
        return size <= a.length ? a : java.util.Arrays.copyOf(a, Math.max(size, 2 * a.length));
    }

    private static int[] grow(int[] a, int size) {
        return size <= a.length ? a : java.util.Arrays.copyOf(a, Math.max(size, 2 * a.length));
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
        int off = at(buf);
        int n = buf.size();
        int slot = outFloats;
        outFloats += n;
        record(key("out", off, n, slot), new Op() {
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
        flush();
    }

    @Override
    public void zero(Buf b) {
        if (b.size() == 0) {
            return;
        }
        int off = at(b);
        int n = b.size();
        record(key("zero", off, n), (g, id, d, s) -> g.task(id, TornadoKernels::zero, d.arena, off, n));
    }

    // ---- kernels ------------------------------------------------------------------------------

    @Override
    public void embeddingForward(Buf out, IntBuf tokens, Buf wte, Buf wpe, int B, int T, int C) {
        int o = at(out);
        int tk = at(tokens);
        int e = at(wte);
        int p = at(wpe);
        int n = B * T * C;
        record(key("embF", o, tk, e, p, n, T, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::embeddingForward, d.arena, d.intArena, o, tk, e, p, n, T, C));
    }

    @Override
    public void embeddingBackward(Buf dwte, Buf dwpe, Buf dout, IntBuf tokens, int B, int T, int C) {
        int e = at(dwte);
        int p = at(dwpe);
        int d0 = at(dout);
        int tk = at(tokens);
        int bt = B * T;
        record(key("embB", e, p, d0, tk, bt, T, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::embeddingBackward, d.arena, d.intArena, e, p, d0, tk, bt, T, C));
    }

    @Override
    public void linearForward(Buf out, Buf inp, Buf w, Buf bias, int N, int C, int OC) {
        int o = at(out);
        int i = at(inp);
        int wo = at(w);
        int hasBias = bias == null ? 0 : 1;
        int bo = bias == null ? 0 : at(bias);
        record(key("linF", o, i, wo, bo, hasBias, N, C, OC),
                (g, id, d, s) -> g.task(id, TornadoKernels::linearForward, d.arena, o, i, wo, bo, hasBias, N, C, OC));
    }

    @Override
    public void linearBackward(Buf dinp, Buf dw, Buf dbias, Buf dout, Buf inp, Buf w, int N, int C, int OC) {
        int dwo = at(dw);
        int d0 = at(dout);
        int i = at(inp);
        int wo = at(w);
        if (dinp != null) {
            int di = at(dinp);
            record(key("linBI", di, d0, wo, N, C, OC), (g, id, d, s) ->
                    g.task(id, TornadoKernels::linearBackwardInput, d.arena, di, d0, wo, N, C, OC));
        }
        record(key("linBW", dwo, d0, i, N, C, OC), (g, id, d, s) ->
                g.task(id, TornadoKernels::linearBackwardWeight, d.arena, dwo, d0, i, N, C, OC));
        if (dbias != null) {
            int db = at(dbias);
            record(key("linBB", db, d0, N, OC), (g, id, d, s) ->
                    g.task(id, TornadoKernels::linearBackwardBias, d.arena, db, d0, N, OC));
        }
    }

    @Override
    public void attentionForward(Buf out, Buf att, Buf qkv, IntBuf qRows, int NQ, int T, int C, int H, float scale) {
        int o = at(out);
        int a = at(att);
        int q = at(qkv);
        int r = at(qRows);
        record(key("attF", o, a, q, r, NQ, T, C, H, scale),
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
        record(key("attBQ", args, scale), (g, id, d, s) -> g.task(id, TornadoKernels::attentionBackwardQuery,
                d.arena, d.intArena, dq, dp, d0, q, a, r, NQ, T, C, H, scale));
        record(key("attBKV", args, rows), (g, id, d, s) -> g.task(id, TornadoKernels::attentionBackwardKeyValue,
                d.arena, d.intArena, dq, dp, d0, q, a, r, rows, NQ, T, C, H));
    }

    @Override
    public void rmsNormForward(Buf out, Buf rstd, Buf inp, Buf weight, int N, int C) {
        int o = at(out);
        int rs = at(rstd);
        int i = at(inp);
        int w = at(weight);
        record(key("rmsF", o, rs, i, w, N, C), (g, id, d, s) ->
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
        record(key("rmsBI", di, d0, i, w, rs, N, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::rmsNormBackwardInput, d.arena, di, d0, i, w, rs, N, C));
        record(key("rmsBW", dw, d0, i, rs, N, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::rmsNormBackwardWeight, d.arena, dw, d0, i, rs, N, C));
    }

    @Override
    public void swigluForward(Buf out, Buf inp, int N, int M) {
        int o = at(out);
        int i = at(inp);
        record(key("swiF", o, i, N, M), (g, id, d, s) ->
                g.task(id, TornadoKernels::swigluForward, d.arena, o, i, N, M));
    }

    @Override
    public void swigluBackward(Buf dinp, Buf inp, Buf dout, int N, int M) {
        int di = at(dinp);
        int i = at(inp);
        int d0 = at(dout);
        record(key("swiB", di, i, d0, N, M), (g, id, d, s) ->
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
        record(key("rope", sign, o, i, co, si, N, T, C, H),
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
        record(key("lnF", o, m, rs, i, w, b, N, C), (g, id, d, s) ->
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
        record(key("lnBI", di, d0, i, w, m, rs, N, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::layerNormBackwardInput, d.arena, di, d0, i, w, m, rs, N, C));
        record(key("lnBP", dw, db, d0, i, m, rs, N, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::layerNormBackwardParams, d.arena, dw, db, d0, i, m, rs, N, C));
    }

    @Override
    public void activationForward(Activation kind, Buf out, Buf inp, int n) {
        int o = at(out);
        int i = at(inp);
        switch (kind) {
            case RELU -> record(key("reluF", o, i, n), (g, id, d, s) ->
                    g.task(id, TornadoKernels::reluForward, d.arena, o, i, n));
            case GELU -> record(key("geluF", o, i, n), (g, id, d, s) ->
                    g.task(id, TornadoKernels::geluForward, d.arena, o, i, n));
        }
    }

    @Override
    public void activationBackward(Activation kind, Buf dinp, Buf inp, Buf dout, int n) {
        int di = at(dinp);
        int i = at(inp);
        int d0 = at(dout);
        switch (kind) {
            case RELU -> record(key("reluB", di, i, d0, n), (g, id, d, s) ->
                    g.task(id, TornadoKernels::reluBackward, d.arena, di, i, d0, n));
            case GELU -> record(key("geluB", di, i, d0, n), (g, id, d, s) ->
                    g.task(id, TornadoKernels::geluBackward, d.arena, di, i, d0, n));
        }
    }

    @Override
    public void residualForward(Buf out, Buf a, Buf b, int n) {
        int o = at(out);
        int ao = at(a);
        int bo = at(b);
        record(key("resF", o, ao, bo, n), (g, id, d, s) ->
                g.task(id, TornadoKernels::residualForward, d.arena, o, ao, bo, n));
    }

    @Override
    public void residualBackward(Buf da, Buf db, Buf dout, int n) {
        int ao = at(da);
        int bo = at(db);
        int d0 = at(dout);
        record(key("resB", ao, bo, d0, n), (g, id, d, s) ->
                g.task(id, TornadoKernels::residualBackward, d.arena, ao, bo, d0, n));
    }

    @Override
    public void gatherRowsForward(Buf out, Buf inp, IntBuf rows, int R, int C) {
        int o = at(out);
        int i = at(inp);
        int r = at(rows);
        record(key("gatF", o, i, r, R, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::gatherRowsForward, d.arena, d.intArena, o, i, r, R, C));
    }

    @Override
    public void gatherRowsBackward(Buf dinp, Buf dout, IntBuf rows, int R, int C) {
        int di = at(dinp);
        int d0 = at(dout);
        int r = at(rows);
        record(key("gatB", di, d0, r, R, C), (g, id, d, s) ->
                g.task(id, TornadoKernels::gatherRowsBackward, d.arena, d.intArena, di, d0, r, R, C));
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
        record(key("ceF", lo, h, lg, t, N, V, sm, eps, f64), (g, id, d, s) ->
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
        record(key("ceB", dl, lg, t, N, V, dlossScale, sm, eps, f64), (g, id, d, s) ->
                g.task(id, TornadoKernels::crossEntropyBackward, d.arena, d.intArena, dl, lg, t, N, V, dlossScale,
                        sm, eps, f64));
    }

    // ---- optimizer ----------------------------------------------------------------------------

    /** Σ g² as g·g: one reduction kernel for both. */
    @Override
    public double sumOfSquares(Buf grads) {
        return dot(grads, grads);
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
        record(key("scale", off, n, slot), new Op() {
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
        Buf.requireSameSize(a, b);
        if (a.size() == 0) {
            return 0.0;
        }
        int ao = at(a);
        int bo = at(b);
        int n = a.size();
        int slot = outFloats;
        outFloats += TornadoKernels.SUM_PARTS;
        record(key("dot", ao, bo, n, slot), new Op() { // ends the segment: the host needs the sum
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {
                g.task(id, TornadoKernels::dotParts, s.out, slot, d.arena, ao, bo, n);
            }

            @Override
            public void after(Segment s) {
                double sum = 0.0;
                for (int p = 0; p < TornadoKernels.SUM_PARTS; p++) {
                    sum += s.out.get(slot + p);
                }
                lastSum = sum;
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
        record(key("axpy", yo, xo, n, slot), new Op() {
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

    /** Scratch for SUM_PARTS partial sums: loss totals (4 per part), the clipping norm, ⊥Grad's three products. */
    private Buf partsScratch;
    /** Scalars computed on the device: [0] clipping factor, [1] ⊥Grad's −w·g/(w·w+ε), [2] ‖g‖, [3] its rescaling. */
    private Buf scalars;
    /** A skip flag that is always 0 (for updates without a guard). */
    private Buf neverSkip;
    /**
     * Skip flags of the loss totals used as guards, one arena float each. A totals object gets its flag
     * when it first guards an update; from then on each pass filling it also sets the flag.
     */
    private final IdentityHashMap<LossTotals, Buf> skipFlags = new IdentityHashMap<>();

    private Buf parts() {
        if (partsScratch == null) {
            partsScratch = floats("tornado.sum.parts", 4 * TornadoKernels.SUM_PARTS);
            scalars = floats("tornado.scalars", 4);
            neverSkip = floats("tornado.adamw.never.skip", 1);
        }
        return partsScratch;
    }

    @Override
    public void lossTotals(LossTotals into, Buf losses, Buf hits, IntBuf targetRows, int rows, int T) {
        int lo = at(losses);
        int h = at(hits);
        int r = at(targetRows);
        int p = at(parts());
        Buf flag = skipFlags.get(into);
        int skip = flag == null ? -1 : at(flag);
        int slot = outFloats;
        outFloats += 4;
        into.expect(this);
        record(key("totP", lo, h, r, rows, T, p), (g, id, d, s) ->
                g.task(id, TornadoKernels::lossTotalsParts, d.arena, d.intArena, lo, h, r, rows, T, p));
        record(key("totS", slot, p, skip), new Op() {
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
        int p = at(parts());
        int f = at(scalars);
        float max = (float) maxNorm;
        record(key("clipP", off, n, p), (g, id, d, s) ->
                g.task(id, TornadoKernels::productParts, d.arena, off, off, n, p));
        record(key("clipF", p, max, f), (g, id, d, s) -> g.task(id, TornadoKernels::clipFactor, d.arena, p, max, f));
        record(key("clipS", off, n, f), (g, id, d, s) -> g.task(id, TornadoKernels::scaleByFactor, d.arena, off, n, f));
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
        int p = at(parts());
        int parts = TornadoKernels.SUM_PARTS;
        int sc = at(scalars);
        float e = (float) eps;
        String args = wo + "," + go + "," + n + "," + p + "," + sc + "," + e;
        record(key("orthWG", args), (gr, id, d, s) -> gr.task(id, TornadoKernels::productParts, d.arena, wo, go, n, p));
        record(key("orthWW", args), (gr, id, d, s) ->
                gr.task(id, TornadoKernels::productParts, d.arena, wo, wo, n, p + parts));
        record(key("orthGG", args), (gr, id, d, s) ->
                gr.task(id, TornadoKernels::productParts, d.arena, go, go, n, p + 2 * parts));
        record(key("orthF", args), (gr, id, d, s) -> gr.task(id, TornadoKernels::orthogonalFactors, d.arena, p,
                p + parts, p + 2 * parts, e, sc + 1, sc + 2));
        record(key("orthA", args), (gr, id, d, s) ->
                gr.task(id, TornadoKernels::axpyByFactor, d.arena, go, wo, n, sc + 1));
        record(key("orthOO", args), (gr, id, d, s) ->
                gr.task(id, TornadoKernels::productParts, d.arena, go, go, n, p));
        record(key("orthR", args), (gr, id, d, s) ->
                gr.task(id, TornadoKernels::orthogonalRescale, d.arena, p, sc + 2, e, sc + 3));
        record(key("orthS", args), (gr, id, d, s) ->
                gr.task(id, TornadoKernels::scaleByFactor, d.arena, go, n, sc + 3));
    }

    @Override
    public void adamW(Buf params, Buf grads, Buf m, Buf v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, int step) {
        parts();
        adamW(params, grads, m, v, lr, beta1, beta2, eps, weightDecay, step, neverSkip);
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
            parts();
            flag = neverSkip;
        }
        adamW(params, grads, m, v, lr, beta1, beta2, eps, weightDecay, step, flag);
    }

    private void adamW(Buf params, Buf grads, Buf m, Buf v, float lr, float beta1, float beta2, float eps,
                       float weightDecay, int step, Buf skipFlag) {
        if (params.size() == 0) {
            return;
        }
        int skip = at(skipFlag);
        int p = at(params);
        int g0 = at(grads);
        int mo = at(m);
        int vo = at(v);
        int n = params.size();
        int slot = hyper;
        hyper += 4;
        float correction1 = 1f - (float) Math.pow(beta1, step);
        float correction2 = 1f - (float) Math.pow(beta2, step);
        float decay = 1f - lr * weightDecay;
        record(key("adamw", p, g0, mo, vo, n, beta1, beta2, eps, slot, skip), new Op() {
            @Override
            public void emit(TaskGraph g, String id, TornadoDevice d, Segment s) {
                g.task(id, TornadoKernels::adamW, d.arena, p, g0, mo, vo, n, beta1, beta2, eps, s.hp, slot, skip);
            }

            @Override
            public void before(Segment s) {
                s.hp.set(slot, lr);
                s.hp.set(slot + 1, correction1);
                s.hp.set(slot + 2, correction2);
                s.hp.set(slot + 3, decay);
            }
        });
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
        final List<Op> ops;
        final FloatArray inF;
        final IntArray inI;
        final FloatArray out;
        final FloatArray hp;

        Segment(int graph, int first, List<Op> ops, int inFloats, int inInts, int outFloats, int hyper) {
            this.graph = graph;
            this.first = first;
            this.ops = ops;
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
            for (int from = 0; from < pending.size(); from += MAX_TASKS) {
                List<Op> ops = List.copyOf(pending.subList(from, Math.min(pending.size(), from + MAX_TASKS)));
                Segment s = new Segment(order.size() + 1, from, ops, inFloats, inInts, outFloats, hyper);
                graphs.add(s);
                order.add(s);
            }
            segments.put(k, graphs);
            rebuild();
        }
        for (Segment s : graphs) {
            int to = s.first + s.ops.size();
            for (int i = s.first; i < to; i++) {
                pending.get(i).before(s);
            }
            plan.withGraph(s.graph).execute();
            executions++;
            for (int i = s.first; i < to; i++) {
                pending.get(i).after(s);
            }
        }
        pending.clear();
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
            g.task("touch", TornadoKernels::touch, a, ia);
            for (int i = 0; i < s.ops.size(); i++) {
                s.ops.get(i).emit(g, "t" + (s.first + i), this, s);
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
        plan = new TornadoExecutionPlan(graphs);
        plan.withDevice(target);
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
