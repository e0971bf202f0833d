package org.grokcap.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * Trains K independent models together on T compute slots: each model (a member) runs on its own
 * thread with a single-threaded device, and a fair semaphore of T permits lets T members compute at
 * a time. A member holds a slot for one training step and then hands it over ({@link Turn#handOver}
 * from its listener's {@code afterUpdate}), queueing behind the members that wait, so the K models
 * advance in lockstep, round-robin, T at a time.
 *
 * <p>Why whole models per slot rather than each operation split across threads: a small model's
 * operations are too short to split well (the grokking model spends about a fifth of a two-thread
 * epoch waiting at the barriers after each split operation); K models stepped side by side keep every
 * core busy with no barrier inside a step. Nothing is batched across models: each member is an
 * ordinary single-model training on its own device, so its results are those of training it alone
 * on the same backend (the cpu backend gives the same bits for any thread count), and one member that
 * fails (a diverging loss, a full disk) ends alone while the others go on.
 */
public final class Population {
    private Population() {}

    /** A slot on which a member computes; it holds one from its start to its end. */
    public static final class Turn {
        private final Semaphore slots;

        private Turn(Semaphore slots) {
            this.slots = slots;
        }

        /** Lets the members that wait compute first (fair: this member queues behind them), then takes a slot again. */
        public void handOver() {
            slots.release();
            slots.acquireUninterruptibly();
        }

        /** Gives the slot up while this member waits for something else; {@link #resume} takes one again. */
        public void pause() {
            slots.release();
        }

        public void resume() {
            slots.acquireUninterruptibly();
        }
    }

    /** One model's whole training, which calls {@link Turn#handOver} after each update. */
    public interface Member<R> {
        R run(Turn turn) throws Exception;
    }

    /** What a member returned, or why it failed (then result is null). */
    public record Outcome<R>(R result, Throwable failure) {
        public boolean failed() {
            return failure != null;
        }
    }

    /**
     * Runs every member on its own thread, at most slots of them computing at a time, and returns their
     * outcomes in the members' order once all have ended. A member's failure ends that member only.
     */
    public static <R> List<Outcome<R>> run(List<? extends Member<R>> members, int slots) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be ≥ 1, got " + slots);
        }
        Semaphore semaphore = new Semaphore(slots, true);
        List<Outcome<R>> outcomes = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            outcomes.add(null);
        }
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            int index = i;
            Member<R> member = members.get(i);
            Thread t = new Thread(() -> {
                Turn turn = new Turn(semaphore);
                turn.resume();
                Outcome<R> outcome;
                try {
                    outcome = new Outcome<>(member.run(turn), null);
                } catch (Throwable e) { // an Error too (out of memory): this member ends, the others go on
                    outcome = new Outcome<>(null, e);
                } finally {
                    turn.pause();
                }
                synchronized (outcomes) {
                    outcomes.set(index, outcome);
                }
            }, "grokcap-member-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            boolean interrupted = false;
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the members stop through TrainingSession.requestStop, not interrupts
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (outcomes) {
            return new ArrayList<>(outcomes);
        }
    }
}
