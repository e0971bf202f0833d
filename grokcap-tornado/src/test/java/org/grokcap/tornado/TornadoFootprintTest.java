package org.grokcap.tornado;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The arena ranges that decide whether calls may share a task (no TornadoVM device needed): merged
 * ranges answer every overlap question as a set of marked elements does, and a footprint lets a call
 * join only when neither writes what the other touches.
 */
class TornadoFootprintTest {

    @Test
    void rangesAnswerOverlapsAsTheElementsTheyHoldDo() {
        Random rnd = new Random(19);
        for (int trial = 0; trial < 200; trial++) {
            TornadoDevice.Ranges ranges = new TornadoDevice.Ranges();
            boolean[] held = new boolean[120];
            for (int added = rnd.nextInt(8); added > 0; added--) {
                int start = rnd.nextInt(100);
                int n = rnd.nextInt(20);
                ranges.add(start, n);
                for (int i = start; i < start + n; i++) {
                    held[i] = true;
                }
            }
            for (int q = 0; q < 50; q++) {
                int start = rnd.nextInt(110);
                int n = rnd.nextInt(10);
                boolean want = false;
                for (int i = start; i < start + n; i++) {
                    want |= held[i];
                }
                assertEquals(want, ranges.intersects(start, n), "trial " + trial + ": [" + start + ", " + (start + n) + ")");
            }
        }
    }

    @Test
    void aCallJoinsOnlyWhenNeitherWritesWhatTheOtherTouches() {
        TornadoDevice.Footprint task = new TornadoDevice.Footprint();
        task.read(0, 10);
        task.write(100, 10);
        TornadoDevice.Footprint other = new TornadoDevice.Footprint(); // another model's tensors
        other.read(10, 10);
        other.write(110, 10);
        assertTrue(task.independentOf(other));
        TornadoDevice.Footprint readsBoth = new TornadoDevice.Footprint(); // reads what the task reads: fine
        readsBoth.read(0, 10);
        readsBoth.write(200, 1);
        assertTrue(task.independentOf(readsBoth));
        TornadoDevice.Footprint readsOutput = new TornadoDevice.Footprint(); // the next layer: reads the task's output
        readsOutput.read(105, 1);
        readsOutput.write(300, 1);
        assertFalse(task.independentOf(readsOutput));
        TornadoDevice.Footprint writesInput = new TornadoDevice.Footprint();
        writesInput.write(9, 1);
        assertFalse(task.independentOf(writesInput));
        task.add(other);
        TornadoDevice.Footprint writesOthersOutput = new TornadoDevice.Footprint();
        writesOthersOutput.write(119, 5);
        assertFalse(task.independentOf(writesOthersOutput), "a joined call's ranges count too");
    }
}
