package dev.streamclassify.streams.features;

import dev.streamclassify.model.format.Hashing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Backbone features of recently seen images, keyed by where the features come from and by the SHA-256 of the image's
 * encoded bytes, so identical bytes (a re-sent or duplicated image) skip decoding and the backbone pass. Bounded by
 * entries and by bytes, least recently used out first. The source key names the backbone's fingerprint, the version
 * that owns a fine-tuned copy and the preprocessing, so a version with another backbone never reads features made
 * by the old one. Shared by every stream thread of an app, hence synchronized; a miss costs one hash.
 */
public final class ImageFeatureCache {

    public static final String LOOKUPS = "classify.feature.cache.lookups";
    public static final String HIT_RATIO = "classify.feature.cache.hit.ratio";
    public static final String BYTES = "classify.feature.cache.bytes";

    /** Map entry, key and array headers, counted on top of the features' own 4 bytes a value. */
    static final int ENTRY_OVERHEAD_BYTES = 160;

    private final int maxEntries;
    private final long maxBytes;
    private final LinkedHashMap<Key, float[]> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Counter hits;
    private final Counter misses;
    private long bytes;

    private record Key(String source, byte[] sha256) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && source.equals(k.source) && Arrays.equals(sha256, k.sha256);
        }

        @Override
        public int hashCode() {
            return 31 * source.hashCode() + Arrays.hashCode(sha256);
        }
    }

    /** An image's content hash, computed once however many feature sources look it up. */
    public record Content(byte[] sha256) {
        public static Content of(byte[] encodedImage) {
            return new Content(Hashing.sha256().digest(encodedImage));
        }
    }

    /** @param maxEntries 0 turns the cache off (every lookup misses, nothing is kept or hashed) */
    public ImageFeatureCache(int maxEntries, long maxBytes, MeterRegistry registry) {
        if (maxEntries < 0 || maxBytes < 0) {
            throw new IllegalArgumentException("cache bounds must be >= 0, were " + maxEntries + " entries, " + maxBytes + " bytes");
        }
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.hits = Counter.builder(LOOKUPS).tag("result", "hit").description("Feature cache lookups by image content").register(registry);
        this.misses = Counter.builder(LOOKUPS).tag("result", "miss").description("Feature cache lookups by image content").register(registry);
        Gauge.builder(HIT_RATIO, this, ImageFeatureCache::hitRatio)
                .description("Share of feature lookups answered by the cache since start (identical image bytes)").register(registry);
        Gauge.builder(BYTES, this, ImageFeatureCache::bytes).description("Bytes held by the feature cache").register(registry);
    }

    public boolean enabled() {
        return maxEntries > 0 && maxBytes > 0;
    }

    /** Features of identical bytes computed by {@code source} before, if still held. */
    public Optional<float[]> get(String source, Content content) {
        if (!enabled()) {
            return Optional.empty();
        }
        float[] found;
        synchronized (this) {
            found = entries.get(new Key(source, content.sha256()));
        }
        (found == null ? misses : hits).increment();
        return Optional.ofNullable(found);
    }

    /** Keeps {@code features} (not copied: the caller hands them over and never writes them) for later lookups. */
    public void put(String source, Content content, float[] features) {
        long size = sizeOf(features);
        if (!enabled() || size > maxBytes) {
            return;
        }
        synchronized (this) {
            float[] previous = entries.put(new Key(source, content.sha256()), features);
            bytes += size - (previous == null ? 0 : sizeOf(previous));
            var it = entries.entrySet().iterator();
            while ((entries.size() > maxEntries || bytes > maxBytes) && it.hasNext()) {
                Map.Entry<Key, float[]> eldest = it.next();
                bytes -= sizeOf(eldest.getValue());
                it.remove();
            }
        }
    }

    public synchronized int size() {
        return entries.size();
    }

    public synchronized long bytes() {
        return bytes;
    }

    /** Hits over all lookups since start; 0 before the first. */
    public double hitRatio() {
        double h = hits.count();
        double all = h + misses.count();
        return all == 0 ? 0 : h / all;
    }

    private static long sizeOf(float[] features) {
        return 4L * features.length + ENTRY_OVERHEAD_BYTES;
    }
}
