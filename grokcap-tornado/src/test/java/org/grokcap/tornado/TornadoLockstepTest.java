package org.grokcap.tornado;

import org.grokcap.backend.Buf;
import org.grokcap.backend.Device;
import org.grokcap.backend.Lockstep;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Models trained together in {@link Lockstep} on one TornadoVM device: each gives the bits of the
 * same model trained alone on a TornadoVM device of its own, the step of all of them runs as the
 * same number of runs of recorded calls as the step of one, and the same matmul of every model as one
 * task.
 */
class TornadoLockstepTest {

    @BeforeAll
    static void needTornado() {
        TornadoBackend backend = new TornadoBackend();
        assumeTrue(backend.availability().available(), "TornadoVM is not present: " + backend.availability().reason());
    }

    /** Seeds and per-model optimizer settings (⊥Grad included) differ; the shapes do not. */
    private static ExperimentSpec spec(int seed, String optimizer) {
        return ConfigLoader.parse("""
                {"name":"t","task":{"type":"modular","p":11,"trainFraction":0.6},
                 "model":{"dModel":16,"heads":2,"dMlp":32},
                 "train":{"seed":%d,"steps":12,"batchSize":0,"evalEvery":5,"optimizer":%s}}""".formatted(seed, optimizer),
                false, "test");
    }

    private static final List<ExperimentSpec> SPECS = List.of(
            spec(5, "{\"lr\":0.003,\"weightDecay\":0.1,\"gradClip\":0.5}"),
            spec(6, "{\"lr\":0.001,\"weightDecay\":1.0,\"orthogonalGradient\":true}"));

    /** A run's metrics rows and, last, the hash of its final parameters' bits. */
    private static List<Map<String, Double>> train(ExperimentSpec spec, Device device, Runnable after,
                                                   List<Map<String, Double>> rows) {
        TokenizedDataset data = spec.task().generate(spec.train().seed());
        Trainer trainer = new Trainer(spec, data, device);
        trainer.run(new Trainer.Listener() {
            @Override
            public void onMetrics(Map<String, Double> row, int totalSteps) {
                rows.add(Map.copyOf(row));
            }

            @Override
            public void afterUpdate(int updates, int totalSteps) {
                if (after != null) {
                    after.run();
                }
            }
        });
        Buf p = trainer.model().params();
        device.toHost(p);
        rows.add(Map.of("parameters' hash", (double) Arrays.hashCode(Arrays.copyOfRange(p.host(), p.offset(),
                p.offset() + p.size()))));
        return rows;
    }

