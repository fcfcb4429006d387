package dev.streamclassify.streams.features;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ImageFeatureCacheTest {

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    static ImageFeatureCache.Content image(String bytes) {
        return ImageFeatureCache.Content.of(bytes.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void answersIdenticalBytesFromTheSameSourceOnlyAndCountsTheHitRatio() {
        var cache = new ImageFeatureCache(10, 1 << 20, registry);
        float[] features = {1, 2, 3};
        cache.put("backbone-a", image("png-1"), features);

        assertThat(cache.get("backbone-a", image("png-1"))).containsSame(features);
        assertThat(cache.get("backbone-a", image("png-2"))).isEmpty();
        assertThat(cache.get("backbone-b", image("png-1"))).as("another backbone never reads these features").isEmpty();
        assertThat(registry.get(ImageFeatureCache.LOOKUPS).tag("result", "hit").counter().count()).isEqualTo(1);
        assertThat(registry.get(ImageFeatureCache.LOOKUPS).tag("result", "miss").counter().count()).isEqualTo(2);
        assertThat(registry.get(ImageFeatureCache.HIT_RATIO).gauge().value()).isEqualTo(1.0 / 3);
    }

    @Test
    void keepsAtMostMaxEntriesDroppingTheLeastRecentlyUsed() {
        var cache = new ImageFeatureCache(2, 1 << 20, registry);
        cache.put("s", image("a"), new float[4]);
        cache.put("s", image("b"), new float[4]);
        cache.get("s", image("a"));
        cache.put("s", image("c"), new float[4]);

        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.get("s", image("b"))).as("least recently used").isEmpty();
        assertThat(cache.get("s", image("a"))).isPresent();
        assertThat(cache.get("s", image("c"))).isPresent();
    }

    @Test
    void keepsAtMostMaxBytes() {
        long entry = 4L * 100 + ImageFeatureCache.ENTRY_OVERHEAD_BYTES;
        var cache = new ImageFeatureCache(1000, 3 * entry, registry);
        for (int i = 0; i < 10; i++) {
            cache.put("s", image("img-" + i), new float[100]);
        }

        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.bytes()).isEqualTo(3 * entry);
        assertThat(registry.get(ImageFeatureCache.BYTES).gauge().value()).isEqualTo(3.0 * entry);
        assertThat(cache.get("s", image("img-9"))).isPresent();
        assertThat(cache.get("s", image("img-6"))).isEmpty();
    }

    @Test
    void keepsNothingWhenTurnedOff() {
        var cache = new ImageFeatureCache(0, 1 << 20, registry);
        cache.put("s", image("a"), new float[4]);

        assertThat(cache.enabled()).isFalse();
        assertThat(cache.get("s", image("a"))).isEmpty();
        assertThat(cache.size()).isZero();
    }
}
