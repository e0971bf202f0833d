package org.grokcap;

import org.grokcap.util.BadInputException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.grokcap.backend.ReferenceDevice;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.io.Json;
import org.grokcap.run.Provenance;
import org.grokcap.model.ModelConfig;
import org.grokcap.run.Checkpoint;
import org.grokcap.train.Trainer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fuzzed configs and checkpoint headers: whatever the bytes, reading them ends in success or in a
 * {@link BadInputException} (one clear line for the user), never in another exception.
 */
class HostileInputPropertiesTest {
    private static final String VALID_CONFIG = """
            {"name":"fuzz","task":{"type":"modular","p":7,"operation":"x+y","format":"a b =","trainFraction":0.5},
             "model":{"layers":1,"dModel":16,"heads":2,"dMlp":32,"activation":"relu","layerNorm":false,
                      "attentionBias":false,"mlpBias":true,"unembedBias":false,"attentionScale":null,"init":"nanda"},
             "train":{"seed":1,"steps":20,"batchSize":4,"evalBatchSize":null,"evalEvery":1,"lossFloat64":true,
                      "optimizer":{"lr":0.001,"beta1":0.9,"beta2":0.98,"eps":1e-8,"weightDecay":1.0,
                                   "noDecay":["*.bias"],"warmupSteps":0,"gradClip":0}}}""";

    /** Values a hostile or careless file might hold anywhere. */
    private static final List<JsonNode> VALUES = values();