    @Test
    void eachModelInLockstepIsTheModelAloneAndAStepOfAllIsAsManyRunsAsOne() throws Exception {
        List<List<Map<String, Double>>> alone = new ArrayList<>();
        List<Long> aloneRuns = new ArrayList<>();
        List<Long> aloneTasks = new ArrayList<>(); // per step, both models' tasks alone
        long aloneFused = 0;
        for (ExperimentSpec s : SPECS) {
            try (TornadoDevice device = (TornadoDevice) new TornadoBackend().create(0)) {
                List<Long> after = new ArrayList<>();
                List<Long> tasks = new ArrayList<>();
                alone.add(train(s, device, () -> {
                    after.add(device.segmentsRun());
                    tasks.add(device.tasksRun());
                }, new ArrayList<>()));
                if (aloneRuns.isEmpty()) {
                    aloneRuns.addAll(after);
                }
                List<Long> perStep = perStep(tasks);
                for (int step = 0; step < perStep.size(); step++) {
                    if (aloneTasks.size() <= step) {
                        aloneTasks.add(0L);
                    }
                    aloneTasks.set(step, aloneTasks.get(step) + perStep.get(step));
                }
                aloneFused += device.fusedEpilogues();
                assertEquals(0, device.joinedProducts(), "alone, no matmul shares a task");
            }
        }
        TornadoDevice shared = (TornadoDevice) new TornadoBackend().create(0);
        List<Long> togetherRuns = Collections.synchronizedList(new ArrayList<>());
        List<Long> togetherTasks = Collections.synchronizedList(new ArrayList<>());
        List<List<Map<String, Double>>> together = inLockstep(SPECS, shared, () -> {
            togetherRuns.add(shared.segmentsRun());
            togetherTasks.add(shared.tasksRun());
        });
        for (int k = 0; k < SPECS.size(); k++) {
            assertEquals(alone.get(k), together.get(k), "model " + k + ": every metric and the parameters, bit for bit");
        }
        assertNotEquals(together.get(0), together.get(1));
        assertEquals(10, perStep(aloneRuns).size(), "runs heard after steps 2 to 11");
        assertEquals(perStep(aloneRuns), perStep(togetherRuns),
                "runs of recorded calls per step, steps 2 to 11: both models' step in the runs of one model's");
        // a training step has 15 matmuls (5 forward, 10 backward), each of both models in one task
        assertTrue(shared.joinedProducts() >= 12 * 15, shared.joinedProducts() + " matmuls joined the task of the one before them");
        assertEquals(aloneFused, shared.fusedEpilogues(), "every activation and residual add fused alone is fused together");
        // a training step has 23 more such kernels: the embedding, three gathers, attention, the loss and its
        // two-stage totals forward; backward the loss, two residual adds, a ReLU, two biases' two-stage sums,
        // three gathers, attention's two and the embedding's two
        assertTrue(shared.joinedBatches() >= 12 * 23, shared.joinedBatches() + " other kernels joined the task of the one before them");
        // the matmuls, updates, copies and those of both models in one task each: at least 15 + 23 fewer per step
        List<Long> two = perStep(togetherTasks);
        for (int step = 0; step < aloneTasks.size(); step++) {
            assertTrue(two.get(step) <= aloneTasks.get(step) - 15 - 23, "step " + (step + 2) + ": " + two.get(step)
                    + " tasks for both models together, " + aloneTasks.get(step) + " for the two alone");
        }
        System.out.println("tasks per step, the two models alone: " + aloneTasks + "; together: " + two);
    }

