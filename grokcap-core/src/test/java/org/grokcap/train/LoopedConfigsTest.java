package org.grokcap.train;

import org.grokcap.backend.cpu.CpuDevice;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.data.reasoning.CompositionTaskSpec;
import org.grokcap.io.Json;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.ParamLayout;
import org.grokcap.model.Transformer;
import org.grokcap.run.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * conf/composition-looped.json and conf/composition-unlooped.json differ only in parameter sharing:
 * the same task (with the mixed OOD splits), training and block; the looped model has the parameters
 * of layers − 1 fewer blocks, and both do the same matrix-product work per training step.
 */
class LoopedConfigsTest {

    /** A record as a JSON tree without the given fields. */
    private static ObjectNode without(Object record, String... fields) {
        ObjectNode tree = Json.mapper().valueToTree(record);
        tree.remove(List.of(fields));
        return tree;
    }

    @Test
    void loopedAndUnloopedDifferOnlyInSharing() {
        ExperimentSpec looped = ConfigLoader.load(Path.of("..", "conf", "composition-looped.json"));
        ExperimentSpec unlooped = ConfigLoader.load(Path.of("..", "conf", "composition-unlooped.json"));
        assertEquals(looped.task(), unlooped.task());
        assertTrue(((CompositionTaskSpec) looped.task()).mixedSplits());
        ModelConfig lm = looped.model();
        ModelConfig um = unlooped.model();
        assertEquals(4, lm.layerRepeats());
        assertEquals(1, um.layerRepeats());
        assertEquals(lm.depth(), um.depth());
        assertEquals(without(lm, "layers", "layerRepeats"), without(um, "layers", "layerRepeats"), "the same block");
        assertEquals(lm.layerRepeats(), looped.train().evalLayerRepeats(), "evaluated as trained");
        assertNull(unlooped.train().evalLayerRepeats());
        assertEquals(0.1, looped.train().labelSmoothing());
        assertEquals(without(looped.train(), "evalLayerRepeats"), without(unlooped.train(), "evalLayerRepeats"),
                "the same training");

        TokenizedDataset data = looped.task().generate(looped.train().seed());
        Split train = data.split(data.trainSplit());
        try (CpuDevice dev = new CpuDevice(2)) {
            Trainer a = new Trainer(looped, data, dev);
            Trainer b = new Trainer(unlooped, data, dev);
            ParamLayout la = a.model().layout();
            ParamLayout lb = b.model().layout();
            long block = la.tensors().stream().filter(t -> t.name().startsWith("layers.0.")).mapToLong(ParamLayout.Tensor::size).sum();
            assertEquals(lb.size() - la.size(), (um.layers() - 1) * block, "3 blocks' parameters fewer");
            long[] flops = new long[2];
            Transformer[] models = {a.model(), b.model()};
            for (int i = 0; i < 2; i++) {
                long before = models[i].matmulFlops();
                models[i].setBatch(train.tokens(), train.targets(), 0, looped.train().batchSize());
                models[i].forward();
                models[i].backward();
                flops[i] = models[i].matmulFlops() - before;
            }
            assertEquals(flops[1], flops[0], "the same matmul work per training step");
        }
    }
}
