package dev.streamclassify.trainer.features;

import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.progress.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class FeaturizerTest {

    private static Backbone backbone;

    @BeforeAll
    static void loadBackbone() {
        backbone = TestModels.tinyBackbone(3);
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    @Test
    void featurizesOnlyImagesTheCacheHasNotSeen(@TempDir Path dir) throws IOException {
        Dataset all = FashionMnist.sampleTrain().samplePerClass(10, 1);
        Dataset first = all.samplePerClass(4, 1);
        Featurizer featurizer = new Featurizer(backbone, 16);
        String fp = backbone.info().fingerprint();
        int featureSize = backbone.info().featureSize();
        Features a;
        try (FeatureCache cache = FeatureCache.open(dir, fp, featureSize)) {
            a = featurizer.featurize(first, cache, Progress.none());
        }
        assertThat(a.computed()).isEqualTo(first.size());
        assertThat(a.cached()).isZero();
        try (FeatureCache cache = FeatureCache.open(dir, fp, featureSize)) {
            Features b = featurizer.featurize(all, cache, Progress.none());
            assertThat(b.cached()).isEqualTo(first.size());
            assertThat(b.computed()).isEqualTo(all.size() - first.size());
            assertThat(b.x().rows()).isEqualTo(all.size());
            assertThat(b.x().columns()).isEqualTo(featureSize);
        }
    }

    @Test
    void cachedFeaturesEqualFreshlyComputedOnes(@TempDir Path dir) throws IOException {
        Dataset data = FashionMnist.sampleTest().samplePerClass(3, 2);
        Featurizer featurizer = new Featurizer(backbone, 8);
        Features fresh = featurizer.featurize(data, FeatureCache.inMemory(backbone.info().featureSize()), Progress.none());
        try (FeatureCache cache = FeatureCache.open(dir, backbone.info().fingerprint(), backbone.info().featureSize())) {
            featurizer.featurize(data, cache, Progress.none());
        }
        try (FeatureCache cache = FeatureCache.open(dir, backbone.info().fingerprint(), backbone.info().featureSize())) {
            Features reread = featurizer.featurize(data, cache, Progress.none());
            assertThat(reread.computed()).isZero();
            assertThat(reread.x().equalsWithEps(fresh.x(), 0)).isTrue();
        }
    }
}
