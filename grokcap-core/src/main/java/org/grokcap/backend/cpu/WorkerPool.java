package org.grokcap.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that run one job at a time, split into parts. Dispatch allocates nothing:
 * a job is a reusable object and the caller runs part 0 itself.
 */
public final class WorkerPool implements AutoCloseable {

    /** Work that can be split: part p of parts. */
    public interface Job {
        void run(int part, int parts);
    }

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Job job;
    private volatile int generation;
    private volatile boolean closed;
    private volatile Throwable failure;

    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int part = i + 1;
            Thread t = new Thread(() -> work(part), "grokcap-cpu-" + part);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs job.run(p, threads) for every p, in parallel; returns when all parts are done. */
    public void run(Job j) {
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
        }
        if (threads == 1) {
            j.run(0, 1);
            return;
        }
        failure = null;
        job = j;
        pending.set(threads - 1);
        generation++;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        try {
            j.run(0, threads);
        } finally {
            int spins = 0;
            while (pending.get() != 0) {
                if (++spins < 20_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            job = null;
        }
        Throwable f = failure;
        if (f != null) {
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(f);
        }
    }

    private void work(int part) {
        int seen = 0;
        int idle = 0;
        while (!closed) {
            int g = generation;
            if (g != seen) {
                seen = g;
                idle = 0;
                try {
                    job.run(part, threads);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    pending.decrementAndGet();
                }
            } else if (++idle < 5_000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 1_000_000L);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
