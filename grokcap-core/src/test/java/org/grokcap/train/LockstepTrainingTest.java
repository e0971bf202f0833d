package org.grokcap.train;

import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.backend.Lockstep;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.run.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * K models trained in {@link Lockstep} on one device that records calls (as the TornadoVM backend does):
 * each gives the bits of training it alone, all K together run the recorded calls as often per step as
 * one model alone does, and a model that fails leaves without holding the others back.
 */
class LockstepTrainingTest {

    /** Seeds (split, initialisation) and optimizer settings differ; the shapes do not. */
    private static ExperimentSpec spec(int seed, String optimizer) {
        return ConfigLoader.parse("""
                {"name":"l","task":{"type":"modular","p":11,"trainFraction":0.6},
                 "model":{"dModel":16,"heads":2,"dMlp":32},
                 "train":{"seed":%d,"steps":10,"batchSize":0,"evalEvery":5,"evalBatchSize":40,
                          "optimizer":%s}}""".formatted(seed, optimizer), false, "test");
    }

    private static final List<ExperimentSpec> SPECS = List.of(
            spec(1, "{\"lr\":0.003,\"weightDecay\":0.1,\"gradClip\":0.5}"),
            spec(2, "{\"lr\":0.001,\"weightDecay\":1.0,\"beta2\":0.99}"),
            spec(3, "{\"lr\":0.002,\"weightDecay\":0.0,\"warmupSteps\":4,\"orthogonalGradient\":true}"));

    /** What one member's training produced, or how it failed. */
    private record Member(List<Map<String, Double>> rows, float[] params, List<Integer> runsAfterStep,
                          RuntimeException failure) {}

    /** Trains each spec on its own thread against lockstep member k; the listener may fail a member. */
    private static List<Member> trainInLockstep(Lockstep lockstep, List<ExperimentSpec> specs,
                                                DeferredDeviceTrainingTest.Deferred deferred, int failAfter) {
        List<Member> results = new ArrayList<>(java.util.Collections.nCopies(specs.size(), null));
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < specs.size(); k++) {
            int index = k;
            threads.add(new Thread(() -> {
                List<Map<String, Double>> rows = new ArrayList<>();
                List<Integer> runs = new ArrayList<>();
                try (Device device = lockstep.member(index)) {
                    ExperimentSpec s = specs.get(index);
                    TokenizedDataset data = s.task().generate(s.train().seed());
                    Trainer trainer = new Trainer(s, data, device);
                    trainer.run(new Trainer.Listener() {
                        @Override
                        public void onMetrics(Map<String, Double> row, int totalSteps) {
                            rows.add(row);
                        }

                        @Override
                        public void afterUpdate(int updates, int totalSteps) {
                            runs.add(deferred.runs);
                            if (index == 0 && updates == failAfter) {
                                throw new IllegalStateException("member 0 stops here");
                            }
                        }
                    });
                    device.toHost(trainer.model().params());
                    results.set(index, new Member(rows, values(trainer.model().params()), runs, null));
                } catch (RuntimeException e) {
                    results.set(index, new Member(rows, null, runs, e));
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            try {
                t.join(120_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            assertTrue(!t.isAlive(), "a member is still waiting: the lockstep hangs");
        }
        return results;
    }

    private static float[] values(Buf b) {
        return java.util.Arrays.copyOfRange(b.host(), b.offset(), b.offset() + b.size());
    }

    @Test
    void eachModelInLockstepIsTheModelTrainedAloneAndAllRunAsOftenAsOne() {
        DeferredDeviceTrainingTest.Deferred deferred = new DeferredDeviceTrainingTest.Deferred();
        Lockstep lockstep = new Lockstep(deferred.device, SPECS.size());
        List<Member> together = trainInLockstep(lockstep, SPECS, deferred, -1);
        for (int k = 0; k < SPECS.size(); k++) {
            Member m = together.get(k);
            assertNull(m.failure(), () -> String.valueOf(m.failure()));
            ReferenceDevice alone = new ReferenceDevice();
            ExperimentSpec s = SPECS.get(k);
            List<Map<String, Double>> rows = new ArrayList<>();
            Trainer trainer = new Trainer(s, s.task().generate(s.train().seed()), alone);
            trainer.run((row, total) -> rows.add(row));
            assertEquals(rows, m.rows(), "model " + k + "'s metrics");
            assertArrayEquals(values(trainer.model().params()), m.params(), "model " + k + "'s parameters");
        }
        assertNotEquals(together.get(0).rows(), together.get(1).rows(), "the models are different runs");
        // as DeferredDeviceTrainingTest counts for one model alone: one run per step, two on the
        // evaluation step (step 5), now for all three models at once
        List<Integer> perStep = new ArrayList<>();
        List<Integer> after = together.get(0).runsAfterStep();
        for (int i = 1; i < after.size(); i++) {
            perStep.add(after.get(i) - after.get(i - 1));
        }
        assertEquals(List.of(1, 1, 1, 1, 2, 1, 1, 1, 2), perStep, "runs of the shared device per step, from step 1 on");
        // the same call of the three models reaches the device together, so it may record them side by
        // side: the matmuls and updates, though the three optimizers make different calls before the updates
        long together3 = 0;
        long all = 0;
        for (List<String> group : deferred.interleaved) {
            for (String op : group) {
                if (op.equals("linearForward") || op.equals("linearBackward") || op.equals("adamW")) {
                    all++;
                    together3 += group.equals(java.util.Collections.nCopies(SPECS.size(), op)) ? 1 : 0;
                }
            }
        }
        assertTrue(all >= 9 * 3 * 5, all + " matmuls and updates"); // 9 steps of 3 models, 5 forward matmuls each at least
        assertEquals(all, together3, "matmuls and updates given to one interleave with the same call of the other models");
    }

    @Test
    void aModelThatFailsLeavesAndTheOthersFinishWithTheirOwnBits() {
        DeferredDeviceTrainingTest.Deferred deferred = new DeferredDeviceTrainingTest.Deferred();
        List<Member> together = trainInLockstep(new Lockstep(deferred.device, SPECS.size()), SPECS, deferred, 3);
        IllegalStateException e = assertInstanceOf(IllegalStateException.class, together.get(0).failure());
        assertEquals("member 0 stops here", e.getMessage());
        for (int k = 1; k < SPECS.size(); k++) {
            ExperimentSpec s = SPECS.get(k);
            List<Map<String, Double>> rows = new ArrayList<>();
            new Trainer(s, s.task().generate(s.train().seed()), new ReferenceDevice()).run((row, total) -> rows.add(row));
            assertEquals(rows, together.get(k).rows(), "model " + k + " after model 0 left");
        }
    }
}
