package org.grokcap.backend;

/**
 * The totals of one forward pass's loss: Σ of the per-position losses (in double), the positions whose
 * argmax was the target, and the sequences whose every target position was hit.
 *
 * <p>A device that runs each call at once fills them when {@link Device#lossTotals} is called. A
 * device that records calls and runs them later (TornadoVM) fills them when the recorded calls run;
 * reading a value first makes the device run what it has recorded ({@link Device#sync}), so a
 * training step can record forward, backward and update and read its loss once, at the end. One object
 * serves one pass at a time: filling it again replaces the values.
 */
public final class LossTotals {
    private Device device;
    private boolean ready;
    private double lossSum;
    private long hits;
    private long sequenceHits;

    /** Totals to be filled by a device ({@link Device#lossTotals}); reusable, one pass at a time. */
    public LossTotals() {}

    /** Called by a recording device when it records the call that will fill these: until then, reads run it. */
    public void expect(Device recorder) {
        this.device = recorder;
        this.ready = false;
    }

    /** Called by the device when it has computed them. */
    public void set(double lossSum, long hits, long sequenceHits) {
        this.lossSum = lossSum;
        this.hits = hits;
        this.sequenceHits = sequenceHits;
        this.ready = true;
    }

    /** Whether the values are known without running the device. */
    public boolean ready() {
        return ready;
    }

    public double lossSum() {
        await();
        return lossSum;
    }

    public long hits() {
        await();
        return hits;
    }

    public long sequenceHits() {
        await();
        return sequenceHits;
    }

    private void await() {
        if (!ready) {
            if (device != null) {
                device.sync();
            }
            if (!ready) {
                throw new IllegalStateException("loss totals read before a device computed them");
            }
        }
    }

    /**
     * Sets the totals from per-position losses and hits on the host: rows are in position order, so
     * a sequence's rows (targetRows[i] / T) are adjacent. The definition every device must match.
     */
    public void setFromRows(float[] losses, int lossOffset, float[] hitFlags, int hitOffset,
                            int[] targetRows, int rowOffset, int rows, int T) {
        double sum = 0.0;
        long hitCount = 0;
        long sequenceHitCount = 0;
        int sequence = -1;
        boolean allHit = false;
        for (int i = 0; i < rows; i++) {
            sum += losses[lossOffset + i];
            boolean hit = hitFlags[hitOffset + i] != 0f;
            hitCount += hit ? 1 : 0;
            int seq = targetRows[rowOffset + i] / T;
            if (seq != sequence) {
                sequenceHitCount += allHit ? 1 : 0;
                sequence = seq;
                allHit = true;
            }
            allHit &= hit;
        }
        sequenceHitCount += allHit ? 1 : 0;
        set(sum, hitCount, sequenceHitCount);
    }
}
