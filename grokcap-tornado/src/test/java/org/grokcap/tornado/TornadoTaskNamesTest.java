package org.grokcap.tornado;

import org.grokcap.backend.Buf;
import org.grokcap.backend.ReferenceDevice;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Task names read as operation and layer, from the tensors' names the model gives (no TornadoVM needed). */
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
}
