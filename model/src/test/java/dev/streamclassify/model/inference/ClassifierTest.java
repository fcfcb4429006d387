package dev.streamclassify.model.inference;

import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.RawParams;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.head.Heads;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.image.RawImage;
import dev.streamclassify.model.testing.TestModels;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

class ClassifierTest {

    private static final List<String> LABELS = List.of("T-shirt", "Trouser", "Pullover", "Dress", "Coat");

    private static Backbone backbone;
    private static ModelVersion version;

    @BeforeAll
    static void loadBackbone() {
        backbone = TestModels.tinyBackbone(1);
        version = TestModels.version(backbone, "default", 1, LABELS, 5);
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    @Test
    void classifiesEveryImageOfABatch() throws Exception {
        try (Classifier classifier = Classifier.load(version, backbone)) {
            List<Prediction> predictions = classifier.classify(randomBatch(4, 1), 3);

            assertThat(predictions).hasSize(4);
            for (Prediction p : predictions) {
                assertThat(p.label()).isIn(LABELS);
                assertThat(p.topK()).hasSize(3);
                assertThat(p.topK()).extracting(ScoredLabel::score).isSortedAccordingTo((a, b) -> Double.compare(b, a));
                assertThat(p.topK()).extracting(ScoredLabel::label).doesNotHaveDuplicates().allMatch(LABELS::contains);
                assertThat(p.topK().get(0).label()).isEqualTo(p.label());
                assertThat(p.topK().get(0).score()).isEqualTo(p.confidence());
                assertThat(p.confidence()).isBetween(1.0 / LABELS.size(), 1.0);
            }
        }
    }

    @Test
    void everyHeadOnOneBackbonePassMatchesItsOwnForwardPass() throws Exception {
        ModelVersion other = TestModels.version(backbone, "default", 2, LABELS, 77);
        try (Classifier first = Classifier.load(version, backbone); Classifier second = Classifier.load(other, backbone)) {
            INDArray batch = randomBatch(6, 9);

            List<float[][]> both = Classifier.probabilitiesOfEach(List.of(first, second), batch);

            assertThat(both.get(0)).isDeepEqualTo(first.probabilities(batch));
            assertThat(both.get(1)).isDeepEqualTo(second.probabilities(batch));
            assertThat(java.util.Arrays.deepEquals(both.get(0), both.get(1))).isFalse();
        }
    }

    @Test
    void servesTheHeadByItsPlainArithmeticPassWithDl4jsProbabilities() throws Exception {
        try (Classifier classifier = Classifier.load(version, backbone)) {
            INDArray batch = randomBatch(8, 21);
            float[][] served = classifier.probabilities(batch);
            float[][] reference;
            try (INDArray features = backbone.layerFeatures(batch)) {
                reference = classifier.dl4jHeadProbabilities(features);
            }

            assertThat(classifier.headPass()).isEqualTo("java");
            for (int i = 0; i < served.length; i++) {
                assertThat(served[i]).containsExactly(reference[i], within(1e-6f));
            }
        }
    }

    @Test
    void probabilitiesOfEachImageSumToOne() throws Exception {
        try (Classifier classifier = Classifier.load(version, backbone)) {
            float[][] probs = classifier.probabilities(randomBatch(5, 2));

            assertThat(probs).hasNumberOfRows(5);
            for (float[] row : probs) {
                assertThat(row).hasSize(LABELS.size());
                double sum = 0;
                for (float p : row) {
                    assertThat(p).isBetween(0f, 1f);
                    sum += p;
                }
                assertThat(sum).isCloseTo(1.0, within(1e-5));
            }
        }
    }

    @Test
    void topKIsCappedAtTheNumberOfLabelsAndAtLeastOne() throws Exception {
        try (Classifier classifier = Classifier.load(version, backbone)) {
            INDArray batch = randomBatch(1, 3);

            assertThat(classifier.classify(batch, 50).get(0).topK()).hasSize(LABELS.size());
            assertThat(classifier.classify(batch, 0).get(0).topK()).hasSize(1);
        }
    }

    @Test
    void classifiesTheSameImageTheSameWayAloneOrInABatch() throws Exception {
        try (Classifier classifier = Classifier.load(version, backbone)) {
            INDArray batch = randomBatch(3, 4);

            float[][] together = classifier.probabilities(batch);
            float[][] alone = classifier.probabilities(batch.get(NDArrayIndex.interval(1, 2)).dup());

            assertThat(alone[0]).containsExactly(together[1], within(1e-6f));
        }
    }

    @Test
    void classifiesEncodedImagesThroughThePreprocessor() throws Exception {
        var pre = new Preprocessor(version.preprocessing());
        List<float[]> images = new ArrayList<>();
        for (String format : List.of("png", "jpeg", "bmp", "gif")) {
            images.add(pre.fromEncoded(ImageEncoder.encode(gradient(37, 13), format)));
        }

        try (Classifier classifier = Classifier.load(version, backbone)) {
            List<Prediction> predictions = classifier.classify(Batch.of(version.preprocessing(), images), 2);

            assertThat(predictions).hasSize(4).allSatisfy(p -> assertThat(p.label()).isIn(LABELS));
        }
    }

    @Test
    void warmsUpWithoutChangingResults() throws Exception {
        try (Classifier classifier = Classifier.load(version, backbone)) {
            INDArray batch = randomBatch(2, 5);
            float[][] before = classifier.probabilities(batch);

            classifier.warmUp(8);

            assertThat(classifier.probabilities(batch)[1]).containsExactly(before[1], within(0f));
        }
    }

    @Test
    void refusesAtWarmUpAVersionWhoseFiniteWeightsOverflowOnRealInput() throws Exception {
        try (Classifier classifier = Classifier.load(overflowing(), backbone)) {
            ArtifactException e = catchThrowableOfType(ArtifactException.class, () -> classifier.warmUp(4));

            assertThat(e).as("warm-up should refuse the version").isNotNull();
            assertThat(e.reason()).isEqualTo(ArtifactException.Reason.UNSTABLE_OUTPUT);
        }
    }

    @Test
    void neverAnswersWithANaNConfidence() throws Exception {
        try (Classifier classifier = Classifier.load(overflowing(), backbone)) {
            INDArray batch = randomBatch(3, 11);
            assertThat(classifier.probabilities(batch)[0]).as("the raw output is NaN").contains(Float.NaN);

            assertThatThrownBy(() -> classifier.classify(batch, 2)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not a probability");
        }
    }

    /**
     * Finite weights (they pass validation) so large that a non-blank input overflows the hidden layer to infinity,
     * which the output layer's mixed signs turn into NaN (softmax alone is robust to large logits).
     */
    private static ModelVersion overflowing() {
        HeadConfig config = HeadConfig.DEFAULT.withHiddenLayers(List.of(16));
        MultiLayerNetwork head = Heads.build(config, backbone.info().featureSize(), LABELS.size(), 1);
        try {
            INDArray params = head.params();
            params.assign(Nd4j.rand(new Random(5).nextLong(), params.shape()).subi(0.5).muli(1e38));
            return TestModels.version(backbone, "m", 5, LABELS, config, RawParams.of(head.params()));
        } finally {
            head.close();
        }
    }

    @Test
    void closingTwiceIsHarmless() throws Exception {
        Classifier classifier = Classifier.load(version, backbone);

        classifier.close();
        classifier.close();
    }

    @Test
    void refusesWorkAfterCloseNamingTheVersion() throws Exception {
        Classifier classifier = Classifier.load(version, backbone);
        classifier.close();

        assertThatThrownBy(() -> classifier.classify(randomBatch(1, 6), 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(version.id())
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> classifier.warmUp(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closingLeavesTheSharedBackboneToItsOwner() throws Exception {
        Classifier first = Classifier.load(version, backbone);
        first.close();

        assertThat(backbone.features(randomBatch(1, 7)).length()).isEqualTo(backbone.info().featureSize());
        try (Classifier second = Classifier.load(version.withVersion(2), backbone)) {
            assertThat(second.classify(randomBatch(2, 8), 1)).hasSize(2);
        }
    }

    static INDArray randomBatch(int n, long seed) {
        var spec = TestModels.MNIST_SPEC;
        Random random = new Random(seed);
        List<float[]> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] img = new float[spec.valuesPerImage()];
            for (int j = 0; j < img.length; j++) {
                img[j] = random.nextFloat();
            }
            images.add(img);
        }
        return Batch.of(spec, images);
    }

    private static RawImage gradient(int w, int h) {
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            px[3 * i] = (byte) (i % w * 255 / w);
            px[3 * i + 1] = (byte) (i / w * 255 / h);
            px[3 * i + 2] = (byte) 128;
        }
        return new RawImage(w, h, 3, px);
    }
}
