package org.grokcap.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PopulationTest {

    /** A member of steps steps that counts how many members compute at once and which step each is at. */
    private static Population.Member<Integer> member(int index, int steps, AtomicInteger active, AtomicInteger most,
                                                     int[] progress, int failAt) {
        return turn -> {
            for (int step = 0; step < steps; step++) {
                most.accumulateAndGet(active.incrementAndGet(), Math::max);
                long until = System.nanoTime() + 200_000; // a step's work, long enough for the others to try to enter
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                synchronized (progress) {
                    progress[index] = step + 1;
                }
                active.decrementAndGet();
                if (step + 1 == failAt) {
                    throw new IllegalStateException("member " + index + " failed at step " + failAt);
                }
                turn.handOver();
            }
            return index;
        };
    }

    @Test
    void atMostSlotsMembersComputeAtOnceAndTheOutcomesKeepTheMembersOrder() {
        AtomicInteger active = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        int[] progress = new int[5];
        List<Population.Member<Integer>> members = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            members.add(member(i, 40, active, most, progress, -1));
        }
        List<Population.Outcome<Integer>> outcomes = Population.run(members, 2);
        assertTrue(most.get() <= 2, "at most 2 at once, saw " + most.get());
        for (int i = 0; i < 5; i++) {
            assertNull(outcomes.get(i).failure());
            assertEquals(i, outcomes.get(i).result());
            assertEquals(40, progress[i]);
        }
    }

    @Test
    void theMembersAdvanceInLockstep() {
        // a fair hand-over lets every waiting member step before one steps again: no member gets more than
        // a round ahead of another while all are running
        int[] progress = new int[4];
        int[] widest = {0};
        List<Population.Member<Integer>> members = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int index = i;
            members.add(turn -> {
                for (int step = 0; step < 30; step++) {
                    synchronized (progress) {
                        progress[index] = step + 1;
                        int lo = Integer.MAX_VALUE;
                        int hi = 0;
                        for (int p : progress) {
                            lo = Math.min(lo, p);
                            hi = Math.max(hi, p);
                        }
                        widest[0] = Math.max(widest[0], hi - lo);
                    }
                    turn.handOver();
                }
                return index;
            });
        }
        Population.run(members, 1);
        assertEquals(List.of(30, 30, 30, 30), List.of(progress[0], progress[1], progress[2], progress[3]));
        assertEquals(1, widest[0], "one slot: strictly round-robin, members spread over one step at most");
    }

    @Test
    void aFailingMemberEndsAloneAndTheOthersFinish() {
        AtomicInteger active = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        int[] progress = new int[3];
        List<Population.Member<Integer>> members = List.of(member(0, 20, active, most, progress, -1),
                member(1, 20, active, most, progress, 3), member(2, 20, active, most, progress, -1));
        List<Population.Outcome<Integer>> outcomes = Population.run(members, 2);
        assertFalse(outcomes.get(0).failed());
        assertTrue(outcomes.get(1).failed());
        assertEquals("member 1 failed at step 3", outcomes.get(1).failure().getMessage());
        assertFalse(outcomes.get(2).failed());
        assertEquals(List.of(20, 3, 20), List.of(progress[0], progress[1], progress[2]));
    }
}
