package dev.streamclassify.model.artifact;

import dev.streamclassify.model.artifact.ArtifactException.Reason;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.head.Heads;
import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.testing.TestModels;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every way a model version can fail to fit the serving backbone, each with its reason code. */
class ModelValidatorTest {

    private static final List<String> LABELS = List.of("a", "b", "c", "d", "e");

    private static Backbone backbone;
    private static Backbone otherBackbone;

    @BeforeAll
    static void loadBackbones() {
        backbone = TestModels.tinyBackbone(1);
        otherBackbone = TestModels.tinyBackbone(2);
    }

    @AfterAll
    static void closeBackbones() {
        backbone.close();
        otherBackbone.close();
    }

    @AfterEach
    void refusalLeavesTheBackboneServing() {
        assertThat(backbone.features(Nd4j.rand(2, 1, 28, 28)).shape()).containsExactly(2, backbone.info().featureSize());
    }

    @Test
    void loadsAVersionMadeForThisBackbone() throws Exception {
        ModelVersion v = TestModels.version(backbone, "m", 1, LABELS, 7);

        ModelValidator.checkFits(v, backbone.info());
        try (Classifier c = Classifier.load(v, backbone)) {
            assertThat(c.version()).isEqualTo(v);
        }
    }

    @Test
    void refusesAVersionTrainedOnAnotherBackbone() {
        ModelVersion v = TestModels.version(otherBackbone, "m", 1, LABELS, 7);
        assertThat(otherBackbone.info().featureSize()).as("same architecture").isEqualTo(backbone.info().featureSize());

        ArtifactException e = assertRefused(v, Reason.FOREIGN_BACKBONE);

        assertThat(e).hasMessageContaining(otherBackbone.info().fingerprint()).hasMessageContaining(backbone.info().fingerprint());
    }

    @Test
    void refusesAVersionCutAtAnotherLayer() {
        ModelVersion v = TestModels.version(backbone, "m", 1, LABELS, 7);
        BackboneRef ref = v.backbone();
        ModelVersion cutElsewhere = withBackbone(v, new BackboneRef(ref.name(), ref.fingerprint(), "pool1", ref.featureSize()));

        assertThat(assertRefused(cutElsewhere, Reason.FOREIGN_BACKBONE)).hasMessageContaining("pool1");
    }

    @Test
    void refusesAVersionForAnotherInputSpec() {
        ModelVersion v = TestModels.version(backbone, "m", 1, LABELS, 7);
        ModelVersion otherInput = new ModelVersion(v.name(), v.version(), v.labels(), PreprocessingSpec.unitScaled(32, 32, 1),
                v.backbone(), v.head(), v.metrics(), v.createdAt(), v.headWeights(), v.fineTunedLayers());

        assertRefused(otherInput, Reason.INPUT_MISMATCH);
    }

    @Test
    void refusesAVersionExpectingAnotherFeatureSize() {
        ModelVersion v = TestModels.version(backbone, "m", 1, LABELS, 7);
        BackboneRef ref = v.backbone();

        assertRefused(withBackbone(v, new BackboneRef(ref.name(), ref.fingerprint(), ref.cutLayer(), ref.featureSize() + 1)),
                Reason.SHAPE_MISMATCH);
    }

    @Test
    void refusesMoreLabelsThanHeadOutputs() {
        byte[] threeOutputs = head(backbone.info().featureSize(), 3);
        ModelVersion v = TestModels.version(backbone, "m", 1, LABELS, threeOutputs);

        ArtifactException e = assertRefused(v, Reason.SHAPE_MISMATCH);

        assertThat(e).hasMessageContaining("5 labels").hasMessageContaining("parameters");
    }

    @Test
    void refusesAHeadWhoseInputIsNotTheFeatureSize() {
        int features = backbone.info().featureSize();
        ModelVersion v = TestModels.version(backbone, "m", 1, LABELS, head(features + 3, LABELS.size()));

        ArtifactException e = assertRefused(v, Reason.SHAPE_MISMATCH);

        assertThat(e).hasMessageContaining(features + " features").hasMessageContaining("parameters");
    }

    @Test
    void refusesNaNWeights() {
        assertRefused(TestModels.version(backbone, "m", 1, LABELS, headFilledWith(Double.NaN)), Reason.NON_FINITE_WEIGHTS);
    }

    @Test
    void refusesInfiniteWeights() {
        assertRefused(TestModels.version(backbone, "m", 1, LABELS, headFilledWith(Double.NEGATIVE_INFINITY)), Reason.NON_FINITE_WEIGHTS);
    }

    @Test
    void refusesUnreadableHeadBytes() {
        byte[] garbage = "definitely not a DL4J model".getBytes(StandardCharsets.US_ASCII);

        assertRefused(TestModels.version(backbone, "m", 1, LABELS, garbage), Reason.CORRUPT);
    }

    @Test
    void refusesAHeadConfigurationTooLargeToCount() {
        ModelVersion v = TestModels.version(backbone, "m", 1, LABELS, HeadConfig.DEFAULT.withHiddenLayers(
                List.of(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE)), head(backbone.info().featureSize(), LABELS.size()));

        assertRefused(v, Reason.SHAPE_MISMATCH);
    }

    @Test
    void refusesHeadParametersForAnotherHiddenLayerSizeBeforeBuildingIt() {
        ModelVersion v = TestModels.version(backbone, "m", 1, LABELS, HeadConfig.DEFAULT.withHiddenLayers(List.of(1_000_000)),
                head(backbone.info().featureSize(), LABELS.size()));

        assertThat(assertRefused(v, Reason.SHAPE_MISMATCH)).hasMessageContaining("parameters");
    }

    @Test
    void refusesATruncatedHead() {
        byte[] head = head(backbone.info().featureSize(), LABELS.size());

        assertRefused(TestModels.version(backbone, "m", 1, LABELS, Arrays.copyOf(head, head.length - 4)), Reason.SHAPE_MISMATCH);
        assertRefused(TestModels.version(backbone, "m", 1, LABELS, Arrays.copyOf(head, head.length - 1)), Reason.CORRUPT);
    }

    private static ArtifactException assertRefused(ModelVersion v, Reason reason) {
        ArtifactException e = catchThrowableOfType(ArtifactException.class, () -> Classifier.load(v, backbone).close());
        assertThat(e).as("loading %s should have been refused", v).isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
        assertThat(e).hasMessageContaining(v.id());
        return e;
    }

    private static byte[] head(int nIn, int nOut) {
        MultiLayerNetwork net = Heads.build(HeadConfig.DEFAULT, nIn, nOut, 1);
        try {
            return RawParams.of(net.params());
        } finally {
            net.close();
        }
    }

    private static byte[] headFilledWith(double value) {
        MultiLayerNetwork net = Heads.build(HeadConfig.DEFAULT, backbone.info().featureSize(), LABELS.size(), 1);
        try {
            net.params().assign(value);
            return RawParams.of(net.params());
        } finally {
            net.close();
        }
    }

    private static ModelVersion withBackbone(ModelVersion v, BackboneRef ref) {
        return new ModelVersion(v.name(), v.version(), v.labels(), v.preprocessing(), ref, v.head(), v.metrics(),
                v.createdAt(), v.headWeights(), Map.of());
    }
}
