package dev.streamclassify.trainer.training;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.artifact.RawParams;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.backbone.TfjsFiles;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Batch;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.progress.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fine-tuning on a TF.js/Keras import, whose layers take channels-last images (the trainer's image tensors are
 * channels-first): the top backbone layer must train on correctly laid out images and the version must serve
 * exactly what the trainer measured, with the head reading the features in the order the backbone flattens them.
 */
class ChannelsLastFineTuningTest {

    @TempDir
    static Path dir;

    private static final List<String> CLASSES = List.of("Trouser", "Bag", "Sneaker");

    @Test
    void fineTunedTopLayerOfATfjsImportTrainsAndServesItsOwnAccuracy() throws Exception {
        Path model = TfjsFiles.write(dir.resolve("tiny"), null);
        Dataset train = FashionMnist.sampleTrain().withClasses(CLASSES).samplePerClass(30, 3);
        Dataset holdout = FashionMnist.sampleTest().withClasses(CLASSES).samplePerClass(30, 3);
        try (Backbone backbone = Backbones.load("tfjs:" + model + "#relu?pool=none")) {
            assertThat(backbone.channelsLast()).isTrue();
            Preprocessor pre = new Preprocessor(backbone.info().preprocessing());
            var probe = Batch.of(pre.spec(), List.of(pre.apply(holdout.images().get(0).image())));
            var before = backbone.features(probe).dup();
            float[] bnBefore = backbone.graph().getLayer("bn").params().dup().toFloatVector();

            TrainingPipeline.Outcome o = TrainingPipeline.run(backbone, FeatureCache.inMemory(backbone.info().featureSize()), train, holdout,
                    HeadConfig.DEFAULT, new TrainSettings(3, 16, 30, 3), new TrainingPipeline.FineTune(1, 1e-2, 3), "tuned", 1,
                    Clock.systemUTC(), Progress.none());

            assertThat(o.version().fineTunedLayers()).containsOnlyKeys("bn");
            float[] bnAfter = RawParams.read(o.version().fineTunedLayers().get("bn"), bnBefore.length, "bn").toFloatVector();
            assertThat(Arrays.equals(bnAfter, bnBefore)).as("the fine-tuned layer's parameters moved").isFalse();
            // three classes: chance is a third
            assertThat(o.holdout().accuracy()).isGreaterThan(0.5);
            ModelVersion decoded = new ModelVersionCodec().decode(new ModelVersionCodec().encode(o.version()));
            assertThat(TrainingPipelineTest.servedAccuracy(decoded, holdout, backbone)).isEqualTo(o.holdout().accuracy());
            // a copy was trained: the shared frozen backbone still yields the same features
            assertThat(backbone.features(probe).equalsWithEps(before, 0)).isTrue();
        }
    }

    /** Measured: with pool=2x2 and pool=global the same fine-tuning left a head at chance (one class for every image). */
    @ParameterizedTest(name = "pool={0}")
    @ValueSource(strings = {"2x2", "global"})
    void fineTuningAPooledChannelsLastCutIsRefusedWithTheReason(String pool) throws Exception {
        Path model = TfjsFiles.write(dir.resolve("tiny-" + pool), null);
        Dataset train = FashionMnist.sampleTrain().withClasses(CLASSES).samplePerClass(5, 3);
        try (Backbone backbone = Backbones.load("tfjs:" + model + "#relu?pool=" + pool)) {
            assertThatThrownBy(() -> TrainingPipeline.run(backbone, FeatureCache.inMemory(backbone.info().featureSize()), train, train,
                    HeadConfig.DEFAULT, new TrainSettings(1, 16, 1, 3), new TrainingPipeline.FineTune(1, 1e-2, 1), "tuned", 1,
                    Clock.systemUTC(), Progress.none()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("pools a channels-last")
                    .hasMessageContaining("pool=none");
        }
    }
}
