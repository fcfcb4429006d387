package dev.streamclassify.trainer.features;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FeatureCacheTest {

    private static final String HASH_A = "a".repeat(64);
    private static final String HASH_B = "b".repeat(64);

    @Test
    void keepsFeaturesAcrossReopen(@TempDir Path dir) throws IOException {
        try (FeatureCache cache = FeatureCache.open(dir, "sha256:" + "1".repeat(64), 3)) {
            cache.put(HASH_A, new float[]{1, 2, 3});
            cache.put(HASH_B, new float[]{4, 5, 6});
        }
        try (FeatureCache cache = FeatureCache.open(dir, "sha256:" + "1".repeat(64), 3)) {
            assertThat(cache.size()).isEqualTo(2);
            assertThat(cache.get(HASH_A)).contains(new float[]{1, 2, 3});
            assertThat(cache.get(HASH_B)).contains(new float[]{4, 5, 6});
        }
    }

    @Test
    void separatesBackbonesByFingerprint(@TempDir Path dir) throws IOException {
        try (FeatureCache cache = FeatureCache.open(dir, "sha256:" + "1".repeat(64), 3)) {
            cache.put(HASH_A, new float[]{1, 2, 3});
        }
        try (FeatureCache other = FeatureCache.open(dir, "sha256:" + "2".repeat(64), 3)) {
            assertThat(other.get(HASH_A)).isEmpty();
        }
    }

    @Test
    void ignoresATornLastRecord(@TempDir Path dir) throws IOException {
        String fp = "sha256:" + "1".repeat(64);
        try (FeatureCache cache = FeatureCache.open(dir, fp, 3)) {
            cache.put(HASH_A, new float[]{1, 2, 3});
        }
        Path file = dir.resolve("1".repeat(64) + ".features");
        Files.write(file, new byte[]{1, 2, 3, 4, 5}, StandardOpenOption.APPEND);
        try (FeatureCache cache = FeatureCache.open(dir, fp, 3)) {
            assertThat(cache.size()).isEqualTo(1);
            assertThat(cache.get(HASH_A)).contains(new float[]{1, 2, 3});
        }
    }

    @Test
    void refusesACacheOfAnotherFeatureSize(@TempDir Path dir) throws IOException {
        String fp = "sha256:" + "1".repeat(64);
        FeatureCache.open(dir, fp, 3).close();
        assertThatThrownBy(() -> FeatureCache.open(dir, fp, 4)).isInstanceOf(IOException.class).hasMessageContaining("3-value");
    }
}