    private static List<JsonNode> values() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        List<JsonNode> v = new ArrayList<>(List.of(f.numberNode(0), f.numberNode(-1), f.numberNode(1),
                f.numberNode(Integer.MAX_VALUE), f.numberNode(Integer.MIN_VALUE), f.numberNode(Long.MAX_VALUE),
                f.numberNode(1e308), f.numberNode(-1e308), f.numberNode(1e-320), f.numberNode(-0.0), f.numberNode(0.5),
                f.numberNode(4096), f.numberNode(65536), f.numberNode(1 << 24), f.numberNode(new java.math.BigInteger("123456789012345678901234567890")),
                f.textNode("NaN"), f.textNode("Infinity"), f.textNode("-Infinity"), f.textNode(""), f.textNode("x/y"),
                f.textNode("gelu"), f.textNode("\u0000\n"), f.booleanNode(true), f.booleanNode(false), f.nullNode(),
                f.arrayNode(), f.objectNode()));
        v.add(f.arrayNode().add(1).add("a"));
        v.add(f.objectNode().put("type", "modular").put("p", 3));
        return v;
    }

    @Property(tries = 400)
    void fuzzedConfigsFailOnlyAsBadInput(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int mutations) throws Exception {
        Random rnd = new Random(seed);
        JsonNode root = Json.mapper().readTree(VALID_CONFIG);
        for (int i = 0; i < mutations; i++) {
            mutate(root, rnd);
        }
        String text = Json.mapper().writeValueAsString(root);
        if (rnd.nextInt(8) == 0) {
            text = text.substring(0, rnd.nextInt(text.length() + 1)); // truncated file
        }
        try {
            ExperimentSpec spec = ConfigLoader.parse(text, rnd.nextBoolean(), "fuzz.json"); // YAML reads JSON too
            int p = spec.task() instanceof org.grokcap.data.modular.ModularTaskSpec m ? m.p() : 0;
            if (p <= 64) { // larger tasks take long to generate; their sizes are checked the same way
                TokenizedDataset data = spec.task().generate(spec.train().seed());
                ModelConfig model = spec.model().withData(data.vocabSize(), data.outputVocabSize(), data.contextLength());
                Grokcap.requireFits(spec.withModel(model));
            }
        } catch (BadInputException expected) {
            // the one allowed failure
        } catch (Throwable t) {
            fail("config " + text + " ended in " + t, t);
        }
    }

    /** One random change somewhere in the tree: a new value, a removed field or an unknown field. */
    private static void mutate(JsonNode root, Random rnd) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode target = containers.get(rnd.nextInt(containers.size()));
        JsonNode value = VALUES.get(rnd.nextInt(VALUES.size())).deepCopy();
        if (target instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            int what = rnd.nextInt(10);
            if (names.isEmpty() || what == 0) {
                o.set("unknown" + rnd.nextInt(3), value);
            } else if (what == 1) {
                o.remove(names.get(rnd.nextInt(names.size())));
            } else {
                o.set(names.get(rnd.nextInt(names.size())), value);
            }
        } else if (target instanceof ArrayNode a) {
            if (a.isEmpty() || rnd.nextBoolean()) {
                a.add(value);
            } else {
                a.set(rnd.nextInt(a.size()), value);
            }
        }
    }

    private static void collect(JsonNode node, List<JsonNode> containers) {
        if (node.isContainerNode()) {
            containers.add(node);
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                collect(it.next(), containers);
            }
        }
    }

    // ------------------------------------------------------------------------------------ checkpoints

    private static final ExperimentSpec TINY = ConfigLoader.parse(VALID_CONFIG, false, "tiny");
    private static final TokenizedDataset DATA = TINY.task().generate(TINY.train().seed());
    private static final ExperimentSpec RESOLVED = TINY.withModel(
            TINY.model().withData(DATA.vocabSize(), DATA.outputVocabSize(), DATA.contextLength()));
    private static byte[] goodCheckpoint;

    private static synchronized byte[] goodCheckpoint() throws IOException {
        if (goodCheckpoint == null) {
            Path file = Files.createTempFile("grokcap-fuzz", ".safetensors");
            try {
                Trainer trainer = new Trainer(RESOLVED.withTrain(RESOLVED.train().withSteps(3)), DATA, new ReferenceDevice());
                trainer.run((row, total) -> {});
                Provenance provenance = Provenance.capture("reference", "test", DATA.hash(), trainer.model().layout().size());
                Checkpoint.write(file, trainer, Map.of(Checkpoint.CONFIG, Json.mapper().writeValueAsString(RESOLVED),
                        Checkpoint.PROVENANCE, Json.mapper().writeValueAsString(provenance),
                        Checkpoint.METRICS_BYTES, "300", Checkpoint.CHECKPOINT_EVERY, "3"));
                goodCheckpoint = Files.readAllBytes(file);
            } finally {
                Files.deleteIfExists(file);
            }
        }
        return goodCheckpoint;
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    @Property(tries = 300)
    void fuzzedCheckpointHeadersFailOnlyAsBadInput(@ForAll("seeds") long seed, @ForAll @IntRange(min = 1, max = 3) int mutations)
            throws Exception {
        Random rnd = new Random(seed);
        byte[] good = goodCheckpoint();
        int headerLength = (int) ByteBuffer.wrap(good, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = Json.mapper().readTree(new String(good, 8, headerLength, StandardCharsets.UTF_8));
        for (int i = 0; i < mutations; i++) {
            mutate(header, rnd);
        }
        byte[] json = Json.mapper().writeValueAsBytes(header);
        byte[] data = Arrays.copyOfRange(good, 8 + headerLength, good.length);
        ByteBuffer file = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(json.length).put(json).put(data);
        byte[] bytes = file.array();
        switch (rnd.nextInt(6)) {
            case 0 -> bytes = Arrays.copyOf(bytes, rnd.nextInt(bytes.length)); // truncated
            case 1 -> bytes[rnd.nextInt(bytes.length)] ^= (byte) (1 << rnd.nextInt(8)); // one flipped bit
            default -> { }
        }
        Path path = Files.createTempFile("grokcap-fuzz", ".safetensors");
        try {
            Files.write(path, bytes);
            // The two ways a resume reads a checkpoint: its metadata, then its tensors into a trainer.
            expectOnlyBadInput(header, () -> Checkpoint.readInfo(path));
            expectOnlyBadInput(header, () -> Checkpoint.restore(path, new Trainer(RESOLVED, DATA, new ReferenceDevice())));
        } finally {
            Files.deleteIfExists(path);
        }
    }

    private static void expectOnlyBadInput(JsonNode header, Runnable read) {
        try {
            read.run();
        } catch (BadInputException expected) {
            // the one allowed failure
        } catch (Throwable t) {
            fail("checkpoint header " + header + " ended in " + t, t);
        }
    }
}
