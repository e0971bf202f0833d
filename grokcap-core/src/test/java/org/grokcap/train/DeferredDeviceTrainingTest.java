package org.grokcap.train;

import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.backend.LossTotals;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.run.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training loop on a device that records calls and runs them only when the host needs a value
 * (as the TornadoVM backend does): the same bits as running each call at once, one run of the
 * recorded calls per training step, one more per evaluation, and a diverging step that leaves the
 * parameters as they were although the loss is read after the update.
 */
class DeferredDeviceTrainingTest {

    /**
     * A device that queues every call on a reference device and runs the queue when the host needs
     * something: {@link Device#toHost}, {@link Device#sync}, or a call that returns a value.
     */
    static final class Deferred {
        final ReferenceDevice target = new ReferenceDevice();
        final List<Runnable> queue = new ArrayList<>();
        /**
         * Whether each totals object's last computed pass was finite, as of the calls run so far: a
         * device's flag. The object itself may be refilled by a pass recorded after the update that
         * reads it (the next step's forward pass, when the loss was read before the update).
         */
        final Map<LossTotals, Boolean> finite = new java.util.IdentityHashMap<>();
        int runs;
        /** The operations of the calls each {@link Device#interleave} was given, in order. */
        final List<List<String>> interleaved = new ArrayList<>();
        private List<String> group;
        final Device device;

        /** Calls that answer at once: memory handles and the description. */
        private static final Set<String> IMMEDIATE = Set.of("describe", "floats", "ints", "close", "hashCode",
                "equals", "toString");

        Deferred() {
            device = (Device) Proxy.newProxyInstance(Device.class.getClassLoader(), new Class<?>[]{Device.class},
                    (proxy, m, args) -> {
                        if (IMMEDIATE.contains(m.getName())) {
                            return call(m, args);
                        }
                        if (m.getName().equals("interleave")) { // its calls go through this device, one by one
                            group = new ArrayList<>();
                            InvocationHandler.invokeDefault(proxy, m, args);
                            interleaved.add(group);
                            group = null;
                            return null;
                        }
                        if (group != null) {
                            group.add(m.getName());
                        }
                        if (m.getName().equals("toDevice")) {
                            upload(args[0]);
                            return null;
                        }
                        if (m.getName().equals("lossTotals")) {
                            LossTotals into = (LossTotals) args[0];
                            into.expect((Device) proxy);
                            Object[] copy = args.clone();
                            queue.add(() -> { // the guard flag a device keeps: this pass's, when it has run
                                call(m, copy);
                                finite.put(into, Double.isFinite(into.lossSum()));
                            });
                            return null;
                        }
                        if (m.getName().equals("adamW") && args.length == 11) { // guarded: by the flag
                            LossTotals guard = (LossTotals) args[10];
                            Object[] copy = Arrays.copyOf(args, 10);
                            Method plain = Device.class.getMethod("adamW", Arrays.copyOf(m.getParameterTypes(), 10));
                            queue.add(() -> {
                                if (finite.get(guard)) {
                                    call(plain, copy);
                                }
                            });
                            return null;
                        }
                        if (m.getReturnType() == void.class && !m.getName().equals("toHost")
                                && !m.getName().equals("sync")) {
                            Object[] copy = args == null ? null : args.clone();
                            queue.add(() -> call(m, copy));
                            return null;
                        }
                        runQueue();
                        return m.getName().equals("sync") ? null : call(m, args);
                    });
        }

        /** The values of each uploaded int buffer (root array, offset) that calls recorded after the upload see. */
        private final Map<int[], Map<Integer, int[]>> uploaded = new java.util.IdentityHashMap<>();

        /**
         * The reference device computes on the host arrays, where a real device has its own copy. An
         * int buffer's upload (a batch: no kernel writes those) is emulated by putting the host's old
         * values back now, for the calls recorded before it, and the new ones when the queue reaches
         * it. A float buffer's upload (initial parameters, a chosen logit gradient) runs the queue first.
         */
        private void upload(Object buf) {
            if (buf instanceof Buf) {
                runQueue();
                return;
            }
            org.grokcap.backend.IntBuf b = (org.grokcap.backend.IntBuf) buf;
            int[] now = Arrays.copyOfRange(b.host(), b.offset(), b.offset() + b.size());
            int[] before = uploaded.computeIfAbsent(b.host(), k -> new java.util.HashMap<>()).put(b.offset(), now);
            if (before != null && !queue.isEmpty()) {
                System.arraycopy(before, 0, b.host(), b.offset(), before.length);
            }
            queue.add(() -> System.arraycopy(now, 0, b.host(), b.offset(), now.length));
        }

        private Object call(Method m, Object[] args) {
            try {
                return m.invoke(target, args);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }

        void runQueue() {
            if (queue.isEmpty()) {
                return;
            }
            List<Runnable> now = new ArrayList<>(queue);
            queue.clear();
            now.forEach(Runnable::run);
            runs++;
        }
    }

    private static ExperimentSpec spec(String optimizer, int steps, int batch, String evalEvery) {
        return spec(optimizer, steps, batch, evalEvery, "");
    }

    /** moreTrain: more train members, each with a leading comma. */
    private static ExperimentSpec spec(String optimizer, int steps, int batch, String evalEvery, String moreTrain) {
        return ConfigLoader.parse("""
                {"name":"t","task":{"type":"modular","p":11,"trainFraction":0.6},
                 "model":{"dModel":16,"heads":2,"dMlp":32},
                 "train":{"seed":5,"steps":%d,"batchSize":%d,"evalEvery":%s,"evalBatchSize":40,
                          "optimizer":%s%s}}""".formatted(steps, batch, evalEvery, optimizer, moreTrain), false, "test");
    }

