package org.grokcap.bench;

import org.grokcap.backend.Device;
import org.grokcap.backend.ReferenceDevice;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MatmulBenchmarkTest {

    @Test
    void aDeviceRunsEachProductAsTheLinearLayerItCameFrom() {
        // one linear layer of 7 rows, 5 inputs, 3 outputs, as shapesOf records its three products
        List<MatmulBenchmark.Product> products = List.of(
                new MatmulBenchmark.Product("m", "forward", 7, 3, 5, false, true),
                new MatmulBenchmark.Product("m", "input grad", 7, 5, 3, false, false),
                new MatmulBenchmark.Product("m", "weight grad", 3, 5, 7, true, false));
        List<String> calls = new ArrayList<>();
        ReferenceDevice ref = new ReferenceDevice();
        Device device = (Device) Proxy.newProxyInstance(Device.class.getClassLoader(), new Class<?>[]{Device.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("linearForward")) {
                        calls.add("forward " + args[4] + "," + args[5] + "," + args[6]);
                    } else if (method.getName().equals("linearBackward")) {
                        calls.add((args[0] == null ? "weight " : "input+weight ") + args[6] + "," + args[7] + "," + args[8]);
                    }
                    try {
                        return method.invoke(ref, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        MatmulBenchmark.DeviceResult r = MatmulBenchmark.runOnDevice(products, device, 1);
        assertEquals(new TreeSet<>(List.of("forward 7,5,3", "input+weight 7,5,3", "weight 7,5,3")), new TreeSet<>(calls));
        assertEquals(3, r.gflops().length);
        for (double g : r.gflops()) {
            assertTrue(g > 0 && Double.isFinite(g), "GFLOP/s " + g);
        }
    }
}
