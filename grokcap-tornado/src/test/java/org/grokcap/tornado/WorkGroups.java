package org.grokcap.tornado;

import uk.ac.manchester.tornado.api.KernelContext;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a {@link KernelContext} kernel as plain Java the way a device would: every work-item of a
 * work-group on its own (virtual) thread with its own ids, local arrays shared by the group, barriers
 * that wait for the whole group. Work-groups run one after another. TornadoVM's own KernelContext runs
 * a kernel as a single work-item with no-op barriers, which cannot test a tiled kernel; this can.
 * Needs {@code --add-opens tornado.api/uk.ac.manchester.tornado.api=ALL-UNNAMED} (the ids are final
 * fields of KernelContext).
 */
final class WorkGroups {
    interface Kernel {
        void run(KernelContext ctx);
    }

    private WorkGroups() {}

    /** Runs kernel on a globalX × globalY grid of localX × localY work-groups (global a multiple of local). */
    static void run(int globalX, int globalY, int localX, int localY, Kernel kernel) {
        if (globalX % localX != 0 || globalY % localY != 0) {
            throw new IllegalArgumentException("grid " + globalX + "×" + globalY + " is not whole work-groups of "
                    + localX + "×" + localY);
        }
        for (int gy = 0; gy < globalY / localY; gy++) {
            for (int gx = 0; gx < globalX / localX; gx++) {
                Group group = new Group(localX * localY);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                List<Thread> items = new ArrayList<>();
                for (int ly = 0; ly < localY; ly++) {
                    for (int lx = 0; lx < localX; lx++) {
                        Item ctx = new Item(group);
                        set(ctx, "localIdx", lx);
                        set(ctx, "localIdy", ly);
                        set(ctx, "groupIdx", gx);
                        set(ctx, "groupIdy", gy);
                        set(ctx, "globalIdx", gx * localX + lx);
                        set(ctx, "globalIdy", gy * localY + ly);
                        set(ctx, "localGroupSizeX", localX);
                        set(ctx, "localGroupSizeY", localY);
                        set(ctx, "globalGroupSizeX", globalX);
                        set(ctx, "globalGroupSizeY", globalY);
                        items.add(Thread.ofVirtual().start(() -> {
                            try {
                                kernel.run(ctx);
                            } catch (Throwable t) {
                                failure.compareAndSet(null, t);
                                group.barrier.reset(); // wake the others instead of leaving them waiting
                            }
                        }));
                    }
                }
                for (Thread t : items) {
                    try {
                        t.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
                if (failure.get() != null) {
                    throw new IllegalStateException("work-group " + gx + "," + gy + " failed", failure.get());
                }
            }
        }
    }

    private static void set(KernelContext ctx, String field, int value) {
        try {
            Field f = KernelContext.class.getField(field);
            f.setAccessible(true);
            f.set(ctx, value);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot set KernelContext." + field + " (is tornado.api opened?)", e);
        }
    }

    /** What a work-group shares: its barrier and its local arrays, in allocation order. */
    private static final class Group {
        final CyclicBarrier barrier;
        final List<float[]> floats = new ArrayList<>();

        Group(int size) {
            barrier = new CyclicBarrier(size);
        }

        synchronized float[] floats(int index, int size) {
            if (index == floats.size()) {
                floats.add(new float[size]);
            }
            return floats.get(index);
        }
    }

    /** One work-item. */
    private static final class Item extends KernelContext {
        private final Group group;
        private int allocations;

        Item(Group group) {
            this.group = group;
        }

        @Override
        public void localBarrier() {
            try {
                group.barrier.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException("a work-item left the barrier", e);
            }
        }

        @Override
        public void globalBarrier() {
            localBarrier();
        }

        @Override
        public float[] allocateFloatLocalArray(int size) {
            return group.floats(allocations++, size);
        }
    }
}