    /**
     * The specs' models trained in lockstep on shared (which the lockstep closes), one thread each; each
     * model's metrics rows and parameters' hash. afterFirst hears model 0's updates.
     */
    private static List<List<Map<String, Double>>> inLockstep(List<ExperimentSpec> specs, TornadoDevice shared,
                                                              Runnable afterFirst) throws InterruptedException {
        List<List<Map<String, Double>>> together = new ArrayList<>(Collections.nCopies(specs.size(), null));
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        try (Lockstep lockstep = new Lockstep(shared, specs.size())) {
            List<Thread> threads = new ArrayList<>();
            for (int k = 0; k < specs.size(); k++) {
                int index = k;
                threads.add(new Thread(() -> {
                    try (Device view = lockstep.member(index)) {
                        together.set(index, train(specs.get(index), view, index == 0 ? afterFirst : null,
                                new ArrayList<>()));
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(600_000);
                assertFalse(t.isAlive(), "a model is still waiting: the lockstep hangs");
            }
        }
        assertEquals(List.of(), failures);
        return together;
    }

    /**
     * Models whose optimizers differ only in their scalars (learning rate, β1, β2, ε, weight decay) make the
     * same calls, so each parameter group's AdamW calls of all models arrive one after another: they run
     * as one task, and each model still gives the bits of its run alone.
     */
    @Test
    void theModelsAdamWUpdatesRunAsOneTaskWithTheBitsOfEachAlone() throws Exception {
        List<ExperimentSpec> specs = List.of(
                spec(7, "{\"lr\":0.003,\"weightDecay\":0.1,\"gradClip\":0.5}"),
                spec(8, "{\"lr\":0.001,\"beta1\":0.8,\"beta2\":0.99,\"eps\":1e-6,\"weightDecay\":1.0,\"gradClip\":0.8}"));
        List<List<Map<String, Double>>> alone = new ArrayList<>();
        for (ExperimentSpec s : specs) {
            try (TornadoDevice device = (TornadoDevice) new TornadoBackend().create(0)) {
                alone.add(train(s, device, null, new ArrayList<>()));
            }
        }
        TornadoDevice shared = (TornadoDevice) new TornadoBackend().create(0);
        List<List<Map<String, Double>>> together = inLockstep(specs, shared, null);
        for (int k = 0; k < specs.size(); k++) {
            assertEquals(alone.get(k), together.get(k), "model " + k + ": every metric and the parameters, bit for bit");
        }
        // each of the 12 steps: every parameter group's K calls in one task
        assertTrue(shared.joinedAdamW() >= 12 * (specs.size() - 1),
                shared.joinedAdamW() + " AdamW calls joined the task of the one before them");
    }

    /** A model of the given architecture (its "model" object's fields) on a small modular task. */
    private static ExperimentSpec spec(String model, int seed, double lr) {
        return ConfigLoader.parse("""
                {"name":"t","task":{"type":"modular","p":11,"trainFraction":0.6},
                 "model":{%s,"layers":1,"dModel":16,"heads":2,"dMlp":32},
                 "train":{"seed":%d,"steps":6,"batchSize":0,"evalEvery":4,
                          "optimizer":{"lr":%s,"weightDecay":0.1,"gradClip":1.0}}}""".formatted(model, seed, lr),
                false, "test");
    }

    /**
     * GPT-2-style models (layer norm, GELU, biases) and Llama-style models (RMSNorm, SwiGLU, rotary
     * positions), two of each in lockstep: each gives the bits of its run alone, and a step of both is
     * as many tasks as a step of one alone, every kernel of the two models sharing one task.
     */
    @Test
    void gpt2AndLlamaStyleModelsInLockstepRunAStepOfBothInTheTasksOfOne() throws Exception {
        for (String model : List.of(
                "\"activation\":\"gelu\",\"layerNorm\":true,\"attentionBias\":true,\"mlpBias\":true,\"unembedBias\":true",
                "\"architecture\":\"llama\"")) {
            List<ExperimentSpec> specs = List.of(spec(model, 3, 0.003), spec(model, 4, 0.001));
            List<List<Map<String, Double>>> alone = new ArrayList<>();
            List<Long> oneTasks = new ArrayList<>();
            for (ExperimentSpec s : specs) {
                try (TornadoDevice device = (TornadoDevice) new TornadoBackend().create(0)) {
                    List<Long> tasks = new ArrayList<>();
                    alone.add(train(s, device, () -> tasks.add(device.tasksRun()), new ArrayList<>()));
                    if (oneTasks.isEmpty()) {
                        oneTasks.addAll(perStep(tasks));
                    }
                }
            }
            TornadoDevice shared = (TornadoDevice) new TornadoBackend().create(0);
            List<Long> togetherTasks = Collections.synchronizedList(new ArrayList<>());
            List<List<Map<String, Double>>> together = inLockstep(specs, shared, () -> togetherTasks.add(shared.tasksRun()));
            for (int k = 0; k < specs.size(); k++) {
                assertEquals(alone.get(k), together.get(k), model + ", model " + k + ": every metric and the parameters, bit for bit");
            }
            assertNotEquals(together.get(0), together.get(1));
            assertEquals(4, oneTasks.size(), "steps 2 to 5 heard");
            System.out.println(model + ": tasks per step, one model alone: " + oneTasks + "; two together: "
                    + perStep(togetherTasks));
            assertEquals(oneTasks, perStep(togetherTasks), model + ": tasks per step, one model alone and two together");
        }
    }

    /** Counts per step from step 2 on (step 0 records the graphs, step 1 decides the skip flag once). */
    private static List<Long> perStep(List<Long> executionsAfter) {
        List<Long> d = new ArrayList<>();
        for (int step = 2; step < executionsAfter.size(); step++) {
            d.add(executionsAfter.get(step) - executionsAfter.get(step - 1));
        }
        return d;
    }
}
