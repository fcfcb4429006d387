package dev.streamclassify.model.inference;

import dev.streamclassify.model.artifact.ArtifactException.Reason;
import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.RawParams;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.testing.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.streamclassify.model.inference.ClassifierTest.randomBatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

/** Versions that carry replaced backbone layers: their own backbone copy, never touching the shared one. */
class FineTunedClassifierTest {

    private static final List<String> LABELS = List.of("a", "b", "c");

    private static Backbone base;
    private static Backbone other;
    private static ModelVersion plain;

    @BeforeAll
    static void loadBackbones() {
        base = TestModels.tinyBackbone(1);
        other = TestModels.tinyBackbone(2);
        plain = TestModels.version(base, "m", 1, LABELS, 9);
    }

    @AfterAll
    static void closeBackbones() {
        base.close();
        other.close();
    }

    @Test
    void usesItsOwnLayersAndLeavesTheSharedBackboneAlone() throws Exception {
        INDArray batch = randomBatch(3, 1);
        INDArray baseFeatures = base.features(batch).dup();
        ModelVersion tuned = withLayers(plain, Map.of("conv2", paramsOf(other, "conv2")));

        try (Classifier plainClassifier = Classifier.load(plain, base)) {
            float[][] plainProbs = plainClassifier.probabilities(batch);
            try (Classifier tunedClassifier = Classifier.load(tuned, base)) {
                float[][] tunedProbs = tunedClassifier.probabilities(batch);

                assertThat(tunedProbs[0]).isNotEqualTo(plainProbs[0]);
                assertThat(base.features(batch)).isEqualTo(baseFeatures);
            }
            assertThat(plainClassifier.probabilities(batch)[2]).containsExactly(plainProbs[2], within(0f));
        }
        assertThat(base.features(batch)).isEqualTo(baseFeatures);
    }

    @Test
    void replacingEveryLayerBelowTheCutReproducesTheOtherBackbone() throws Exception {
        INDArray batch = randomBatch(2, 2);
        ModelVersion onOther = TestModels.version(other, "m", 1, LABELS, plain.headWeights());
        Map<String, byte[]> layers = new LinkedHashMap<>();
        layers.put("conv1", paramsOf(other, "conv1"));
        layers.put("conv2", paramsOf(other, "conv2"));

        try (Classifier expected = Classifier.load(onOther, other);
             Classifier transplanted = Classifier.load(withLayers(plain, layers), base)) {
            float[][] want = expected.probabilities(batch);
            float[][] got = transplanted.probabilities(batch);

            for (int i = 0; i < want.length; i++) {
                assertThat(got[i]).containsExactly(want[i], within(1e-6f));
            }
        }
    }

    @Test
    void replacingALayerWithItsOwnParametersChangesNothing() throws Exception {
        INDArray batch = randomBatch(2, 3);

        try (Classifier plainClassifier = Classifier.load(plain, base);
             Classifier same = Classifier.load(withLayers(plain, Map.of("conv2", paramsOf(base, "conv2"))), base)) {
            assertThat(same.probabilities(batch)[1]).containsExactly(plainClassifier.probabilities(batch)[1], within(1e-6f));
        }
    }

    @Test
    void closingTwiceIsHarmlessAndTheBaseStillWorks() throws Exception {
        Classifier tuned = Classifier.load(withLayers(plain, Map.of("conv2", paramsOf(other, "conv2"))), base);
        tuned.warmUp(2);

        tuned.close();
        tuned.close();

        try (Classifier plainClassifier = Classifier.load(plain, base)) {
            assertThat(plainClassifier.classify(randomBatch(2, 4), 2)).hasSize(2);
        }
    }

    @Test
    void refusesALayerTheBackboneDoesNotHave() throws Exception {
        assertRefused(withLayers(plain, Map.of("conv9", paramsOf(other, "conv2"))), Reason.SHAPE_MISMATCH, "conv9");
    }

    @Test
    void refusesALayerWithoutParameters() throws Exception {
        assertRefused(withLayers(plain, Map.of("pool1", RawParams.of(Nd4j.create(DataType.FLOAT, 0)))),
                Reason.SHAPE_MISMATCH, "pool1");
        assertRefused(withLayers(plain, Map.of("input", paramsOf(other, "conv2"))), Reason.SHAPE_MISMATCH, "input");
    }

    @Test
    void refusesParametersOfTheWrongSize() throws Exception {
        assertRefused(withLayers(plain, Map.of("conv2", paramsOf(other, "conv1"))), Reason.SHAPE_MISMATCH, "conv2");
    }

    @Test
    void refusesNonFiniteLayerParameters() throws Exception {
        INDArray params = other.graph().getLayer("conv2").params().dup();
        params.putScalar(0, 3, Double.POSITIVE_INFINITY);

        assertRefused(withLayers(plain, Map.of("conv2", RawParams.of(params))), Reason.NON_FINITE_WEIGHTS, "conv2");
    }

    @Test
    void refusesUnreadableLayerParameters() {
        assertRefused(withLayers(plain, Map.of("conv2", new byte[]{1, 2, 3, 4, 5})), Reason.CORRUPT, "conv2");
    }

    private static void assertRefused(ModelVersion v, Reason reason, String naming) {
        INDArray batch = randomBatch(1, 9);
        INDArray before = base.features(batch).dup();

        ArtifactException e = catchThrowableOfType(ArtifactException.class, () -> Classifier.load(v, base).close());

        assertThat(e).as("loading should have been refused").isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
        assertThat(e).hasMessageContaining(naming);
        assertThat(base.features(batch)).isEqualTo(before);
    }

    private static byte[] paramsOf(Backbone backbone, String layer) throws IOException {
        return RawParams.of(backbone.graph().getLayer(layer).params());
    }

    private static ModelVersion withLayers(ModelVersion v, Map<String, byte[]> layers) {
        return new ModelVersion(v.name(), v.version(), v.labels(), v.preprocessing(), v.backbone(), v.head(), v.metrics(),
                v.createdAt(), v.headWeights(), layers);
    }
}
