package org.grokcap.tornado;

import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.backend.IntBuf;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.kernels.Activation;
import org.grokcap.kernels.CrossEntropy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every Device kernel of the tornado backend against the reference device, on fresh random inputs,
 * run by TornadoVM (with bail-out to Java turned off, so a kernel that does not compile fails here).
 */
class TornadoDeviceTest {
    private static final int B = 3;
    private static final int T = 5;
    private static final int C = 8;
    private static final int H = 2;
    private static final int V = 11;

    private static TornadoDevice tornado;

    @BeforeAll
    static void start() {
        TornadoBackend backend = new TornadoBackend();
        assumeTrue(backend.availability().available(), "TornadoVM is not present: " + backend.availability().reason());
        assertEquals("False", System.getProperty("tornado.recover.bailout"),
                "the tests must run with -Dtornado.recover.bailout=False so a Java fallback fails loudly");
        tornado = (TornadoDevice) backend.create(0);
    }

    @AfterAll
    static void stop() {
        if (tornado != null) {
            tornado.close();
        }
    }

    /** The same named tensors on both devices, filled with the same random values. */
    private static final class Pair {
        final Device ref = new ReferenceDevice();
        final Random rnd;

        Pair(long seed) {
            rnd = new Random(seed);
        }

        Buf[] floats(int n) {
            Buf r = ref.floats("x", n);
            Buf t = tornado.floats("x", n);
            for (int i = 0; i < n; i++) {
                float v = (float) rnd.nextGaussian();
                r.host()[i] = v;
                t.host()[i] = v;
            }
            tornado.toDevice(t);
            return new Buf[] {r, t};
        }

        IntBuf[] ints(int[] values) {
            IntBuf r = ref.ints("i", values.length);
            IntBuf t = tornado.ints("i", values.length);
            System.arraycopy(values, 0, r.host(), 0, values.length);
            System.arraycopy(values, 0, t.host(), 0, values.length);
            tornado.toDevice(t);
            return new IntBuf[] {r, t};
        }

        void run(Consumer<Device> refCall, Consumer<Device> tornadoCall) {
            refCall.accept(ref);
            tornadoCall.accept(tornado);
        }

        static void same(Buf[] pair, float tol) {
            tornado.toHost(pair[1]);
            float[] r = pair[0].host();
            float[] t = pair[1].host();
            for (int i = 0; i < pair[0].size(); i++) {
                float scale = Math.max(1f, Math.abs(r[i]));
                assertTrue(Math.abs(r[i] - t[i]) <= tol * scale, "element " + i + ": reference " + r[i] + ", tornado " + t[i]);
            }
        }
    }