    private static final String EMA_FILTER = ",\"gradFilter\":{\"type\":\"ema\",\"alpha\":0.98,\"lambda\":2.0}";

    private static final String ADAMW = "{\"lr\":0.003,\"weightDecay\":0.1,\"gradClip\":0.5}";
    /** ⊥AdamW with clipping; with the Grokfast-EMA filter in {@link #spec} when asked. */
    private static final String ORTHOGONAL = "{\"lr\":0.003,\"weightDecay\":0.0,\"gradClip\":0.5,"
            + "\"orthogonalGradient\":true}";

    private static List<Map<String, Double>> train(ExperimentSpec spec, Device dev) {
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        List<Map<String, Double>> rows = new ArrayList<>();
        new Trainer(spec, data, dev).run((row, total) -> rows.add(row));
        return rows;
    }

    @Test
    void recordedStepsGiveTheSameBitsAsImmediateOnes() {
        for (int batch : new int[]{0, 16}) {
            ExperimentSpec spec = spec(ADAMW, 12, batch, "3");
            Deferred deferred = new Deferred();
            assertEquals(train(spec, new ReferenceDevice()), train(spec, deferred.device), "batch " + batch);
        }
        ExperimentSpec orthogonal = spec(ORTHOGONAL, 12, 0, "3", EMA_FILTER);
        assertEquals(train(orthogonal, new ReferenceDevice()), train(orthogonal, new Deferred().device),
                "⊥AdamW with the Grokfast-EMA filter");
    }

    @Test
    void aStepIsOneRunOfTheRecordedCallsAndAnEvaluationStepTwo() {
        runsPerStep(spec(ADAMW, 10, 0, "5"));
        runsPerStep(spec(ORTHOGONAL, 10, 0, "5", EMA_FILTER)); // ⊥Grad and the filter need no host value
    }

    private static void runsPerStep(ExperimentSpec spec) {
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        Deferred deferred = new Deferred();
        Trainer trainer = new Trainer(spec, data, deferred.device);
        List<Integer> runsAfterStep = new ArrayList<>();
        trainer.run(new Trainer.Listener() {
            @Override
            public void onMetrics(Map<String, Double> row, int totalSteps) {}

            @Override
            public void afterUpdate(int updates, int totalSteps) {
                runsAfterStep.add(deferred.runs);
            }
        });
        // steps 0, 5 and the last evaluate: the forward pass is read for the row, then backward and the evaluation
        // of every split with the weight norms run at once; their updates, recorded after the loss was
        // read, run with the next step. Every other step is one run.
        List<Integer> perStep = new ArrayList<>();
        for (int i = 1; i < runsAfterStep.size(); i++) {
            perStep.add(runsAfterStep.get(i) - runsAfterStep.get(i - 1));
        }
        assertEquals(List.of(1, 1, 1, 1, 2, 1, 1, 1, 2), perStep, "runs per step from step 1 on");
    }

    @Test
    void aDivergingStepLeavesTheParametersAsTheyWere() {
        // A NaN put into one weight after the first update makes the second step's loss NaN; that step's
        // update must not run although the loss is read after it.
        ExperimentSpec spec = spec(ADAMW, 4, 0, "100");
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        Trainer eager = new Trainer(spec, data, new ReferenceDevice());
        Deferred deferred = new Deferred();
        Trainer recorded = new Trainer(spec, data, deferred.device);
        TrainingDivergedException a = assertThrows(TrainingDivergedException.class, () -> eager.run(poisonAfterFirst(eager)));
        TrainingDivergedException b = assertThrows(TrainingDivergedException.class,
                () -> recorded.run(poisonAfterFirst(recorded)));
        assertEquals(a.getMessage(), b.getMessage());
        assertTrue(a.getMessage().startsWith("training diverged at step 1: the training loss is NaN; "
                + "first non-finite tensor: parameter"), a.getMessage());
        for (Trainer t : List.of(eager, recorded)) {
            t.model().device().toHost(t.model().params());
            t.model().device().toHost(t.optimizer().m());
            t.model().device().toHost(t.optimizer().v());
        }
        assertArrayEquals(values(eager.model().params()), values(recorded.model().params()),
                "the parameters after the first update and the poison, no more");
        assertArrayEquals(values(eager.optimizer().m()), values(recorded.optimizer().m()), "first moments");
        assertTrue(allFinite(recorded.optimizer().m()) && allFinite(recorded.optimizer().v()),
                "the moments are the first update's: the NaN gradient never reached them");
    }

    /** After update 1, a NaN in the first parameter (on the host, then uploaded). */
    private static Trainer.Listener poisonAfterFirst(Trainer t) {
        return new Trainer.Listener() {
            @Override
            public void onMetrics(Map<String, Double> row, int totalSteps) {}

            @Override
            public void afterUpdate(int updates, int totalSteps) {
                if (updates == 1) {
                    Buf p = t.model().params();
                    t.model().device().toHost(p);
                    p.host()[p.offset()] = Float.NaN;
                    t.model().device().toDevice(p);
                }
            }
        };
    }

    private static float[] values(Buf b) {
        return Arrays.copyOfRange(b.host(), b.offset(), b.offset() + b.size());
    }

    private static boolean allFinite(Buf b) {
        for (int i = 0; i < b.size(); i++) {
            if (!Float.isFinite(b.host()[b.offset() + i])) {
                return false;
            }
        }
        return true;
    }
}
