package org.grokcap.bench;

import org.grokcap.backend.Backend;
import org.grokcap.backend.Device;
import org.grokcap.backend.Lockstep;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.run.PopulationSession;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.train.Population;
import org.grokcap.train.Trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

/**
 * Times K models of one config (seeds seed, seed+1, ...) trained together as a {@link Population} on
 * T threads (on one shared device in {@link Lockstep} where {@link PopulationSession#inLockstep} says so), and the same K trained one after another, each on a device of T threads (as a run alone
 * trains), in full-batch epochs as {@link EpochBenchmark} counts them. Each side runs its warm-up
 * epochs untimed first; the together side times from the moment every model finished its warm-up
 * to the moment the last finished.
 */
public final class PopulationBenchmark {

    /**
     * @param togetherMsPerEpoch wall time of one epoch of all K models trained together
     * @param aloneMsPerEpoch    the sum over the K models, trained one after another, of each one's wall time per
     *                           epoch; NaN when they were not trained one after another
     */
    public record Result(int models, int threads, int epochs, double togetherMsPerEpoch, double aloneMsPerEpoch) {
        /** How many times the K models trained one after another take as long as together. */
        public double speedup() {
            return aloneMsPerEpoch / togetherMsPerEpoch;
        }
    }

    private PopulationBenchmark() {}

    /** K models of spec, together and (alone true) one after another; warmup untimed epochs first, then epochs. */
    public static Result run(ExperimentSpec spec, Backend backend, int models, int threads, int warmup, int epochs,
                             boolean alone) {
        List<ExperimentSpec> specs = new ArrayList<>();
        for (int i = 0; i < models; i++) {
            ExperimentSpec s = spec.withTrain(spec.train().withSeed(spec.train().seed() + i)
                    .withSteps(warmup + epochs).withEvalEvery(1));
            specs.add(s);
        }
        double aloneNanos = alone ? 0 : Double.NaN;
        if (alone) {
            for (ExperimentSpec s : specs) {
                try (Device device = backend.create(threads)) {
                    Trainer trainer = trainer(s, device);
                    long[] warm = {System.nanoTime()};
                    trainer.run(listener(warmup, () -> warm[0] = System.nanoTime()));
                    aloneNanos += System.nanoTime() - warm[0];
                }
            }
        }
        // on a backend that trains a population in lockstep (a GPU), all K models share one device
        Lockstep lockstep = PopulationSession.inLockstep(backend) ? new Lockstep(backend.create(threads), models) : null;
        try {
            return new Result(models, threads, epochs, together(specs, backend, lockstep, threads, warmup) / 1e6 / epochs,
                    aloneNanos / 1e6 / epochs);
        } finally {
            if (lockstep != null) {
                lockstep.close();
            }
        }
    }

    /** Nanoseconds from the end of every model's warm-up to the end of the last model's training. */
    private static long together(List<ExperimentSpec> specs, Backend backend, Lockstep lockstep, int threads,
                                 int warmup) {
        int models = specs.size();
        int perMember = lockstep != null ? threads : PopulationSession.threadsPerMember(threads, models);
        long[] timedFrom = {0};
        // every member waits for the others at the end of its warm-up; the last one in starts the clock
        CyclicBarrier warmedUp = new CyclicBarrier(models, () -> timedFrom[0] = System.nanoTime());
        List<Population.Member<Long>> members = new ArrayList<>();
        for (int i = 0; i < models; i++) {
            ExperimentSpec s = specs.get(i);
            int index = i;
            members.add(turn -> {
                try (Device device = lockstep != null ? lockstep.member(index) : backend.create(perMember)) {
                    Trainer trainer = trainer(s, device);
                    if (warmup == 0) {
                        await(warmedUp, turn);
                    }
                    trainer.run(new Trainer.Listener() {
                        @Override
                        public void onMetrics(Map<String, Double> row, int totalSteps) {}

                        @Override
                        public void afterUpdate(int updates, int totalSteps) {
                            if (updates == warmup) {
                                await(warmedUp, turn);
                            } else {
                                turn.handOver();
                            }
                        }
                    });
                    return System.nanoTime();
                } catch (RuntimeException | Error e) {
                    warmedUp.reset(); // the others must not wait for this one
                    throw e;
                }
            });
        }
        long end = 0;
        for (Population.Outcome<Long> o : Population.run(members, lockstep != null ? models : threads / perMember)) {
            if (o.failed()) {
                throw new IllegalStateException("a model of the benchmark failed: " + o.failure().getMessage(), o.failure());
            }
            end = Math.max(end, o.result());
        }
        return end - timedFrom[0];
    }

    private static Trainer trainer(ExperimentSpec s, Device device) {
        TokenizedDataset data = s.task().generate(s.train().seed());
        ExperimentSpec resolved = s.withModel(s.model().withData(data.vocabSize(), data.outputVocabSize(),
                data.contextLength()));
        return new Trainer(resolved, data, device);
    }

    /** A listener that calls warmedUp once warmup updates are done. */
    private static Trainer.Listener listener(int warmup, Runnable warmedUp) {
        return new Trainer.Listener() {
            @Override
            public void onMetrics(Map<String, Double> row, int totalSteps) {}

            @Override
            public void afterUpdate(int updates, int totalSteps) {
                if (updates == warmup) {
                    warmedUp.run();
                }
            }
        };
    }

    /** Waits for every member at barrier without holding a slot (the members still to arrive need them). */
    private static void await(CyclicBarrier barrier, Population.Turn turn) {
        turn.pause();
        try {
            barrier.await();
        } catch (InterruptedException | BrokenBarrierException e) {
            throw new IllegalStateException("the benchmark's models could not start their timed epochs together", e);
        } finally {
            turn.resume();
        }
    }
}
