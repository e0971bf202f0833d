package org.grokcap.backend.cpu;

import org.grokcap.backend.Backend;
import org.grokcap.backend.Device;

/** The fast CPU backend: Vector API when present, all cores by default. */
public final class CpuBackend implements Backend {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int rank() {
        return 10;
    }

    @Override
    public Availability availability() {
        int cores = Runtime.getRuntime().availableProcessors();
        return Availability.yes(cores + " cores, " + (CpuDevice.vectorApiPresent()
                ? "Vector API present"
                : "Vector API absent (scalar kernels; run with --add-modules jdk.incubator.vector)"));
    }

    @Override
    public Device create(int threads) {
        return new CpuDevice(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
    }
}
