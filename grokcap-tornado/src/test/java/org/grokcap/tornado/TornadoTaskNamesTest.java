package org.grokcap.tornado;

import org.grokcap.backend.Buf;
import org.grokcap.backend.ReferenceDevice;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Task names read as operation and layer, from the tensors' names the model gives, and the grids tasks
 * get (no TornadoVM device needed).
 */
class TornadoTaskNamesTest {
    private final Buf root = new ReferenceDevice().floats("params", 4);

    private Buf named(String name) {
        return root.slice(name, 0, 1);
    }

    @Test
    void parametersGiveTheirLayerAndName() {
        assertEquals("layer0.attn.qkv", TornadoDevice.base(named("params:layers.0.attn.qkv.weight")));
        assertEquals("layer11.mlp.proj", TornadoDevice.base(named("layers.11.mlp.proj.weight")));
        assertEquals("unembed", TornadoDevice.base(named("params:unembed.weight")));
        assertEquals("lnf", TornadoDevice.base(named("params:lnf.weight")));
    }

    @Test
    void activationsGetTheModelsReadableNames() {
        assertEquals("layer1.attn.residual", TornadoDevice.label("", named("acts:layers.1.x2")));
        assertEquals("layer1.", TornadoDevice.layer(named("dacts:layers.1.fch")));
        assertEquals("layer1.mlp.fc", TornadoDevice.label("", named("dacts:layers.1.fch")));
        assertEquals("embedding", TornadoDevice.label("", named("acts:encoded")));
        assertEquals("", TornadoDevice.layer(named("acts:logits")));
        assertEquals("in.tokens", TornadoDevice.label("in.", named("tokens")));
    }

    private static void grid(TornadoDevice.Grid g, long[] global, long[] local) {
        uk.ac.manchester.tornado.api.WorkerGrid w = g.worker();
        assertEquals(java.util.Arrays.toString(global),
                java.util.Arrays.toString(java.util.Arrays.copyOf(w.getGlobalWork(), global.length)));
        assertEquals(java.util.Arrays.toString(local),
                java.util.Arrays.toString(java.util.Arrays.copyOf(w.getLocalWork(), local.length)));
    }

    @Test
    void gridsAreTheLoopSizesInWholeWorkGroups() {
        grid(TornadoDevice.Grid.of(2822), new long[] {2822}, new long[] {34});
        grid(TornadoDevice.Grid.of(97), new long[] {97}, new long[] {1});
        grid(TornadoDevice.Grid.of(1024), new long[] {1024}, new long[] {64});
        // the tiled matmul: 16×16 work-items per 32×32 block of C (M=97 rows, N=294 columns), columns first
        grid(TornadoDevice.Grid.gemm(97, 294), new long[] {160, 64}, new long[] {16, 16});
    }
}
