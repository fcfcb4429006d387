package dev.streamclassify.trainer.training;

import dev.streamclassify.trainer.progress.Progress;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Batch;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.inference.Prediction;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.features.FeatureCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TrainingPipelineTest {

    private static Backbone backbone;

    @BeforeAll
    static void loadDefaultBackbone() throws Exception {
        backbone = Backbones.loadDefault();
    }

    @AfterAll
    static void close() {
        backbone.close();
    }

    @Test
    void headOnTheDefaultBackboneBeatsChanceByAWideMargin() throws Exception {
        Dataset train = FashionMnist.sampleTrain().samplePerClass(100, 1);
        Dataset holdout = FashionMnist.sampleTest();
        TrainingPipeline.Outcome o = TrainingPipeline.run(backbone, FeatureCache.inMemory(backbone.info().featureSize()), train, holdout,
                HeadConfig.DEFAULT, new TrainSettings(10, 64, 200, 1), "default", 1,
                Clock.fixed(Instant.parse("2026-11-29T12:00:00Z"), ZoneOffset.UTC), Progress.none());
        // ten classes: chance is 10%
        assertThat(o.holdout().accuracy()).isGreaterThan(0.6);
        assertThat(o.version().metrics().holdoutAccuracy()).isEqualTo(o.holdout().accuracy());
        assertThat(o.version().metrics().trainImages()).isEqualTo(train.size());
        assertThat(o.version().backbone().fingerprint()).isEqualTo(backbone.info().fingerprint());
    }

    @Test
    void servedVersionReproducesTheTrainersHoldoutAccuracy() throws Exception {
        Dataset train = FashionMnist.sampleTrain().withClasses(List.of("Sandal", "Sneaker", "Bag")).samplePerClass(50, 2);
        Dataset holdout = FashionMnist.sampleTest().withClasses(List.of("Sandal", "Sneaker", "Bag"));
        TrainingPipeline.Outcome o = TrainingPipeline.run(backbone, FeatureCache.inMemory(backbone.info().featureSize()), train, holdout,
                HeadConfig.DEFAULT, new TrainSettings(5, 32, 100, 2), "shoes", 3, Clock.systemUTC(), Progress.none());
        ModelVersion decoded = new ModelVersionCodec().decode(new ModelVersionCodec().encode(o.version()));
        assertThat(servedAccuracy(decoded, holdout)).isEqualTo(o.holdout().accuracy());
    }

    @Test
    void fineTunedVersionCarriesItsBackboneLayersAndServesWithItsOwnAccuracy() throws Exception {
        List<String> classes = List.of("Sandal", "Sneaker", "Ankle boot");
        Dataset train = FashionMnist.sampleTrain().withClasses(classes).samplePerClass(30, 4);
        Dataset holdout = FashionMnist.sampleTest().withClasses(classes).samplePerClass(40, 4);
        Preprocessor spec = new Preprocessor(backbone.info().preprocessing());
        var probe = Batch.of(spec.spec(), List.of(spec.apply(holdout.images().get(0).image())));
        var before = backbone.features(probe).dup();
        TrainingPipeline.Outcome o = TrainingPipeline.run(backbone, FeatureCache.inMemory(backbone.info().featureSize()), train, holdout,
                HeadConfig.DEFAULT, new TrainSettings(3, 32, 30, 4), new TrainingPipeline.FineTune(1, 1e-4, 1), "tuned", 1,
                Clock.systemUTC(), Progress.none());
        assertThat(o.version().fineTunedLayers()).containsOnlyKeys("conv2");
        assertThat(FineTuner.topLayers(backbone.graph(), "pool2", 2)).containsExactly("conv1", "conv2");

        ModelVersion decoded = new ModelVersionCodec().decode(new ModelVersionCodec().encode(o.version()));
        assertThat(servedAccuracy(decoded, holdout)).isEqualTo(o.holdout().accuracy());
        // fine-tuning trained a copy: the shared frozen backbone still yields the same features
        assertThat(backbone.features(probe).equalsWithEps(before, 0)).isTrue();
    }

    private static double servedAccuracy(ModelVersion version, Dataset holdout) throws Exception {
        return servedAccuracy(version, holdout, backbone);
    }

    /** Accuracy of {@code version} served the way streams-app serves it on {@code backbone}: preprocess, batch, classify. */
    static double servedAccuracy(ModelVersion version, Dataset holdout, Backbone backbone) throws Exception {
        Preprocessor pre = new Preprocessor(version.preprocessing());
        try (Classifier classifier = Classifier.load(version, backbone)) {
            List<float[]> images = new ArrayList<>();
            holdout.images().forEach(img -> images.add(pre.apply(img.image())));
            List<Prediction> predictions = classifier.classify(Batch.of(pre.spec(), images), 1);
            long correct = 0;
            for (int i = 0; i < predictions.size(); i++) {
                if (predictions.get(i).label().equals(holdout.images().get(i).label())) {
                    correct++;
                }
            }
            return (double) correct / holdout.size();
        }
    }
}
