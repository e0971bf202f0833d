package org.grokcap.backend;

/** The scalar reference kernels, one thread: slow, the truth. */
public final class ReferenceBackend implements Backend {
    @Override
    public String name() {
        return "reference";
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public Availability availability() {
        return Availability.yes("scalar Java, always available");
    }

    @Override
    public Device create(int threads) {
        return new ReferenceDevice();
    }
}
