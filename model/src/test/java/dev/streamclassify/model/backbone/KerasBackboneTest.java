package dev.streamclassify.model.backbone;

import dev.streamclassify.model.format.Hashing;
import dev.streamclassify.model.format.Json;
import dev.streamclassify.model.testing.TestModels;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** A Keras 2 HDF5 model, written by the test with the HDF5 library DL4J itself reads it with. */
class KerasBackboneTest extends BackboneSourceContract {

    private static final String CUT = "pool";

    @TempDir
    Path dir;

    private Path h5;
    private Map<String, float[]> written;

    @BeforeEach
    void writeModel() {
        h5 = dir.resolve("small_cnn.h5");
        written = KerasFiles.writeSmallCnn(h5, 17);
    }

    @Override
    protected Backbone load() throws Exception {
        return Backbones.fromKeras(h5, CUT, TestModels.MNIST_SPEC);
    }

    @Test
    void keepsTheKerasLayerNames() throws Exception {
        // Flatten becomes an input preprocessor of the dense layer, not a layer of its own
        assertThat(Backbone.layerNames(open().graph())).containsSubsequence("conv", "pool", "dense");
    }

    @Test
    void cutsAfterPoolingWithChannelsFirstFeatures() throws Exception {
        assertThat(open().info().featureSize()).isEqualTo(KerasFiles.POOL_FEATURES);
    }

    @Test
    void importsTheWeightsOfTheFile() throws Exception {
        Backbone backbone = open();

        assertThat(backbone.graph().getLayer("conv").getParam("b").toFloatVector())
                .containsExactly(written.get("conv/bias"), within(0f));
        assertThat(backbone.graph().getLayer("dense").getParam("b").toFloatVector())
                .containsExactly(written.get("dense/bias"), within(0f));
    }

    @Test
    void fingerprintIsTheSha256OfTheFile() throws Exception {
        assertThat(open().info().fingerprint()).isEqualTo(Hashing.fingerprint(h5));
        assertThat(open().info().name()).isEqualTo("small_cnn.h5");
    }

    @Test
    void loadsThroughADescriptorNamingAnH5File() throws Exception {
        Path descriptor = dir.resolve("backbone.json");
        Json.MAPPER.writeValue(descriptor.toFile(),
                new BackboneDescriptor("keras-small", "small_cnn.h5", CUT, TestModels.MNIST_SPEC, Map.of()));

        try (Backbone b = Backbones.load("file:" + descriptor)) {
            assertThat(b.info().fingerprint()).isEqualTo(Hashing.fingerprint(h5));
            assertThat(b.info().featureSize()).isEqualTo(KerasFiles.POOL_FEATURES);
        }
    }

    @Test
    void refusesTheImageNetDefaultOfAKerasLocationForThisSmallInput() {
        assertThatThrownBy(() -> Backbones.load("keras:" + h5 + "#" + CUT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not accept input 3x224x224");
    }

    @Test
    void refusesAMissingFile() {
        assertThatThrownBy(() -> Backbones.fromKeras(dir.resolve("missing.h5"), CUT, TestModels.MNIST_SPEC))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("missing.h5");
    }

    @Test
    void refusesAFileThatIsNotKeras() throws Exception {
        Path notKeras = Files.writeString(dir.resolve("not.h5"), "plain text");

        assertThatThrownBy(() -> Backbones.fromKeras(notKeras, CUT, TestModels.MNIST_SPEC))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(notKeras.toString());
    }
}
