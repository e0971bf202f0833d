package org.grokcap.tornado;

import org.grokcap.backend.Backend;
import org.grokcap.backend.Device;

/**
 * The {@code tornado} backend: grokcap's kernels compiled by TornadoVM for an OpenCL or PTX device,
 * one training step recorded once into task graphs and replayed ({@link TornadoDevice}).
 *
 * <p>Found by {@link java.util.ServiceLoader} even in a JVM started without TornadoVM's flags; it then
 * reports itself unavailable and says why, without touching a TornadoVM class.
 */
public final class TornadoBackend implements Backend {
    /** The device to use, {@code BACKEND:DEVICE} as {@code tornado --devices} numbers them. */
    public static final String DEVICE_PROPERTY = "grokcap.tornado.device";
    public static final String DEVICE_ENV = "GROKCAP_TORNADO_DEVICE";

    private Availability availability;
    private Integer rank;

    @Override
    public String name() {
        return "tornado";
    }

    /** Above the CPU backend (10) on a GPU, below it on an OpenCL CPU device such as PoCL. */
    @Override
    public int rank() {
        if (rank == null) {
            rank = availability().available() && TornadoTargets.isGpu(TornadoTargets.chosen()) ? 20 : 5;
        }
        return rank;
    }

    @Override
    public synchronized Availability availability() {
        if (availability == null) {
            availability = probe();
        }
        return availability;
    }

    private static Availability probe() {
        try {
            Class.forName("uk.ac.manchester.tornado.api.TornadoExecutionPlan", false, TornadoBackend.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return Availability.no("TornadoVM is not in this JVM: set TORNADOVM_HOME (or TORNADO_SDK) to a TornadoVM SDK;"
                    + " ./grokcap then builds grokcap-tornado and starts Java with the SDK's flags");
        }
        try {
            return Availability.yes(TornadoTargets.describeChosen());
        } catch (RuntimeException | LinkageError e) {
            return Availability.no("TornadoVM did not start: " + e);
        }
    }

    @Override
    public Device create(int threads) {
        Availability a = availability();
        if (!a.available()) {
            throw new IllegalStateException("the tornado backend is unavailable: " + a.reason());
        }
        return new TornadoDevice(TornadoTargets.chosen());
    }
}
