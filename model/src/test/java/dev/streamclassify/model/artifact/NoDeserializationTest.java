package dev.streamclassify.model.artifact;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.head.Heads;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.format.Hashing;
import dev.streamclassify.model.testing.TestModels;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A model version is data we parse ourselves: a serialized Java object planted anywhere in it, with every checksum
 * right, is refused and never deserialized. The planted object is a real trap: DL4J's ModelSerializer does run it.
 */
class NoDeserializationTest {

    private static final List<String> LABELS = List.of("a", "b", "c");

    /** Counts every deserialization; a gadget class would run its payload at the same point. */
    static final class Tripwire implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
        static final AtomicInteger READS = new AtomicInteger();

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            READS.incrementAndGet();
        }
    }

    private static Backbone backbone;
    private static ModelVersion plain;
    private final ModelVersionCodec codec = new ModelVersionCodec();

    @BeforeAll
    static void makeVersion() {
        backbone = TestModels.tinyBackbone(1);
        plain = TestModels.version(backbone, "m", 1, LABELS, 3);
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    @BeforeEach
    void resetTripwire() {
        Tripwire.READS.set(0);
    }

    @Test
    void plantedModelSerializerFileIsAnActualDeserializationTrap() throws Exception {
        byte[] trap = dl4jHeadFileWithPlantedObject();

        try {
            ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(trap), false).close();
        } catch (Exception | LinkageError expectedOrNot) {
            // DL4J may fail after reading the object: what matters is that it read it
        }

        assertThat(Tripwire.READS).as("DL4J deserializes preprocessor.bin").hasValue(1);
    }

    @Test
    void headWeightsThatAreADl4jFileWithAPlantedObjectAreRefusedWithoutDeserializing() {
        byte[] archive = plantAsEntry(codec.encode(plain), ModelVersionCodec.HEAD, dl4jHeadFileWithPlantedObject());

        assertRefusedWithoutDeserializing(archive);
    }

    @Test
    void aPreprocessorBinEntryWithAValidChecksumIsRefusedWithoutDeserializing() {
        byte[] archive = plantAsEntry(codec.encode(plain), "preprocessor.bin", serialized(new Tripwire()));

        ArtifactException e = assertRefusedWithoutDeserializing(archive);

        assertThat(e).hasMessageContaining("preprocessor.bin");
    }

    @Test
    void aFineTunedLayerHoldingASerializedObjectIsRefusedWithoutDeserializing() {
        byte[] archive = plantAsEntry(codec.encode(plain), ModelVersionCodec.LAYER_PREFIX + "conv2" + ModelVersionCodec.LAYER_SUFFIX,
                serialized(new Tripwire()));

        assertRefusedWithoutDeserializing(archive);
    }

    /** Decoding and loading, as the services do; the refusal may come from either step. */
    private ArtifactException assertRefusedWithoutDeserializing(byte[] archive) {
        ArtifactException e = catchThrowableOfType(ArtifactException.class, () -> {
            ModelVersion mv = codec.decode(archive);
            Classifier.load(mv, backbone).close();
        });
        assertThat(e).as("the planted version should have been refused").isNotNull();
        assertThat(Tripwire.READS).as("objects deserialized").hasValue(0);
        return e;
    }

    /** Adds or replaces {@code name} and lists it in the manifest with its correct sha256, as an attacker would. */
    private static byte[] plantAsEntry(byte[] archive, String name, byte[] content) {
        byte[] withContent = Archives.withEntry(archive, name, content);
        return Archives.withManifest(withContent, m -> ((ObjectNode) m.get("entries")).put(name, Hashing.sha256Hex(content)));
    }

    private static byte[] dl4jHeadFileWithPlantedObject() {
        MultiLayerNetwork head = Heads.build(HeadConfig.DEFAULT, backbone.info().featureSize(), LABELS.size(), 1);
        try {
            return Archives.withEntry(ModelBytes.of(head), "preprocessor.bin", serialized(new Tripwire()));
        } finally {
            head.close();
        }
    }

    private static byte[] serialized(Object o) {
        var bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
