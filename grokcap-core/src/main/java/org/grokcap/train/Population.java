package org.grokcap.train;

import java.util.ArrayList;
import java.util.List;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Trains K independent models together on T compute slots: each model (a member) runs on its own
 * thread with a device of its own (single-threaded when the models fill the cores), and T slots,
 * handed out first come first served, let T members compute at a time. A member holds a slot for one training step and then hands it over ({@link Turn#handOver}
 * from its listener's {@code afterUpdate}), queueing behind the members that wait. All K queue before
 * the first slot is handed out, so the K models advance round-robin, T at a time, none more than a
 * round ahead of another.
 *
 * <p>Why whole models per slot rather than each operation split across threads: a small model's
 * operations are too short to split well (the grokking model spends about a fifth of a two-thread
 * epoch waiting at the barriers after each split operation); K models stepped side by side keep every
 * core busy with no barrier inside a step. Nothing is batched across models: each member is an
 * ordinary single-model training on its own device, so its results are those of training it alone
 * on the same backend (the cpu backend gives the same bits for any thread count), and one member that
 * fails (a diverging loss, a full disk) ends alone while the others go on. On a GPU the members
 * instead all run at once (as many slots as members), each on a view of one shared device that
 * puts their calls together ({@link org.grokcap.backend.Lockstep}).
 */
public final class Population {
    private Population() {}

    /**
     * T slots handed out strictly first come, first served (a fair {@code Semaphore} lets a thread
     * that releases and at once acquires again overtake one it just woke, which starves members).
     */
    private static final class Slots {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final ArrayDeque<Thread> queue = new ArrayDeque<>();
        private int free;

        /** Queues the calling thread and returns once it is first in the queue and a slot is free. */
        void take(boolean giveBackFirst) {
            lock.lock();
            try {
                if (giveBackFirst) {
                    free++;
                }
                Thread me = Thread.currentThread();
                queue.addLast(me);
                changed.signalAll();
                while (queue.peekFirst() != me || free == 0) {
                    changed.awaitUninterruptibly();
                }
                queue.removeFirst();
                free--;
                changed.signalAll(); // the next in the queue may take another free slot
            } finally {
                lock.unlock();
            }
        }

        void give() {
            lock.lock();
            try {
                free++;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Frees n slots once n members wait: the first n of the queue take them, the rest follow in order. */
        void open(int n, int members) {
            lock.lock();
            try {
                while (queue.size() < members) {
                    changed.awaitUninterruptibly();
                }
                free += n;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** A slot on which a member computes; it holds one from its start to its end. */
    public static final class Turn {
        private final Slots slots;

        private Turn(Slots slots) {
            this.slots = slots;
        }

        /** Gives the slot to the first member that waits and queues behind the others for the next free one. */
        public void handOver() {
            slots.take(true);
        }

        /** Gives the slot up while this member waits for something else; {@link #resume} takes one again. */
        public void pause() {
            slots.give();
        }

        public void resume() {
            slots.take(false);
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
        // No slot is free until every member queues for one: then the queue hands the slots round all K
        // from the first step, not to whichever threads happened to start first.
        Slots slotsOfAll = new Slots();
        List<Outcome<R>> outcomes = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            outcomes.add(null);
        }
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            int index = i;
            Member<R> member = members.get(i);
            Thread t = new Thread(() -> {
                Turn turn = new Turn(slotsOfAll);
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
        slotsOfAll.open(slots, members.size());
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
