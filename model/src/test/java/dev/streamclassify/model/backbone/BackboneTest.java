package dev.streamclassify.model.backbone;

import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.testing.TestModels;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackboneTest {

    private static final String FINGERPRINT = "sha256:" + "0".repeat(64);

    private ComputationGraph graph;

    @BeforeEach
    void buildGraph() {
        graph = ConvNets.build(new ConvNets.Arch(28, 28, 1, 4, 8, 16, 0, false), 5, 1e-3, 1);
    }

    @AfterEach
    void closeGraph() {
        graph.close();
    }

    @Test
    void listsLayersInTopologicalOrder() {
        assertThat(Backbone.layerNames(graph)).containsExactly("input", "conv1", "pool1", "conv2", "pool2", "dense", "output");
    }

    @Test
    void refusesAnUnknownCutLayerNamingTheAvailableOnes() {
        assertThatThrownBy(() -> Backbone.of(graph, "tiny", FINGERPRINT, "fc7", TestModels.MNIST_SPEC))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'fc7'")
                .hasMessageContaining("[input, conv1, pool1, conv2, pool2, dense, output]");
    }

    @Test
    void refusesAnInputTheNetworkCannotTake() {
        assertThatThrownBy(() -> Backbone.of(graph, "tiny", FINGERPRINT, "pool2", PreprocessingSpec.unitScaled(28, 28, 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not accept input 3x28x28");
    }

    @Test
    void measuresTheFeatureSizeAtTheCut() {
        // 28 -conv5-> 24 -pool-> 12 -conv5-> 8 -pool-> 4; 8 channels
        assertThat(Backbone.of(graph, "tiny", FINGERPRINT, "pool2", TestModels.MNIST_SPEC).info().featureSize()).isEqualTo(8 * 4 * 4);
        assertThat(Backbone.of(graph, "tiny", FINGERPRINT, "dense", TestModels.MNIST_SPEC).info().featureSize()).isEqualTo(16);
    }

    @Test
    void refusesAFingerprintThatIsNotSha256() {
        assertThatThrownBy(() -> Backbone.of(graph, "tiny", "md5:abc", "pool2", TestModels.MNIST_SPEC))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sha256");
    }

    @Test
    void refusesUnknownLocations() {
        assertThatThrownBy(() -> Backbones.load("ftp:somewhere")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ftp");
        assertThatThrownBy(() -> Backbones.load("no-kind-at-all")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Backbones.load("keras:/tmp/model.h5")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cut layer");
    }

    @Test
    void refusesBytesThatAreNotADl4jModel() {
        byte[] emptyZip = {'P', 'K', 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

        assertThatThrownBy(() -> Backbones.fromBytes("x", emptyZip, "pool2", TestModels.MNIST_SPEC))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a DL4J model file");
    }
}
