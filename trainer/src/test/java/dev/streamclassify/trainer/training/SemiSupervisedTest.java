package dev.streamclassify.trainer.training;

import dev.streamclassify.trainer.progress.Progress;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.RawImage;
import dev.streamclassify.model.inference.Owned;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.dataset.LabelledImage;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.features.Features;
import dev.streamclassify.trainer.features.Featurizer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Semi-supervised heads on the default backbone, Fashion-MNIST 5-9 (classes it never saw), 5 labels per class. */
class SemiSupervisedTest {

    private static final List<String> TARGET = List.of("Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    private static Backbone backbone;
    private static Features labelled;
    private static INDArray pool;
    private static int[] poolTruth;
    private static Features holdout;

    @BeforeAll
    static void featurize() throws Exception {
        backbone = Backbones.loadDefault();
        Dataset target = FashionMnist.sampleTrain().withClasses(TARGET);
        Dataset five = target.samplePerClass(5, 3);
        Set<String> used = new HashSet<>();
        five.images().forEach(i -> used.add(i.contentHash()));
        List<LabelledImage> unlabelledWithLabels = target.images().stream().filter(i -> !used.contains(i.contentHash())).limit(500).toList();
        List<RawImage> unlabelled = unlabelledWithLabels.stream().map(LabelledImage::image).toList();
        FeatureCache cache = FeatureCache.inMemory(backbone.info().featureSize());
        Featurizer f = new Featurizer(backbone, 128);
        labelled = f.featurize(five, cache, Progress.none());
        pool = f.featurizeUnlabelled(unlabelled, cache, Progress.none()).x();
        poolTruth = unlabelledWithLabels.stream().mapToInt(i -> labelled.labels().indexOf(i.label())).toArray();
        holdout = f.featurize(FashionMnist.sampleTest().withClasses(TARGET), cache, Progress.none());
    }

    @AfterAll
    static void close() {
        backbone.close();
    }

    private static double accuracy(SemiSupervised.Settings s) {
        // a small update budget: this test shows the methods learn; SemiSupervisedRetrainTest shows the gain over labels only
        SemiSupervised.Result r = SemiSupervised.train(labelled, pool, HeadConfig.DEFAULT, new TrainSettings(5, 64, 60, 5), s, Progress.none());
        try (Owned<MultiLayerNetwork> head = Owned.of(r.head())) {
            return HeadTrainer.evaluate(head.net(), holdout).accuracy();
        }
    }

    @Test
    void bothMethodsLearnTheTargetClassesFromFiveLabelsAndThePool() {
        // five classes: chance is 20%
        assertThat(accuracy(SemiSupervised.Settings.SELF_TRAINING)).isGreaterThan(0.6);
        assertThat(accuracy(SemiSupervised.Settings.LABEL_SPREADING)).isGreaterThan(0.6);
    }

    @Test
    void pseudoLabelsAreClassBalancedAndGrowEachRound() {
        SemiSupervised.Result r = SemiSupervised.train(labelled, pool, HeadConfig.DEFAULT, new TrainSettings(5, 64, 50, 5),
                SemiSupervised.Settings.SELF_TRAINING, Progress.none());
        r.head().close();

        // the last round keeps at most 80% of pool / classes per class: 5 x 80 of 500
        assertThat(r.pseudoLabelsPerRound()).hasSize(4).isSorted();
        assertThat(r.pseudoLabelsPerRound().get(3)).isLessThanOrEqualTo(400);
    }

    @Test
    void eachRoundNamesThePoolRowsItPseudoLabelledAndTheyAreMostlyRight() {
        SemiSupervised.Result r = SemiSupervised.train(labelled, pool, HeadConfig.DEFAULT, new TrainSettings(5, 64, 60, 5),
                SemiSupervised.Settings.SELF_TRAINING, Progress.none());
        r.head().close();

        assertThat(r.pseudoLabels()).hasSize(4);
        for (SemiSupervised.PseudoLabels p : r.pseudoLabels()) {
            assertThat(p.rows()).doesNotHaveDuplicates();
            assertThat(Arrays.stream(p.rows()).boxed()).allSatisfy(row -> assertThat(row).isBetween(0, 499));
            assertThat(Arrays.stream(p.classes()).boxed()).allSatisfy(c -> assertThat(c).isBetween(0, 4));
        }
        assertThat(r.pseudoLabelsPerRound()).isEqualTo(r.pseudoLabels().stream().map(p -> p.rows().length).toList());
        // the first round keeps the most confident fifth of the final share: well above chance (20%)
        assertThat(r.pseudoLabels().get(0).accuracy(poolTruth)).isGreaterThan(0.6);
    }

    @Test
    void pseudoLabelAccuracyIsTheShareOfRowsGivenTheirTrueClass() {
        int[] truth = {1, 0, 1, 0};

        assertThat(new SemiSupervised.PseudoLabels(new int[] {0, 2, 3}, new int[] {1, 0, 0}).accuracy(truth)).isEqualTo(2.0 / 3);
        assertThat(new SemiSupervised.PseudoLabels(new int[] {}, new int[] {}).accuracy(truth)).isNaN();
        assertThatThrownBy(() -> new SemiSupervised.PseudoLabels(new int[] {0}, new int[] {})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void scaledSelfTrainingCapsPseudoLabelsAtAMultipleOfTheLabelsWhileTheFixedRecipeTakesItsShareOfThePool() {
        SemiSupervised.Settings fixed = SemiSupervised.Settings.SELF_TRAINING;
        SemiSupervised.Settings scaled = fixed.withMethod(SemiSupervised.Method.SELF_TRAINING_SCALED);
        // 5 classes, pool 1000: the fixed recipe ends at 80% of 200 per class whatever the labels
        assertThat(SemiSupervised.quota(fixed, 4, 1000, 100, 5)).isEqualTo(160);
        assertThat(SemiSupervised.quota(fixed, 4, 1000, 25, 5)).isEqualTo(160);
        // scaled: at most 4 pseudo-labels per label, growing with the rounds
        assertThat(SemiSupervised.quota(scaled, 4, 1000, 25, 5)).isEqualTo(20);
        assertThat(SemiSupervised.quota(scaled, 2, 1000, 25, 5)).isEqualTo(10);
        assertThat(SemiSupervised.quota(scaled, 4, 1000, 100, 5)).isEqualTo(80);
        // a small pool still bounds it
        assertThat(SemiSupervised.quota(scaled, 4, 100, 500, 5)).isEqualTo(16);
        // a recipe with fewer rounds and a smaller share: its last round takes 40% of 200 per class
        SemiSupervised.Settings half = fixed.withRounds(2, 0.4);
        assertThat(SemiSupervised.quota(half, 2, 1000, 25, 5)).isEqualTo(80);
        assertThat(SemiSupervised.quota(half, 1, 1000, 25, 5)).isEqualTo(40);
    }

    @Test
    void balancedChoiceTakesTheMostConfidentOfEachPredictedClass() {
        int[] predicted = {0, 0, 0, 1, 1, 0};
        double[] confidence = {0.9, 0.5, 0.95, 0.3, 0.8, 0.2};

        assertThat(SemiSupervised.balancedMostConfident(predicted, confidence, 2, 2, 0.25)).containsExactly(0, 2, 3, 4);
        assertThat(SemiSupervised.balancedMostConfident(predicted, confidence, 2, 1, 0.5)).containsExactly(2, 4);
    }
}