    private static int[] randomTokens(Random rnd, int n, int bound) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = rnd.nextInt(bound);
        }
        return t;
    }

    @Test
    void embeddingForwardAndBackward() {
        Pair p = new Pair(1);
        Buf[] out = p.floats(B * T * C);
        Buf[] wte = p.floats(V * C);
        Buf[] wpe = p.floats(T * C);
        IntBuf[] tok = p.ints(randomTokens(p.rnd, B * T, V));
        p.ref.embeddingForward(out[0], tok[0], wte[0], wpe[0], B, T, C);
        tornado.embeddingForward(out[1], tok[1], wte[1], wpe[1], B, T, C);
        Pair.same(out, 1e-6f);
        Buf[] dwte = p.floats(V * C);
        Buf[] dwpe = p.floats(T * C);
        Buf[] dout = p.floats(B * T * C);
        p.ref.embeddingBackward(dwte[0], dwpe[0], dout[0], tok[0], B, T, C);
        tornado.embeddingBackward(dwte[1], dwpe[1], dout[1], tok[1], B, T, C);
        Pair.same(dwte, 1e-5f);
        Pair.same(dwpe, 1e-5f);
    }

    @Test
    void linearForwardAndBackward() {
        for (boolean bias : new boolean[] {true, false}) {
            Pair p = new Pair(bias ? 2 : 3);
            int N = 7;
            int OC = 6;
            Buf[] out = p.floats(N * OC);
            Buf[] inp = p.floats(N * C);
            Buf[] w = p.floats(OC * C);
            Buf[] b = bias ? p.floats(OC) : new Buf[2];
            p.ref.linearForward(out[0], inp[0], w[0], b[0], N, C, OC);
            tornado.linearForward(out[1], inp[1], w[1], b[1], N, C, OC);
            Pair.same(out, 1e-5f);
            Buf[] dinp = p.floats(N * C);
            Buf[] dw = p.floats(OC * C);
            Buf[] db = bias ? p.floats(OC) : new Buf[2];
            Buf[] dout = p.floats(N * OC);
            p.ref.linearBackward(dinp[0], dw[0], db[0], dout[0], inp[0], w[0], N, C, OC);
            tornado.linearBackward(dinp[1], dw[1], db[1], dout[1], inp[1], w[1], N, C, OC);
            Pair.same(dinp, 1e-5f);
            Pair.same(dw, 1e-5f);
            if (bias) {
                Pair.same(db, 1e-5f);
            }
        }
    }

    @Test
    void attentionForwardAndBackwardAtAllRowsAndAtSomeRows() {
        int[][] rowSets = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, {4, 5, 9, 13, 14}};
        for (int[] rows : rowSets) {
            Pair p = new Pair(rows.length);
            int NQ = rows.length;
            float scale = 1f / (float) Math.sqrt(C / H);
            Buf[] qkv = p.floats(B * T * 3 * C);
            IntBuf[] q = p.ints(rows);
            Buf[] out = p.floats(NQ * C);
            Buf[] att = p.floats(NQ * H * T);
            p.ref.attentionForward(out[0], att[0], qkv[0], q[0], NQ, T, C, H, scale);
            tornado.attentionForward(out[1], att[1], qkv[1], q[1], NQ, T, C, H, scale);
            Pair.same(out, 1e-5f);
            Pair.same(att, 1e-5f);
            Buf[] dqkv = p.floats(B * T * 3 * C);
            Buf[] dout = p.floats(NQ * C);
            p.ref.attentionBackward(dqkv[0], dout[0], qkv[0], att[0], q[0], NQ, T, C, H, scale);
            tornado.attentionBackward(dqkv[1], dout[1], qkv[1], att[1], q[1], NQ, T, C, H, scale);
            Pair.same(dqkv, 1e-5f);
        }
    }

    @Test
    void layerNormForwardAndBackward() {
        Pair p = new Pair(4);
        int N = 9;
        Buf[] out = p.floats(N * C);
        Buf[] mean = p.floats(N);
        Buf[] rstd = p.floats(N);
        Buf[] inp = p.floats(N * C);
        Buf[] w = p.floats(C);
        Buf[] b = p.floats(C);
        p.ref.layerNormForward(out[0], mean[0], rstd[0], inp[0], w[0], b[0], N, C);
        tornado.layerNormForward(out[1], mean[1], rstd[1], inp[1], w[1], b[1], N, C);
        Pair.same(out, 1e-5f);
        Pair.same(mean, 1e-5f);
        Pair.same(rstd, 1e-5f);
        Buf[] dinp = p.floats(N * C);
        Buf[] dw = p.floats(C);
        Buf[] db = p.floats(C);
        Buf[] dout = p.floats(N * C);
        p.ref.layerNormBackward(dinp[0], dw[0], db[0], dout[0], inp[0], w[0], mean[0], rstd[0], N, C);
        tornado.layerNormBackward(dinp[1], dw[1], db[1], dout[1], inp[1], w[1], mean[1], rstd[1], N, C);
        Pair.same(dinp, 1e-5f);
        Pair.same(dw, 1e-5f);
        Pair.same(db, 1e-5f);
    }

    @Test
    void llamaKernels() {
        Pair p = new Pair(14);
        int N = B * T;
        Buf[] out = p.floats(N * C);
        Buf[] rstd = p.floats(N);
        Buf[] inp = p.floats(N * C);
        Buf[] w = p.floats(C);
        p.ref.rmsNormForward(out[0], rstd[0], inp[0], w[0], N, C);
        tornado.rmsNormForward(out[1], rstd[1], inp[1], w[1], N, C);
        Pair.same(out, 1e-5f);
        Pair.same(rstd, 1e-5f);
        Buf[] dinp = p.floats(N * C);
        Buf[] dw = p.floats(C);
        Buf[] dout = p.floats(N * C);
        p.ref.rmsNormBackward(dinp[0], dw[0], dout[0], inp[0], w[0], rstd[0], N, C);
        tornado.rmsNormBackward(dinp[1], dw[1], dout[1], inp[1], w[1], rstd[1], N, C);
        Pair.same(dinp, 1e-5f);
        Pair.same(dw, 1e-5f);

        int M = 5;
        Buf[] gateUp = p.floats(N * 2 * M);
        Buf[] act = p.floats(N * M);
        p.ref.swigluForward(act[0], gateUp[0], N, M);
        tornado.swigluForward(act[1], gateUp[1], N, M);
        Pair.same(act, 1e-5f);
        Buf[] dGateUp = p.floats(N * 2 * M);
        Buf[] dAct = p.floats(N * M);
        p.ref.swigluBackward(dGateUp[0], gateUp[0], dAct[0], N, M);
        tornado.swigluBackward(dGateUp[1], gateUp[1], dAct[1], N, M);
        Pair.same(dGateUp, 1e-5f);

        int half = C / H / 2;
        Buf[] cos = p.floats(T * half);
        Buf[] sin = p.floats(T * half);
        org.grokcap.kernels.Rotary.table(cos[0].host(), 0, sin[0].host(), 0, T, C / H);
        System.arraycopy(cos[0].host(), 0, cos[1].host(), 0, T * half);
        System.arraycopy(sin[0].host(), 0, sin[1].host(), 0, T * half);
        tornado.toDevice(cos[1]);
        tornado.toDevice(sin[1]);
        Buf[] qkv = p.floats(N * 3 * C);
        Buf[] turned = p.floats(N * 3 * C);
        p.ref.rotaryForward(turned[0], qkv[0], cos[0], sin[0], N, T, C, H);
        tornado.rotaryForward(turned[1], qkv[1], cos[1], sin[1], N, T, C, H);
        Pair.same(turned, 1e-5f);
        Buf[] dqkv = p.floats(N * 3 * C);
        Buf[] dTurned = p.floats(N * 3 * C);
        p.ref.rotaryBackward(dqkv[0], dTurned[0], cos[0], sin[0], N, T, C, H);
        tornado.rotaryBackward(dqkv[1], dTurned[1], cos[1], sin[1], N, T, C, H);
        Pair.same(dqkv, 1e-5f);
    }

    @Test
    void activationsResidualAndGather() {
        for (Activation kind : Activation.values()) {
            Pair p = new Pair(5 + kind.ordinal());
            int n = 37;
            Buf[] out = p.floats(n);
            Buf[] inp = p.floats(n);
            p.ref.activationForward(kind, out[0], inp[0], n);
            tornado.activationForward(kind, out[1], inp[1], n);
            Pair.same(out, 1e-6f);
            Buf[] dinp = p.floats(n);
            Buf[] dout = p.floats(n);
            p.ref.activationBackward(kind, dinp[0], inp[0], dout[0], n);
            tornado.activationBackward(kind, dinp[1], inp[1], dout[1], n);
            Pair.same(dinp, 1e-6f);
        }
        Pair p = new Pair(7);
        int n = 29;
        Buf[] out = p.floats(n);
        Buf[] a = p.floats(n);
        Buf[] b = p.floats(n);
        p.ref.residualForward(out[0], a[0], b[0], n);
        tornado.residualForward(out[1], a[1], b[1], n);
        Pair.same(out, 0f);
        p.ref.residualBackward(a[0], b[0], out[0], n);
        tornado.residualBackward(a[1], b[1], out[1], n);
        Pair.same(a, 0f);
        Pair.same(b, 0f);
        int R = 6;
        int[] rows = {3, 0, 3, 5, 1, 3}; // repeated rows: backward must add, not overwrite
        IntBuf[] r = p.ints(rows);
        Buf[] inp = p.floats(6 * C);
        Buf[] g = p.floats(R * C);
        p.ref.gatherRowsForward(g[0], inp[0], r[0], R, C);
        tornado.gatherRowsForward(g[1], inp[1], r[1], R, C);
        Pair.same(g, 0f);
        p.ref.gatherRowsBackward(inp[0], g[0], r[0], R, C);
        tornado.gatherRowsBackward(inp[1], g[1], r[1], R, C);
        Pair.same(inp, 1e-6f);
    }

    /**
     * Softmax and stablemax, without and with label smoothing, in float and double, at awkward sizes:
     * logits spread to ±6 so stablemax takes both branches of s, and exact 0 and 1 planted (at x = 1 the
     * branch for x &lt; 0 would divide by zero if it were evaluated).
     */
    @Test
    void crossEntropyLossesInFloatAndDouble() {
        int N = 7;
        int V = 97;
        long seed = 8;
        for (boolean stablemax : new boolean[] {false, true}) {
            for (double eps : new double[] {0.0, 0.1}) {
                for (boolean float64 : new boolean[] {true, false}) {
                    CrossEntropy.Loss loss = new CrossEntropy.Loss(stablemax, eps, float64);
                    String what = loss + ": ";
                    Pair p = new Pair(seed++);
                    Buf[] losses = p.floats(N);
                    Buf[] hits = p.floats(N);
                    Buf[] logits = p.floats(N * V);
                    for (int i = 0; i < N * V; i++) {
                        float x = i % 31 == 0 ? 1f : i % 37 == 0 ? 0f : 3f * logits[0].host()[i];
                        logits[0].host()[i] = x;
                        logits[1].host()[i] = x;
                    }
                    tornado.toDevice(logits[1]);
                    IntBuf[] targets = p.ints(randomTokens(p.rnd, N, V));
                    p.ref.crossEntropyForward(losses[0], hits[0], logits[0], targets[0], N, V, loss);
                    tornado.crossEntropyForward(losses[1], hits[1], logits[1], targets[1], N, V, loss);
                    sameLoss(what + "losses", losses, 1e-5f);
                    sameLoss(what + "hits", hits, 0f);
                    Buf[] dlogits = p.floats(N * V);
                    p.ref.crossEntropyBackward(dlogits[0], logits[0], targets[0], N, V, 1f / N, loss);
                    tornado.crossEntropyBackward(dlogits[1], logits[1], targets[1], N, V, 1f / N, loss);
                    sameLoss(what + "dlogits", dlogits, 1e-5f);
                }
            }
        }
    }

    /** {@link Pair#same}, naming the loss in the failure. */
    private static void sameLoss(String what, Buf[] pair, float tol) {
        try {
            Pair.same(pair, tol);
        } catch (AssertionError e) {
            throw new AssertionError(what + ": " + e.getMessage(), e);
        }
    }

    @Test
    void optimizerKernels() {
        Pair p = new Pair(10);
        int n = 1000;
        Buf[] g = p.floats(n);
        double ref = p.ref.sumOfSquares(g[0]);
        double got = tornado.sumOfSquares(g[1]);
        assertEquals(ref, got, 1e-5 * ref);
        p.ref.scale(g[0], 0.37f);
        tornado.scale(g[1], 0.37f);
        Pair.same(g, 1e-7f);
        Buf[] params = p.floats(n);
        Buf[] m = p.floats(n);
        Buf[] v = p.floats(n);
        for (Buf[] b : new Buf[][] {v}) { // second moments are never negative
            for (int i = 0; i < n; i++) {
                b[0].host()[i] = Math.abs(b[0].host()[i]);
                b[1].host()[i] = b[0].host()[i];
            }
            tornado.toDevice(b[1]);
        }
        for (int step = 1; step <= 3; step++) { // the step's scalars change every call; the graph is replayed
            p.ref.adamW(params[0], g[0], m[0], v[0], 1e-2f * step, 0.9f, 0.98f, 1e-8f, 0.1f, step);
            tornado.adamW(params[1], g[1], m[1], v[1], 1e-2f * step, 0.9f, 0.98f, 1e-8f, 0.1f, step);
            Pair.same(params, 1e-5f);
            Pair.same(m, 1e-6f);
            Pair.same(v, 1e-6f);
        }
        Pair.same(g, 0f);
    }

    /** ⊥Grad's and the Grokfast filters' building blocks; each replay takes the new factor. */
    @Test
    void dotAndAxpy() {
        Pair p = new Pair(11);
        int n = 1000;
        Buf[] a = p.floats(n);
        Buf[] b = p.floats(n);
        for (int call = 1; call <= 3; call++) {
            double ref = p.ref.dot(a[0], b[0]);
            double got = tornado.dot(a[1], b[1]);
            assertEquals(ref, got, 1e-5 * Math.sqrt(p.ref.sumOfSquares(a[0]) * p.ref.sumOfSquares(b[0])));
            p.ref.axpy(a[0], -0.25f * call, b[0]);
            tornado.axpy(a[1], -0.25f * call, b[1]);
            Pair.same(a, 1e-6f);
        }
    }

    @Test
    void zeroAndAReplayedSegmentSeeNewInputs() {
        Pair p = new Pair(11);
        Buf[] x = p.floats(50);
        Buf[] y = p.floats(50);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 50; i++) {
                x[0].host()[i] = x[1].host()[i] = round * 100 + i;
            }
            tornado.toDevice(x[1]);
            p.ref.residualForward(y[0], x[0], x[0], 50);
            tornado.residualForward(y[1], x[1], x[1], 50);
            Pair.same(y, 0f);
        }
        p.ref.zero(y[0]);
        tornado.zero(y[1]);
        Pair.same(y, 0f);
    }

    /**
     * The step's device-side calls: loss totals (rows not a multiple of the parts, sequences of one to
     * three rows that may straddle parts), clipping by the global norm (clipped and not), and AdamW
     * skipped by a non-finite loss but not by a finite one; uploads recorded in one segment each keep
     * the values the host had when they were recorded.
     */
    @Test
    void lossTotalsClippingAndTheGuardedUpdate() {
        Pair p = new Pair(12);
        Random rnd = new Random(13);
        for (int rows : new int[] {1, 97, 943}) {
            int t = 4;
            int[] targetRows = new int[rows];
            int position = 0;
            for (int i = 0; i < rows; i++) { // ascending positions; a sequence (position / t) has 1 to 3 rows
                position += rnd.nextInt(3) == 0 ? t - position % t : 1;
                targetRows[i] = position;
            }
            Buf[] losses = p.floats(rows);
            Buf[] hits = p.floats(rows);
            for (int i = 0; i < rows; i++) {
                losses[0].host()[i] = losses[1].host()[i] = Math.abs(losses[0].host()[i]);
                hits[0].host()[i] = hits[1].host()[i] = rnd.nextInt(4) == 0 ? 0f : 1f;
            }
            tornado.toDevice(losses[1]);
            tornado.toDevice(hits[1]);
            IntBuf[] tr = p.ints(targetRows);
            org.grokcap.backend.LossTotals want = new org.grokcap.backend.LossTotals();
            org.grokcap.backend.LossTotals got = new org.grokcap.backend.LossTotals();
            p.ref.lossTotals(want, losses[0], hits[0], tr[0], rows, t);
            tornado.lossTotals(got, losses[1], hits[1], tr[1], rows, t);
            assertTrue(!got.ready(), "filled when the recorded calls run, not before");
            assertEquals(want.lossSum(), got.lossSum(), 1e-6 * want.lossSum(), rows + " rows");
            assertEquals(want.hits(), got.hits(), rows + " rows");
            assertEquals(want.sequenceHits(), got.sequenceHits(), rows + " rows");
        }
        for (double maxNorm : new double[] {5.0, 1e6}) { // ‖g‖ ≈ √1000: clipped, then untouched
            Buf[] g = p.floats(1000);
            p.ref.clipByGlobalNorm(g[0], maxNorm);
            tornado.clipByGlobalNorm(g[1], maxNorm);
            Pair.same(g, 1e-6f);
        }
        int n = 300;
        Buf[] params = p.floats(n);
        Buf[] g = p.floats(n);
        Buf[] m = p.floats(n);
        Buf[] v = p.floats(n);
        for (int i = 0; i < n; i++) {
            v[0].host()[i] = v[1].host()[i] = Math.abs(v[0].host()[i]);
        }
        tornado.toDevice(v[1]);
        Buf[] loss = p.floats(2);
        Buf[] hit = p.floats(2);
        IntBuf[] rows = p.ints(new int[] {0, 1});
        org.grokcap.backend.LossTotals guard = new org.grokcap.backend.LossTotals();
        for (int step = 1; step <= 4; step++) {
            float value = step == 3 ? Float.NaN : 0.5f * step; // step 3's loss is not finite: no update
            for (Buf b : new Buf[] {loss[0], loss[1]}) {
                b.host()[1] = value;
            }
            tornado.toDevice(loss[1]);
            tornado.lossTotals(guard, loss[1], hit[1], rows[1], 2, 1);
            tornado.adamW(params[1], g[1], m[1], v[1], 1e-2f, 0.9f, 0.98f, 1e-8f, 0.1f, step, guard);
            if (step != 3) {
                p.ref.adamW(params[0], g[0], m[0], v[0], 1e-2f, 0.9f, 0.98f, 1e-8f, 0.1f, step);
            }
            assertEquals(step != 3, Double.isFinite(guard.lossSum()), "step " + step);
            Pair.same(params, 1e-5f);
            Pair.same(m, 1e-6f);
        }
    }

    /**
     * K models' AdamW calls for tensors of one size, recorded one after another (as a lockstep replays
     * them), each with its own scalars and guard: one task for all K, bit for bit the K calls run one at a
     * time; the model whose loss is not finite keeps its tensors; a replay takes the new scalars.
     */
    @Test
    void adamWOfSeveralModelsRunsAsOneTaskBitForBit() {
        int K = 3;
        // lr, β1, β2, ε, weight decay per model
        float[][] hyper = {{1e-2f, 0.9f, 0.98f, 1e-8f, 0.1f}, {3e-3f, 0.85f, 0.999f, 1e-6f, 0f},
                {2e-2f, 0.95f, 0.99f, 1e-7f, 0.3f}};
        int skipped = 1;
        Random rnd = new Random(21);
        org.grokcap.backend.LossTotals[] guards = new org.grokcap.backend.LossTotals[K];
        Buf[] losses = new Buf[K];
        Buf hits = tornado.floats("hits", 2);
        IntBuf rows = tornado.ints("rows", 2);
        rows.host()[1] = 1;
        tornado.toDevice(hits);
        tornado.toDevice(rows);
        Buf scratch = tornado.floats("scratch", 4);
        for (int k = 0; k < K; k++) { // the first update a guard guards gives it its device flag
            guards[k] = new org.grokcap.backend.LossTotals();
            losses[k] = tornado.floats("loss" + k, 2);
            losses[k].host()[1] = k == skipped ? Float.NaN : 0.5f + k;
            tornado.toDevice(losses[k]);
            tornado.lossTotals(guards[k], losses[k], hits, rows, 2, 1);
            tornado.adamW(scratch.slice("p", 0, 1), scratch.slice("g", 1, 1), scratch.slice("m", 2, 1),
                    scratch.slice("v", 3, 1), 1e-3f, 0.9f, 0.99f, 1e-8f, 0f, 1, guards[k]);
            tornado.sync();
        }
        for (int n : new int[] {97, 2822}) {
            Buf[][] joined = new Buf[K][]; // per model: params, grads, m, v
            Buf[][] apart = new Buf[K][];
            float[][][] before = new float[K][4][];
            for (int k = 0; k < K; k++) {
                joined[k] = new Buf[4];
                apart[k] = new Buf[4];
                for (int t = 0; t < 4; t++) {
                    joined[k][t] = tornado.floats("model" + k + ".t" + t, n);
                    apart[k][t] = tornado.floats("model" + k + ".t" + t, n);
                    for (int i = 0; i < n; i++) {
                        float x = (float) rnd.nextGaussian();
                        joined[k][t].host()[i] = apart[k][t].host()[i] = t == 3 ? Math.abs(x) : x; // v ≥ 0
                    }
                    tornado.toDevice(joined[k][t]);
                    tornado.toDevice(apart[k][t]);
                    before[k][t] = joined[k][t].host().clone();
                }
            }
            tornado.sync();
            for (int round = 1; round <= 2; round++) { // the second replays both segments with new scalars
                for (int k = 0; k < K; k++) {
                    tornado.lossTotals(guards[k], losses[k], hits, rows, 2, 1);
                }
                long joinedBefore = tornado.joinedAdamW();
                for (int k = 0; k < K; k++) {
                    adamW(joined[k], hyper[k], round, 10 * k + round, guards[k]);
                }
                for (int k = 0; k < K; k++) {
                    for (Buf b : joined[k]) {
                        tornado.toHostAtNextSync(b);
                    }
                }
                tornado.sync();
                assertEquals(K - 1, tornado.joinedAdamW() - joinedBefore, n + ": one task for the " + K + " models");
                for (int k = 0; k < K; k++) { // one call per segment: nothing to join
                    adamW(apart[k], hyper[k], round, 10 * k + round, guards[k]);
                    for (Buf b : apart[k]) {
                        tornado.toHost(b);
                    }
                }
                assertEquals(K - 1, tornado.joinedAdamW() - joinedBefore, n + ": apart, nothing joined");
                for (int k = 0; k < K; k++) {
                    for (int t = 0; t < 4; t++) {
                        assertArrayEquals(apart[k][t].host(), joined[k][t].host(),
                                n + " elements, round " + round + ", model " + k + ", tensor " + t);
                    }
                    for (int t : new int[] {0, 2, 3}) { // params, m, v
                        boolean changed = !Arrays.equals(before[k][t], joined[k][t].host());
                        assertEquals(k != skipped, changed, n + ", model " + k + ", tensor " + t
                                + ": updated unless its loss was not finite");
                    }
                }
            }
        }
    }

    private static void adamW(Buf[] pgmv, float[] h, int round, int step, org.grokcap.backend.LossTotals guard) {
        tornado.adamW(pgmv[0], pgmv[1], pgmv[2], pgmv[3], h[0] * round, h[1], h[2], h[3], h[4], step, guard);
    }

    /** Two uploads of one buffer recorded in one segment: each call sees the values uploaded before it. */
    @Test
    void eachUploadKeepsTheValuesItWasGiven() {
        Pair p = new Pair(14);
        Buf[] x = p.floats(20);
        Buf[] first = p.floats(20);
        Buf[] second = p.floats(20);
        for (int round = 1; round <= 2; round++) {
            for (int i = 0; i < 20; i++) {
                x[1].host()[i] = round * 10 + i;
            }
            tornado.toDevice(x[1]);
            tornado.residualForward(round == 1 ? first[1] : second[1], x[1], x[1], 20);
        }
        tornado.toHost(first[1]);
        tornado.toHost(second[1]);
        for (int i = 0; i < 20; i++) {
            assertEquals(2f * (10 + i), first[1].host()[i], "first upload, element " + i);
            assertEquals(2f * (20 + i), second[1].host()[i], "second upload, element " + i);
        }
    }

    /** ⊥Grad's projection on the device against the reference's (host dot products), replayed with new values. */
    @Test
    void orthogonalizeOnTheDevice() {
        Pair p = new Pair(15);
        for (int n : new int[] {97, 2822}) {
            Buf[] w = p.floats(n);
            for (int round = 0; round < 2; round++) {
                Buf[] g = p.floats(n);
                p.ref.orthogonalize(w[0], g[0], 1e-30);
                tornado.orthogonalize(w[1], g[1], 1e-30);
                Pair.same(g, 1e-5f);
                assertTrue(Math.abs(p.ref.dot(w[0], g[0])) < 1e-4 * Math.sqrt(p.ref.sumOfSquares(w[0])
                        * p.ref.sumOfSquares(g[0])), "g⊥ is orthogonal to w");
            }
        }
    }

    /**
     * The device runs its calls when the host needs a value, so the host may load the next batch (new
     * rows written and sent) before calls made with the old rows have run, as evaluation does after a
     * training step's backward pass: every call must still see the rows of its own time, both those it
     * reads on the device (gatherRowsForward) and the inverse index a scatter backward builds.
     */
    @Test
    void callsSeeTheRowsOfTheirTimeWhenTheHostLoadsTheNextBatchFirst() {
        int R = 97;
        int D = 41;
        int cols = 6;
        Pair p = new Pair(41);
        Buf[] dinp = p.floats(D * cols);
        Buf[] dout = p.floats(R * cols);
        Buf[] inp = p.floats(D * cols);
        Buf[] before = p.floats(R * cols);
        Buf[] after = p.floats(R * cols);
        IntBuf[] rows = p.ints(randomTokens(p.rnd, R, D));
        p.ref.gatherRowsBackward(dinp[0], dout[0], rows[0], R, cols);
        tornado.gatherRowsBackward(dinp[1], dout[1], rows[1], R, cols);
        p.ref.gatherRowsForward(before[0], inp[0], rows[0], R, cols);
        tornado.gatherRowsForward(before[1], inp[1], rows[1], R, cols);
        int[] next = randomTokens(p.rnd, R, D);
        System.arraycopy(next, 0, rows[0].host(), 0, R);
        System.arraycopy(next, 0, rows[1].host(), 0, R);
        tornado.toDevice(rows[1]);
        p.ref.gatherRowsForward(after[0], inp[0], rows[0], R, cols);
        tornado.gatherRowsForward(after[1], inp[1], rows[1], R, cols);
        Pair.same(dinp, 1e-6f); // the first host read ends the segment
        Pair.same(before, 0f);
        Pair.same(after, 0f);
    }

    // ---- the parallel scatter and two-stage reduction kernels at awkward sizes --------------------
    // Sums over many rows in another order than the reference's: compared with a tolerance relative to
    // the value (at least 1), since the rounding differs.

    @Test
    void anInverseIndexAtTheEndOfAGraphStaysWithTheTaskThatReadsIt() {
        // A run of calls is cut into graphs of at most 80. Here 79 calls come first, so the scatter's
        // inverse index (a host-only call that fills its graph's staging ints) is the 80th and the
        // scatter that reads them would be the first of the next graph, which has its own staging ints.
        // (Found with four models in lockstep, whose longer runs of calls put a cut there.)
        int R = 97;
        int D = 11;
        int cols = 5;
        Pair p = new Pair(79);
        IntBuf[] rows = p.ints(randomTokens(p.rnd, R, D));
        Buf[] dinp = p.floats(D * cols);
        Buf[] dout = p.floats(R * cols);
        Buf[] filler = p.floats(3);
        tornado.sync(); // the uploads run: the next call starts a run of calls
        for (int i = 0; i < 79; i++) {
            p.ref.scale(filler[0], 1f);
            tornado.scale(filler[1], 1f);
        }
        p.ref.gatherRowsBackward(dinp[0], dout[0], rows[0], R, cols);
        tornado.gatherRowsBackward(dinp[1], dout[1], rows[1], R, cols);
        Pair.same(dinp, 1e-4f);
    }

    @Test
    void gatherRowsBackwardAtAwkwardSizes() {
        int[][] cases = {{2822, 294, 97}, {943, 97, 294}};
        for (int[] k : cases) {
            int R = k[0];
            int D = k[1];
            int cols = k[2];
            Pair p = new Pair(R + D);
            IntBuf[] rows = p.ints(randomTokens(p.rnd, R, D));
            Buf[] dinp = p.floats(D * cols);
            Buf[] dout = p.floats(R * cols);
            p.ref.gatherRowsBackward(dinp[0], dout[0], rows[0], R, cols);
            tornado.gatherRowsBackward(dinp[1], dout[1], rows[1], R, cols);
            Pair.same(dinp, 1e-4f);
        }
    }

    @Test
    void embeddingBackwardAtAwkwardSizes() {
        int b = 97;
        int t = 29;
        int v = 294;
        int c = 97;
        Pair p = new Pair(97);
        IntBuf[] tok = p.ints(randomTokens(p.rnd, b * t, v));
        Buf[] dwte = p.floats(v * c);
        Buf[] dwpe = p.floats(t * c);
        Buf[] dout = p.floats(b * t * c);
        p.ref.embeddingBackward(dwte[0], dwpe[0], dout[0], tok[0], b, t, c);
        tornado.embeddingBackward(dwte[1], dwpe[1], dout[1], tok[1], b, t, c);
        Pair.same(dwte, 1e-4f);
        Pair.same(dwpe, 1e-4f);
    }

    @Test
    void tiledMatmulsAndColumnSumsAtAwkwardSizes() {
        Pair p = new Pair(943);
        int n = 943;
        int c = 97;
        int oc = 294;
        Buf[] inp = p.floats(n * c);
        Buf[] w = p.floats(oc * c);
        Buf[] dinp = p.floats(n * c);
        Buf[] dw = p.floats(oc * c);
        Buf[] db = p.floats(oc);
        Buf[] dout = p.floats(n * oc);
        Buf[] bias = p.floats(oc);
        Buf[] y = p.floats(n * oc);
        p.ref.linearForward(y[0], inp[0], w[0], bias[0], n, c, oc);
        tornado.linearForward(y[1], inp[1], w[1], bias[1], n, c, oc);
        Pair.same(y, 1e-4f);
        p.ref.linearBackward(dinp[0], dw[0], db[0], dout[0], inp[0], w[0], n, c, oc);
        tornado.linearBackward(dinp[1], dw[1], db[1], dout[1], inp[1], w[1], n, c, oc);
        Pair.same(db, 1e-4f);
        Pair.same(dinp, 1e-4f);
        Pair.same(dw, 1e-4f);

        int rows = 2822;
        Buf[] x = p.floats(rows * c);
        Buf[] gain = p.floats(c);
        Buf[] shift = p.floats(c);
        Buf[] out = p.floats(rows * c);
        Buf[] mean = p.floats(rows);
        Buf[] rstd = p.floats(rows);
        p.ref.layerNormForward(out[0], mean[0], rstd[0], x[0], gain[0], shift[0], rows, c);
        tornado.layerNormForward(out[1], mean[1], rstd[1], x[1], gain[1], shift[1], rows, c);
        Buf[] dx = p.floats(rows * c);
        Buf[] dgain = p.floats(c);
        Buf[] dbias = p.floats(c);
        Buf[] dy = p.floats(rows * c);
        p.ref.layerNormBackward(dx[0], dgain[0], dbias[0], dy[0], x[0], gain[0], mean[0], rstd[0], rows, c);
        tornado.layerNormBackward(dx[1], dgain[1], dbias[1], dy[1], x[1], gain[1], mean[1], rstd[1], rows, c);
        Pair.same(dgain, 1e-4f);
        Pair.same(dbias, 1e-4f);
        Pair.same(dx, 1e-4f);

        p.ref.rmsNormForward(out[0], rstd[0], x[0], gain[0], rows, c);
        tornado.rmsNormForward(out[1], rstd[1], x[1], gain[1], rows, c);
        p.ref.rmsNormBackward(dx[0], dgain[0], dy[0], x[0], gain[0], rstd[0], rows, c);
        tornado.rmsNormBackward(dx[1], dgain[1], dy[1], x[1], gain[1], rstd[1], rows, c);
        Pair.same(dgain, 1e-4f);
        Pair.same(dx, 1e-4f);
    }

    @Test
    void sumOfSquaresAtAwkwardSizes() {
        for (int n : new int[] {97, 294, 943 * 2822}) {
            Pair p = new Pair(n);
            Buf[] g = p.floats(n);
            double ref = p.ref.sumOfSquares(g[0]);
            double got = tornado.sumOfSquares(g[1]);
            assertEquals(ref, got, 1e-5 * ref, "n = " + n);
        }
    }

    /**
     * A linear forward pass followed by its activation, and one followed by a residual add of its
     * output, run as one tiled matmul with an epilogue: the same outputs as the reference's
     * separate kernels, and the matmul's own output still written.
     */
    @Test
    void linearForwardFusedWithTheActivationOrResidualAfterIt() {
        int N = 97;
        int C = 43;
        int OC = 33;
        Pair p = new Pair(16);
        for (Activation kind : Activation.values()) {
            Buf[] inp = p.floats(N * C);
            Buf[] w = p.floats(OC * C);
            Buf[] bias = p.floats(OC);
            Buf[] pre = p.floats(N * OC);
            Buf[] act = p.floats(N * OC);
            Buf[] w2 = p.floats(OC * OC);
            Buf[] pre2 = p.floats(N * OC);
            Buf[] res = p.floats(N * OC);
            Buf[] sum = p.floats(N * OC);
            long fusedBefore = tornado.fusedEpilogues();
            for (int k = 0; k < 2; k++) {
                Device d = k == 0 ? p.ref : tornado;
                d.linearForward(pre[k], inp[k], w[k], bias[k], N, C, OC);
                d.activationForward(kind, act[k], pre[k], N * OC);
                d.linearForward(pre2[k], act[k], w2[k], null, N, OC, OC);
                d.residualForward(sum[k], res[k], pre2[k], N * OC);
            }
            tornado.sync(); // calls are fused when their segment runs
            assertEquals(2, tornado.fusedEpilogues() - fusedBefore, "both calls fused into the matmul before them");
            Pair.same(pre, 1e-4f);
            Pair.same(act, 1e-4f);
            Pair.same(pre2, 1e-4f);
            Pair.same(sum, 1e-4f);
        }
    }

    /**
     * Consecutive uploads, downloads and zeroings of several tensors (sizes 5, 97, 1) run as one task
     * of each kind, with the values of one task per tensor: what went up comes back, zeroes are zero,
     * and two int uploads in one task each reach the gather that reads them.
     */
    @Test
    void consecutiveCopiesAndZeroingsOfSeveralTensorsRunAsOneTaskEach() {
        int[] sizes = {5, 97, 1};
        Buf[] f = new Buf[sizes.length];
        float[][] want = new float[sizes.length][];
        for (int k = 0; k < sizes.length; k++) {
            f[k] = tornado.floats("moves" + k, sizes[k]);
            for (int i = 0; i < sizes[k]; i++) {
                f[k].host()[i] = 10 * k + i + 0.5f;
            }
            want[k] = f[k].host().clone();
        }
        long before = tornado.joinedMoves();
        for (Buf b : f) {
            tornado.toDevice(b);
        }
        for (Buf b : f) {
            Arrays.fill(b.host(), -1f); // what comes back must be the device's copy
            tornado.toHostAtNextSync(b);
        }
        tornado.sync();
        assertEquals(2 + 2, tornado.joinedMoves() - before, "three uploads in one task, three downloads in one");
        for (int k = 0; k < sizes.length; k++) {
            assertArrayEquals(want[k], f[k].host(), "tensor " + k + " up and back");
        }
        for (Buf b : f) {
            tornado.zero(b);
        }
        for (Buf b : f) {
            tornado.toHostAtNextSync(b);
        }
        tornado.sync();
        assertEquals(2 + 2 + 2 + 2, tornado.joinedMoves() - before, "three zeroings in one task");
        for (int k = 0; k < sizes.length; k++) {
            assertArrayEquals(new float[sizes[k]], f[k].host(), "tensor " + k + " zeroed");
        }
        // two int uploads in one task, each read by its own gather of rows of f[1] (97 rows of 1)
        IntBuf[] rows = {tornado.ints("moves.rows0", 3), tornado.ints("moves.rows1", 2)};
        int[][] picks = {{4, 0, 96}, {7, 7}};
        for (int k = 0; k < 2; k++) {
            System.arraycopy(picks[k], 0, rows[k].host(), 0, picks[k].length);
        }
        for (int i = 0; i < 97; i++) {
            f[1].host()[i] = i * 2f;
        }
        tornado.toDevice(f[1]);
        tornado.toDevice(rows[0]);
        tornado.toDevice(rows[1]);
        Buf[] out = {tornado.floats("moves.out0", 3), tornado.floats("moves.out1", 2)};
        for (int k = 0; k < 2; k++) {
            tornado.gatherRowsForward(out[k], f[1], rows[k], picks[k].length, 1);
        }
        tornado.toHostAtNextSync(out[0]);
        tornado.toHostAtNextSync(out[1]);
        tornado.sync();
        assertEquals(2 + 2 + 2 + 2 + 1 + 1, tornado.joinedMoves() - before, "two int uploads in one task, two downloads in one");
        assertArrayEquals(new float[] {8f, 0f, 192f}, out[0].host());
        assertArrayEquals(new float[] {14f, 14f}, out[1].host());
    }

    /**
     * The same call of two models given to interleave (a lockstep's round) runs as one task: two scalings
     * and two axpys, each model with its own factor, give each model's values.
     */
    @Test
    void theSameCallOfTwoModelsRunsAsOneTaskWithEachModelsFactor() {
        int n = 97;
        Buf[] y = {tornado.floats("interleave.y0", n), tornado.floats("interleave.y1", n)};
        Buf[] x = {tornado.floats("interleave.x0", n), tornado.floats("interleave.x1", n)};
        float[][] want = new float[2][n];
        float[] factor = {0.5f, -3f};
        float[] alpha = {0.25f, 2f};
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < n; i++) {
                y[k].host()[i] = i + k;
                x[k].host()[i] = 1f / (i + 1);
                want[k][i] = (i + k) * factor[k] + alpha[k] * (1f / (i + 1));
            }
            tornado.toDevice(y[k]);
            tornado.toDevice(x[k]);
        }
        tornado.sync();
        long before = tornado.joinedBatches();
        List<Consumer<Device>> scales = new ArrayList<>();
        List<Consumer<Device>> axpys = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            int model = k;
            scales.add(d -> d.scale(y[model], factor[model]));
            axpys.add(d -> d.axpy(y[model], alpha[model], x[model]));
        }
        tornado.interleave(scales);
        tornado.interleave(axpys);
        tornado.toHost(y[0]);
        tornado.toHost(y[1]);
        assertEquals(2, tornado.joinedBatches() - before, "the two scalings in one task, the two axpys in one");
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < n; i++) {
                assertEquals(want[k][i], y[k].host()[i], 1e-6f * Math.abs(want[k][i]) + 1e-7f, "model " + k + ", " + i);
            }
        }
    }
}
