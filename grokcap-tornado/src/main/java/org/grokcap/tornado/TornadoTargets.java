package org.grokcap.tornado;

import org.grokcap.util.BadInputException;
import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

/** TornadoVM's devices and the one grokcap uses; the only place that starts TornadoVM's runtime. */
final class TornadoTargets {
    private static final String BYTECODE_SIZE = "tornado.tvm.maxbytecodesize";

    private TornadoTargets() {}

    /**
     * The device named by {@value org.grokcap.tornado.TornadoBackend#DEVICE_PROPERTY} or
     * {@value org.grokcap.tornado.TornadoBackend#DEVICE_ENV} ({@code B:D}), else TornadoVM's default.
     */
    static TornadoDevice chosen() {
        configure();
        TornadoRuntime runtime = TornadoRuntimeProvider.getTornadoRuntime();
        String spec = System.getProperty(org.grokcap.tornado.TornadoBackend.DEVICE_PROPERTY,
                System.getenv(org.grokcap.tornado.TornadoBackend.DEVICE_ENV));
        if (spec == null || spec.isBlank()) {
            return runtime.getDefaultDevice();
        }
        String[] parts = spec.trim().split(":");
        int b;
        int d;
        try {
            if (parts.length != 2) {
                throw new NumberFormatException();
            }
            b = Integer.parseInt(parts[0]);
            d = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new BadInputException(org.grokcap.tornado.TornadoBackend.DEVICE_PROPERTY + " must be BACKEND:DEVICE"
                    + " (as tornado --devices lists them, e.g. 0:0), got '" + spec + "'");
        }
        if (b < 0 || b >= runtime.getNumBackends()) {
            throw new BadInputException("TornadoVM backend " + b + " does not exist; there are " + runtime.getNumBackends());
        }
        TornadoBackend backend = runtime.getBackend(b);
        if (d < 0 || d >= backend.getNumDevices()) {
            throw new BadInputException("TornadoVM backend " + b + " (" + backend.getName() + ") has no device " + d
                    + "; it has " + backend.getNumDevices());
        }
        return backend.getDevice(d);
    }

    /** TornadoVM's settings grokcap needs, unless the user set them; before its runtime starts, which reads them once. */
    private static void configure() {
        // No silent fallback: a kernel TornadoVM cannot compile is an error, not a slow run in Java.
        setIfAbsent("tornado.recover.bailout", "False");
        // One recorded segment is one task graph of up to a few hundred tasks; TornadoVM's default
        // bytecode buffer (4096 bytes, about 50 launches) would make a 2-layer backward pass bail out.
        setIfAbsent(BYTECODE_SIZE, Integer.toString(1 << 20));
        // IEEE arithmetic: TornadoVM's default OpenCL flags add -cl-fast-relaxed-math, under which the
        // compiler may assume no NaN or infinity, and the device-side divergence check (a non-finite
        // loss skips the update) and the training loss must see them.
        setIfAbsent(OPENCL_FLAGS, "-cl-mad-enable -w");
    }

    private static final String OPENCL_FLAGS = "tornado.opencl.compiler.flags";

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    static boolean isGpu(TornadoDevice device) {
        return device.getDeviceType() == TornadoDeviceType.GPU;
    }

    /** Every device TornadoVM sees, the chosen one marked. */
    static String describeChosen() {
        configure();
        TornadoRuntime runtime = TornadoRuntimeProvider.getTornadoRuntime();
        TornadoDevice chosen = chosen();
        StringBuilder sb = new StringBuilder();
        for (int b = 0; b < runtime.getNumBackends(); b++) {
            TornadoBackend backend = runtime.getBackend(b);
            for (int d = 0; d < backend.getNumDevices(); d++) {
                TornadoDevice dev = backend.getDevice(d);
                boolean isChosen = dev.getBackendIndex() == chosen.getBackendIndex()
                        && dev.getDeviceName().equals(chosen.getDeviceName());
                sb.append(sb.isEmpty() ? "" : "; ").append(isChosen ? "using " : "").append(b).append(':').append(d)
                        .append(' ').append(dev.getPhysicalDevice().getDeviceName().trim()).append(" (").append(dev.getDeviceType())
                        .append(", ").append(backend.getName()).append(')');
            }
        }
        return sb + "; pick with -D" + org.grokcap.tornado.TornadoBackend.DEVICE_PROPERTY + "=B:D";
    }
}
