package org.grokcap.backend;

import org.grokcap.kernels.Activation;
import org.grokcap.kernels.CrossEntropy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * K models on one device, driven in lockstep by K threads: each thread trains its model against a
 * {@link #member member view} of the device as if it had the device alone, and the views hand their
 * calls to the one shared device in rounds, so that a recording device (TornadoVM) runs the step of
 * all K models as one pass.
 *
 * <p>How: a view keeps the calls that return nothing (the kernels, uploads, the optimizer) in its own
 * list. A call that must answer (an allocation, {@link Device#toHost}, {@link Device#sync}, a sum) waits
 * at a barrier until every member still training has reached one; the last to arrive then replays all
 * the kept calls interleaved (call 0 of every model, then call 1 of every model, ...; each call i of the
 * models through {@link Device#interleave}) so that the same operation of the K models comes out side by
 * side, in model order, every step, and then answers each member. Models whose optimizers differ make
 * different calls in a stretch of a round; their other calls still go side by side. Each model's tensors are its own, as when it trains alone (run directories, checkpoints and
 * analyses read a tensor from the start of its root).
 *
 * <p>Why the results are the bits of each model trained alone on the same device: a model's calls touch
 * only its own buffers and reach the device in its own order, and the device computes each call as it
 * would for that model alone. A batch a model uploads is copied when it calls, as on a recording
 * device, since its thread may load the next batch before the round runs. A member whose
 * call fails gets the failure at its next barrier, and one that leaves ({@link Device#close}, at the end
 * of its run or when it fails) no longer holds the others back.
 */
public final class Lockstep implements AutoCloseable {
    private final Device device;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition roundDone = lock.newCondition();
    private final List<Member> members = new ArrayList<>();
    private int training;
    private int arrived;
    private long rounds;

    /** K member views of device, which this lockstep owns (it closes it when closed). */
    public Lockstep(Device device, int models) {
        if (models < 1) {
            throw new IllegalArgumentException("a lockstep needs at least one model, got " + models);
        }
        this.device = device;
        for (int k = 0; k < models; k++) {
            members.add(new Member(k));
        }
        this.training = models;
    }

    /** Model k's view of the device; closing it takes model k out of the lockstep. */
    public Device member(int k) {
        return members.get(k);
    }

    @Override
    public void close() {
        device.close();
    }

    /** Arrives at the barrier with question and returns its answer once the round has run. */
    private Object arrive(Member m, Function<Device, ?> question) {
        lock.lock();
        try {
            if (m.left) {
                throw new IllegalStateException("model " + m.k + " of the lockstep used its device after closing it");
            }
            m.question = question;
            m.arrived = true;
            arrived++;
            long round = rounds;
            if (arrived == training) {
                runRound();
            } else {
                while (rounds == round) {
                    roundDone.awaitUninterruptibly();
                }
            }
            Object answer = m.answer;
            Throwable failure = m.failure;
            m.answer = null;
            m.failure = null;
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            return answer;
        } finally {
            lock.unlock();
        }
    }

    /** Takes m out of the lockstep; its kept calls are dropped (nothing reads them after its run ends). */
    private void leave(Member m) {
        lock.lock();
        try {
            if (m.left) {
                return;
            }
            m.left = true;
            m.kept.clear();
            training--;
            if (training > 0 && arrived == training) {
                runRound();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Replays every arrived member's kept calls interleaved, then answers their questions. Under the lock. */
    private void runRound() {
        List<Member> here = new ArrayList<>();
        for (Member m : members) {
            if (m.arrived) {
                here.add(m);
            }
        }
        replayAligned(here);
        for (Member m : here) {
            if (m.failure == null) {
                try {
                    m.answer = m.question.apply(device);
                } catch (RuntimeException | Error e) {
                    m.failure = e;
                }
            }
        }
        for (Member m : here) {
            m.copyTotals();
            m.kept.clear();
            m.roundStart.clear();
            m.arrived = false;
            m.question = null;
        }
        arrived = 0;
        rounds++;
        roundDone.signalAll();
    }

    /**
     * Replays the models' kept calls with the same operation of every model side by side. Models whose
     * optimizers differ (⊥Grad, clipping, a gradient filter) make different calls in a stretch of a
     * round: each model's calls are matched to those of the model with the most (a longest common
     * subsequence of their operations; all of them when the two make the same calls), the calls matched
     * to the same one go together, and the calls matched to none go call by call before the next match.
     */
    private void replayAligned(List<Member> here) {
        int K = here.size();
        Member reference = here.get(0);
        for (Member m : here) {
            reference = m.kept.size() > reference.kept.size() ? m : reference;
        }
        int R = reference.kept.size();
        List<String> referenceOperations = operations(reference);
        int[][] match = new int[K][];
        for (int k = 0; k < K; k++) {
            List<String> ops = operations(here.get(k));
            match[k] = alignments.computeIfAbsent(List.of(referenceOperations, ops), key -> alignTo(referenceOperations, ops));
        }
        int[] next = new int[K];
        int[] at = new int[K];
        for (int r = 0; r <= R; r++) {
            // each model's calls that match none of the reference's, up to its next call that does
            int[] stop = new int[K];
            int most = 0;
            for (int k = 0; k < K; k++) {
                stop[k] = next[k];
                while (stop[k] < match[k].length && match[k][stop[k]] < 0) {
                    stop[k]++;
                }
                most = Math.max(most, stop[k] - next[k]);
            }
            for (int i = 0; i < most; i++) {
                for (int k = 0; k < K; k++) {
                    at[k] = next[k] + i < stop[k] ? next[k] + i : -1;
                }
                replay(here, at);
            }
            System.arraycopy(stop, 0, next, 0, K);
            if (r == R) {
                break;
            }
            // the calls matched to the reference's call r
            for (int k = 0; k < K; k++) {
                boolean matched = next[k] < match[k].length && match[k][next[k]] == r;
                at[k] = matched ? next[k]++ : -1;
            }
            replay(here, at);
        }
    }

    private static List<String> operations(Member m) {
        List<String> ops = new ArrayList<>(m.kept.size());
        for (Kept k : m.kept) {
            ops.add(k.operation());
        }
        return ops;
    }

    /**
     * The alignments of the last rounds by (the reference's operations, a model's operations): a round's
     * calls repeat every step, so each pair is aligned once, not every step.
     */
    private final Map<List<List<String>>, int[]> alignments = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<List<String>>, int[]> eldest) {
            return size() > 256;
        }
    };

    /**
     * For each of calls, the index of the reference call it is matched to in a longest common subsequence
     * of their operations, or −1.
     */
    private static int[] alignTo(List<String> reference, List<String> calls) {
        int n = calls.size();
        int R = reference.size();
        int[] match = new int[n];
        if (calls.equals(reference)) {
            for (int i = 0; i < n; i++) {
                match[i] = i;
            }
            return match;
        }
        int[][] common = new int[n + 1][R + 1]; // common[i][j]: the longest common subsequence of calls[i..], reference[j..]
        for (int i = n - 1; i >= 0; i--) {
            for (int j = R - 1; j >= 0; j--) {
                common[i][j] = calls.get(i).equals(reference.get(j))
                        ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        java.util.Arrays.fill(match, -1);
        for (int i = 0, j = 0; i < n && j < R; ) {
            if (calls.get(i).equals(reference.get(j)) && common[i][j] == common[i + 1][j + 1] + 1) {
                match[i++] = j++;
            } else if (common[i + 1][j] >= common[i][j + 1]) {
                i++;
            } else {
                j++;
            }
        }
        return match;
    }

    /** Replays, through {@link Device#interleave}, the kept call at[k] of each model k (−1: none) that has not failed. */
    private void replay(List<Member> here, int[] at) {
        List<Consumer<Device>> calls = new ArrayList<>(here.size());
        for (int k = 0; k < here.size(); k++) {
            Member m = here.get(k);
            if (at[k] >= 0 && m.failure == null) {
                Consumer<Device> call = m.kept.get(at[k]).call();
                calls.add(d -> {
                    try {
                        call.accept(d);
                    } catch (RuntimeException | Error e) { // out of memory too: this model fails, the round goes on
                        m.failure = e;
                    }
                });
            }
        }
        if (!calls.isEmpty()) {
            device.interleave(calls);
        }
    }

    /** A kept call and the device operation it makes, by name. */
    private record Kept(String operation, Consumer<Device> call) {}

    /** An int buffer's place: its root (compared by identity, as records compare arrays) and offset. */
    private record Slice(int[] root, int offset) {}

    /** Model k's view: keeps its calls until it must wait for an answer. Used by one thread at a time. */
    private final class Member implements Device {
        private final int k;
        private final List<Kept> kept = new ArrayList<>();
        private final Map<LossTotals, LossTotals> shadows = new IdentityHashMap<>();
        /** The values of this model's last upload of each int buffer. */
        private final Map<Slice, int[]> uploads = new HashMap<>();
        /** For each int buffer uploaded since the last round: its values at the start of the round (null if none). */
        private final Map<Slice, int[]> roundStart = new HashMap<>();
        // the fields below are read and written under the lockstep's lock
        private boolean arrived;
        private boolean left;
        private Function<Device, ?> question;
        private Object answer;
        private Throwable failure;

        Member(int k) {
            this.k = k;
        }

        private void keep(String operation, Consumer<Device> call) {
            kept.add(new Kept(operation, call));
        }

        @SuppressWarnings("unchecked")
        private <T> T ask(Function<Device, T> question) {
            return (T) arrive(this, question);
        }

        @Override
        public String describe() {
            return device.describe() + "; model " + (k + 1) + " of " + members.size() + " in lockstep";
        }

        @Override
        public Buf floats(String name, int size) {
            return ask(d -> d.floats(name, size));
        }

        @Override
        public IntBuf ints(String name, int size) {
            return ask(d -> d.ints(name, size));
        }

        /** A float upload (initial parameters, a restored checkpoint) runs this model's kept calls first, as kernels may write the buffer. */
        @Override
        public void toDevice(Buf buf) {
            ask(d -> {
                d.toDevice(buf);
                return null;
            });
        }

        /**
         * An int upload (a batch: no kernel writes those) is kept: the host's values of buf at the start
         * of the round (its last upload before it) go back now, for the calls kept before the round's
         * first upload of it, and each upload's values are put in when the round reaches it, as on a
         * device with its own copy.
         */
        @Override
        public void toDevice(IntBuf buf) {
            int[] now = new int[buf.size()];
            System.arraycopy(buf.host(), buf.offset(), now, 0, now.length);
            Slice slice = new Slice(buf.host(), buf.offset());
            int[] before = uploads.put(slice, now);
            if (!roundStart.containsKey(slice)) {
                roundStart.put(slice, before); // the values the round starts from: the last round's last upload
            }
            int[] start = roundStart.get(slice);
            if (start != null && start.length == now.length && !kept.isEmpty()) {
                System.arraycopy(start, 0, buf.host(), buf.offset(), start.length);
            }
            keep("toDevice", d -> {
                System.arraycopy(now, 0, buf.host(), buf.offset(), now.length);
                d.toDevice(buf);
            });
        }

        /** Kept as a download at the next sync, then a sync: the K models' downloads share one run. */
        @Override
        public void toHost(Buf buf) {
            toHostAtNextSync(buf);
            sync();
        }

        @Override
        public void toHostAtNextSync(Buf buf) {
            keep("toHostAtNextSync", d -> d.toHostAtNextSync(buf));
        }

        @Override
        public void sync() {
            ask(d -> {
                d.sync();
                return null;
            });
        }

        @Override
        public void zero(Buf buf) {
            keep("zero", d -> d.zero(buf));
        }

        @Override
        public void embeddingForward(Buf out, IntBuf tokens, Buf wte, Buf wpe, int B, int T, int C) {
            keep("embeddingForward", d -> d.embeddingForward(out, tokens, wte, wpe, B, T, C));
        }

        @Override
        public void embeddingBackward(Buf dwte, Buf dwpe, Buf dout, IntBuf tokens, int B, int T, int C) {
            keep("embeddingBackward", d -> d.embeddingBackward(dwte, dwpe, dout, tokens, B, T, C));
        }

        @Override
        public void linearForward(Buf out, Buf inp, Buf w, Buf bias, int N, int C, int OC) {
            keep("linearForward", d -> d.linearForward(out, inp, w, bias, N, C, OC));
        }

        @Override
        public void linearBackward(Buf dinp, Buf dw, Buf dbias, Buf dout, Buf inp, Buf w, int N, int C, int OC) {
            keep("linearBackward", d -> d.linearBackward(dinp, dw, dbias, dout, inp, w, N, C, OC));
        }

        @Override
        public void attentionForward(Buf out, Buf att, Buf qkv, IntBuf qRows, int NQ, int T, int C, int H, float scale) {
            keep("attentionForward", d -> d.attentionForward(out, att, qkv, qRows, NQ, T, C, H, scale));
        }

        @Override
        public void attentionBackward(Buf dqkv, Buf dout, Buf qkv, Buf att, IntBuf qRows, int NQ, int T, int C, int H,
                                      float scale) {
            keep("attentionBackward", d -> d.attentionBackward(dqkv, dout, qkv, att, qRows, NQ, T, C, H, scale));
        }

        @Override
        public void attentionForwardFromTable(Buf out, Buf att, Buf qkv, Buf table, IntBuf rows, IntBuf qRows,
                                              int N, int NQ, int T, int C, int H, float scale) {
            keep("attentionForwardFromTable", d -> d.attentionForwardFromTable(out, att, qkv, table, rows, qRows, N, NQ, T, C, H, scale));
        }

        @Override
        public void attentionBackwardFromTable(Buf dqkv, Buf dout, Buf qkv, Buf table, IntBuf rows, Buf att,
                                               IntBuf qRows, int NQ, int T, int C, int H, float scale) {
            keep("attentionBackwardFromTable", d -> d.attentionBackwardFromTable(dqkv, dout, qkv, table, rows, att, qRows, NQ, T, C, H, scale));
        }

        @Override
        public void layerNormForward(Buf out, Buf mean, Buf rstd, Buf inp, Buf weight, Buf bias, int N, int C) {
            keep("layerNormForward", d -> d.layerNormForward(out, mean, rstd, inp, weight, bias, N, C));
        }

        @Override
        public void layerNormBackward(Buf dinp, Buf dweight, Buf dbias, Buf dout, Buf inp, Buf weight, Buf mean,
                                      Buf rstd, int N, int C) {
            keep("layerNormBackward", d -> d.layerNormBackward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C));
        }

        @Override
        public void activationForward(Activation kind, Buf out, Buf inp, int n) {
            keep("activationForward", d -> d.activationForward(kind, out, inp, n));
        }

        @Override
        public void activationBackward(Activation kind, Buf dinp, Buf inp, Buf dout, int n) {
            keep("activationBackward", d -> d.activationBackward(kind, dinp, inp, dout, n));
        }

        @Override
        public void residualForward(Buf out, Buf a, Buf b, int n) {
            keep("residualForward", d -> d.residualForward(out, a, b, n));
        }

        @Override
        public void residualBackward(Buf da, Buf db, Buf dout, int n) {
            keep("residualBackward", d -> d.residualBackward(da, db, dout, n));
        }

        @Override
        public void rmsNormForward(Buf out, Buf rstd, Buf inp, Buf weight, int N, int C) {
            keep("rmsNormForward", d -> d.rmsNormForward(out, rstd, inp, weight, N, C));
        }

        @Override
        public void rmsNormBackward(Buf dinp, Buf dweight, Buf dout, Buf inp, Buf weight, Buf rstd, int N, int C) {
            keep("rmsNormBackward", d -> d.rmsNormBackward(dinp, dweight, dout, inp, weight, rstd, N, C));
        }

        @Override
        public void swigluForward(Buf out, Buf inp, int N, int M) {
            keep("swigluForward", d -> d.swigluForward(out, inp, N, M));
        }

        @Override
        public void swigluBackward(Buf dinp, Buf inp, Buf dout, int N, int M) {
            keep("swigluBackward", d -> d.swigluBackward(dinp, inp, dout, N, M));
        }

        @Override
        public void rotaryForward(Buf out, Buf inp, Buf cos, Buf sin, int N, int T, int C, int H) {
            keep("rotaryForward", d -> d.rotaryForward(out, inp, cos, sin, N, T, C, H));
        }

        @Override
        public void rotaryBackward(Buf dinp, Buf dout, Buf cos, Buf sin, int N, int T, int C, int H) {
            keep("rotaryBackward", d -> d.rotaryBackward(dinp, dout, cos, sin, N, T, C, H));
        }

        @Override
        public void gatherRowsForward(Buf out, Buf inp, IntBuf rows, int R, int C) {
            keep("gatherRowsForward", d -> d.gatherRowsForward(out, inp, rows, R, C));
        }

        @Override
        public void gatherRowsBackward(Buf dinp, Buf dout, IntBuf rows, int R, int C) {
            keep("gatherRowsBackward", d -> d.gatherRowsBackward(dinp, dout, rows, R, C));
        }

        @Override
        public void crossEntropyForward(Buf losses, Buf hits, Buf logits, IntBuf targets, int N, int V,
                                        CrossEntropy.Loss loss) {
            keep("crossEntropyForward", d -> d.crossEntropyForward(losses, hits, logits, targets, N, V, loss));
        }

        @Override
        public void crossEntropyBackward(Buf dlogits, Buf logits, IntBuf targets, int N, int V, float dlossScale,
                                         CrossEntropy.Loss loss) {
            keep("crossEntropyBackward", d -> d.crossEntropyBackward(dlogits, logits, targets, N, V, dlossScale, loss));
        }

        /**
         * The device fills a shadow of into, one per into, and a round copies it over once computed: into
         * is this model's, read from its thread, while the device reads and refills the shadow as its
         * calls run (a guarded update checks the pass recorded before it, though into may already wait
         * for the next one), and a recording device keeps its device-side flag per shadow.
         */
        @Override
        public void lossTotals(LossTotals into, Buf losses, Buf hits, IntBuf targetRows, int rows, int T) {
            LossTotals shadow = shadows.computeIfAbsent(into, t -> new LossTotals());
            into.expect(this); // reading it comes to this model's barrier
            keep("lossTotals", d -> d.lossTotals(shadow, losses, hits, targetRows, rows, T));
        }

        /** After a round: each into still waiting gets its shadow's values once the device has them. */
        private void copyTotals() {
            shadows.forEach((into, shadow) -> {
                if (!into.ready() && shadow.ready()) {
                    into.set(shadow.lossSum(), shadow.hits(), shadow.sequenceHits());
                }
            });
        }

        @Override
        public double sumOfSquares(Buf grads) {
            return ask(d -> d.sumOfSquares(grads));
        }

        @Override
        public void scale(Buf grads, float factor) {
            keep("scale", d -> d.scale(grads, factor));
        }

        @Override
        public double dot(Buf a, Buf b) {
            return ask(d -> d.dot(a, b));
        }

        @Override
        public void axpy(Buf y, float alpha, Buf x) {
            keep("axpy", d -> d.axpy(y, alpha, x));
        }

        @Override
        public void orthogonalize(Buf w, Buf g, double eps) {
            keep("orthogonalize", d -> d.orthogonalize(w, g, eps));
        }

        @Override
        public void clipByGlobalNorm(Buf grads, double maxNorm) {
            keep("clipByGlobalNorm", d -> d.clipByGlobalNorm(grads, maxNorm));
        }

        @Override
        public void adamW(Buf params, Buf grads, Buf m, Buf v, float lr, float beta1, float beta2, float eps,
                          float weightDecay, int step) {
            keep("adamW", d -> d.adamW(params, grads, m, v, lr, beta1, beta2, eps, weightDecay, step));
        }

        @Override
        public void adamW(Buf params, Buf grads, Buf m, Buf v, float lr, float beta1, float beta2, float eps,
                          float weightDecay, int step, LossTotals guard) {
            LossTotals shadow = shadows.computeIfAbsent(guard, t -> new LossTotals());
            keep("adamW", d -> d.adamW(params, grads, m, v, lr, beta1, beta2, eps, weightDecay, step, shadow));
        }

        /** Leaves the lockstep; the shared device stays open for the others (the lockstep closes it). */
        @Override
        public void close() {
            leave(this);
        }
    }
}
