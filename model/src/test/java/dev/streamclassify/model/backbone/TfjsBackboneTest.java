package dev.streamclassify.model.backbone;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.format.Json;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** A small TF.js LayersModel written by the test ({@link TfjsFiles}), loaded through {@code tfjs:}. */
class TfjsBackboneTest extends BackboneSourceContract {

    @TempDir
    Path dir;

    private Path modelJson;

    @BeforeEach
    void writeModel() throws IOException {
        modelJson = TfjsFiles.write(dir.resolve("tiny"), null);
    }

    @Override
    protected Backbone load() throws Exception {
        return Backbones.load("tfjs:" + modelJson + "#relu?pool=2x2");
    }

    private Backbone open(String options) throws Exception {
        return track(Backbones.load("tfjs:" + modelJson + options));
    }

    @Test
    void dequantizesUint8WeightsAsMinPlusQTimesScale() throws Exception {
        float[] gamma = open("#bn?pool=none").graph().getLayer("bn").getParam("gamma").toFloatVector();

        float[] expected = new float[TfjsFiles.FILTERS];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (float) (TfjsFiles.GAMMA_MIN + (TfjsFiles.GAMMA_Q[i] & 0xFF) * TfjsFiles.GAMMA_SCALE);
        }
        assertThat(gamma).containsExactly(expected, within(0f));
    }

    @Test
    void cutsBeforeTheLayersThatFollowAndScalesInputToMinusOneOne() throws Exception {
        Backbone b = open("#relu?pool=none");

        assertThat(Backbone.layerNames(b.graph())).contains("conv", "bn", "relu").doesNotContain("gap", "dense");
        assertThat(b.info().preprocessing()).isEqualTo(TfjsBackbones.minusOneToOne(TfjsFiles.SIZE));
        assertThat(b.cutShape()).containsExactly(30, 30, TfjsFiles.FILTERS);
        assertThat(b.channelsLast()).isTrue();
    }

    @Test
    void gridPoolingAveragesEachCellOfTheCut() throws Exception {
        Backbone raw = open("#relu?pool=none&size=36");
        Backbone grid = open("#relu?pool=2x2&size=36");
        Backbone global = open("#relu?pool=global&size=36");
        INDArray input = batch(raw.info().preprocessing(), 2, 9);

        float[] map = raw.features(input).getRow(1).toFloatVector();
        float[] cells = grid.features(input).getRow(1).toFloatVector();
        float[] means = global.features(input).getRow(1).toFloatVector();

        int side = 34;
        int c = TfjsFiles.FILTERS;
        float[] expectedCells = new float[4 * c];
        float[] expectedMeans = new float[c];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                for (int ch = 0; ch < c; ch++) {
                    float v = map[(y * side + x) * c + ch];
                    expectedCells[((y / 17) * 2 + x / 17) * c + ch] += v / (17 * 17);
                    expectedMeans[ch] += v / (side * side);
                }
            }
        }
        assertThat(cells).containsExactly(expectedCells, within(1e-5f));
        assertThat(means).containsExactly(expectedMeans, within(1e-5f));
        assertThat(grid.info().cutLayer()).isEqualTo("relu_avg2x2");
        assertThat(global.info().cutLayer()).isEqualTo("relu_avg_global");
    }

    @Test
    void acceptsCommasBetweenOptionsLikeAmpersands() throws Exception {
        assertThat(open("#relu?pool=2x2,size=36").info().fingerprint()).isEqualTo(open("#relu?pool=2x2&size=36").info().fingerprint());
    }

    @Test
    void fingerprintDependsOnCutSizePoolingAndWeights() throws Exception {
        String base = open("#relu?pool=2x2").info().fingerprint();

        assertThat(open("#relu?pool=global").info().fingerprint()).isNotEqualTo(base);
        assertThat(open("#relu?pool=2x2&size=36").info().fingerprint()).isNotEqualTo(base);
        assertThat(open("#bn?pool=2x2").info().fingerprint()).isNotEqualTo(base);
        assertThat(open("#relu?pool=2x2&weights=random:1").info().fingerprint()).isNotEqualTo(base);
    }

    @Test
    void randomWeightsKeepTheArchitectureAndAreTheSameForTheSameSeed() throws Exception {
        Backbone a = open("#relu?pool=2x2&weights=random:3");
        Backbone b = open("#relu?pool=2x2&weights=random:3");
        Backbone file = open("#relu?pool=2x2");

        assertThat(a.info().featureSize()).isEqualTo(file.info().featureSize());
        assertThat(a.info().fingerprint()).isEqualTo(b.info().fingerprint());
        assertThat(a.graph().params().toFloatVector()).isNotEqualTo(file.graph().params().toFloatVector());
    }

    @Test
    void ignoresUnsupportedLayersTheCutDoesNotNeed() throws Exception {
        Path other = TfjsFiles.write(dir.resolve("with-lambda"), "Lambda");

        try (Backbone b = Backbones.load("tfjs:" + other + "#relu?pool=global")) {
            assertThat(b.info().featureSize()).isEqualTo(TfjsFiles.FILTERS);
        }
    }

    @Test
    void refusesAnUnsupportedLayerOnThePathToTheCut() throws Exception {
        Path other = TfjsFiles.write(dir.resolve("with-lambda"), "Lambda");

        assertThatThrownBy(() -> Backbones.load("tfjs:" + other + "#extra?pool=none"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer extra is a Lambda")
                .hasMessageContaining("does not support");
    }

    @Test
    void refusesAnUnknownCutLayerNamingTheLayers() {
        assertThatThrownBy(() -> Backbones.load("tfjs:" + modelJson + "#nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no layer 'nope'")
                .hasMessageContaining("relu");
    }

    @Test
    void refusesAShardPathOutsideTheModelFolder() throws Exception {
        rewriteManifestPath("../outside.bin");
        Files.write(dir.resolve("outside.bin"), new byte[16]);

        assertThatThrownBy(() -> Backbones.load("tfjs:" + modelJson + "#relu"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("leaves the model's folder");
    }

    @Test
    void refusesShardsShorterThanTheManifest() throws Exception {
        Path shard = modelJson.resolveSibling("group1-shard1of1.bin");
        byte[] bytes = Files.readAllBytes(shard);
        Files.write(shard, Arrays.copyOf(bytes, bytes.length - 3));

        assertThatThrownBy(() -> Backbones.load("tfjs:" + modelJson + "#relu"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("shards end inside weight dense/bias");
    }

    @Test
    void refusesAMissingShardNamingIt() throws Exception {
        Files.delete(modelJson.resolveSibling("group1-shard1of1.bin"));

        assertThatThrownBy(() -> Backbones.load("tfjs:" + modelJson + "#relu"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("group1-shard1of1.bin");
    }

    @Test
    void refusesAFileThatIsNotATfjsModel() throws Exception {
        Path notModel = Files.writeString(dir.resolve("graph.json"), "{\"format\":\"graph-model\",\"modelTopology\":{\"node\":[]}}");

        assertThatThrownBy(() -> Backbones.load("tfjs:" + notModel + "#relu"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a TF.js LayersModel");
    }

    @Test
    void refusesBadLocationOptionsWithTheirName() {
        assertThatThrownBy(() -> Backbones.load("tfjs:" + modelJson + "#relu?pool=2x3")).hasMessageContaining("pool must be");
        assertThatThrownBy(() -> Backbones.load("tfjs:" + modelJson + "#relu?size=7")).hasMessageContaining("size must be");
        assertThatThrownBy(() -> Backbones.load("tfjs:" + modelJson + "#relu?colour=red")).hasMessageContaining("unknown tfjs backbone option 'colour'");
        assertThatThrownBy(() -> Backbones.load("tfjs:" + modelJson + "#relu?pool=7x7")).hasMessageContaining("does not tile");
        assertThatThrownBy(() -> Backbones.load("tfjs:" + modelJson)).hasMessageContaining("needs a cut layer");
    }

    @Test
    void loadsThroughADescriptorNamingAModelJson() throws Exception {
        Path descriptor = modelJson.resolveSibling("backbone.json");
        Json.MAPPER.writeValue(descriptor.toFile(), new BackboneDescriptor("tiny", "model.json", "relu?pool=2x2",
                TfjsBackbones.minusOneToOne(36), Map.of()));

        Backbone direct = open("#relu?pool=2x2&size=36");
        try (Backbone b = Backbones.load("file:" + descriptor)) {
            assertThat(b.info().fingerprint()).isEqualTo(direct.info().fingerprint());
            assertThat(b.info().preprocessing().height()).isEqualTo(36);
        }
    }

    @Test
    void refusesADescriptorWhosePreprocessingIsNotMinusOneOne() throws Exception {
        Path descriptor = modelJson.resolveSibling("backbone.json");
        Json.MAPPER.writeValue(descriptor.toFile(), new BackboneDescriptor("tiny", "model.json", "relu",
                PreprocessingSpec.imageNet(32, 32), Map.of()));

        assertThatThrownBy(() -> Backbones.load("file:" + descriptor)).hasMessageContaining("[-1, 1]");
    }

    private void rewriteManifestPath(String path) throws IOException {
        ObjectNode root = (ObjectNode) Json.MAPPER.readTree(modelJson.toFile());
        ((com.fasterxml.jackson.databind.node.ArrayNode) root.path("weightsManifest").path(0).path("paths")).removeAll().add(path);
        Json.MAPPER.writeValue(modelJson.toFile(), root);
    }
}
