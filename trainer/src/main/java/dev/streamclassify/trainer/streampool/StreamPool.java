package dev.streamclassify.trainer.streampool;

import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.image.ImageDecoder;
import dev.streamclassify.trainer.streampool.internal.FeatureRing;
import dev.streamclassify.trainer.streampool.internal.PoolFollower;
import dev.streamclassify.trainer.streampool.internal.PoolIngest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The stream feature pool: while {@code trainer serve} runs, the features of the most recent stream images, so a
 * semi-supervised retrain ({@code "unlabelled":{"pool":true}}) needs no re-read of the images topic and no backbone
 * pass over its pool. Bounded by image count and by bytes; all features come from one backbone (a fingerprint change
 * empties it). Refused images are skipped and counted ({@value #SKIPPED}{@code {reason}}); its size and age are
 * gauges. It runs on a thread and consumer of its own (see {@link PoolFollower} for why assign-and-seek), so it can
 * neither stall nor crash the control loop.
 *
 * <p>Thread-safe: {@link #snapshot} may be called from any thread while the pool fills. Shares the backbone (its
 * owner keeps it open until {@link #close()} returns); owns its thread and consumer.
 */
public final class StreamPool implements AutoCloseable {

    public static final String ENTRIES = "trainer.pool.images";
    public static final String BYTES = "trainer.pool.bytes";
    public static final String OLDEST_AGE = "trainer.pool.oldest.image.age";
    public static final String NEWEST_AGE = "trainer.pool.newest.image.age";
    public static final String ADDED = "trainer.pool.added";
    public static final String SKIPPED = "trainer.pool.skipped";
    public static final String EVICTED = "trainer.pool.evicted";
    public static final String FOLLOWING = "trainer.pool.following";
    /** Images featurized per backbone pass: small, so a pass is short and a burst of images never holds much decoded. */
    public static final int BATCH = 16;

    /**
     * @param topic     the images topic
     * @param maxImages most images held
     * @param maxBytes  most bytes held: features plus {@link FeatureRing#ENTRY_OVERHEAD_BYTES} per image
     */
    public record Settings(String topic, int maxImages, long maxBytes) {
        public Settings {
            Objects.requireNonNull(topic, "topic");
            if (maxImages < 1 || maxBytes < 1) {
                throw new IllegalArgumentException("the pool holds at least one image and one byte, was " + maxImages + " and " + maxBytes);
            }
        }
    }

    private final FeatureRing ring;
    private final PoolIngest ingest;
    private final PoolFollower follower;
    private final Clock clock;

    /** @param backbone the active backbone, asked once per batch */
    public StreamPool(Settings settings, Map<String, Object> consumerProperties, Supplier<Backbone> backbone, MeterRegistry registry,
                      Clock clock) {
        this.clock = clock;
        this.ring = new FeatureRing(settings.maxImages(), settings.maxBytes());
        this.ingest = new PoolIngest(ring, backbone, BATCH, new ImageDecoder(),
                (reason, n) -> Counter.builder(SKIPPED).description("Stream images the pool skipped, by reason")
                        .tag("reason", reason).register(registry).increment(n), clock);
        this.follower = new PoolFollower(settings.topic(), settings.maxImages(), consumerProperties, ingest);
        Gauge.builder(ENTRIES, ring, FeatureRing::size).description("Stream images whose features the pool holds").register(registry);
        Gauge.builder(BYTES, ring, FeatureRing::bytes).baseUnit("bytes").description("Bytes the pool holds (features and per-image overhead)")
                .register(registry);
        Gauge.builder(OLDEST_AGE, this, p -> p.age(p.ring.oldestTimestamp())).baseUnit("seconds")
                .description("Age of the pool's oldest image (record timestamp); NaN when empty").register(registry);
        Gauge.builder(NEWEST_AGE, this, p -> p.age(p.ring.newestTimestamp())).baseUnit("seconds")
                .description("Age of the pool's newest image (record timestamp); NaN when empty").register(registry);
        FunctionCounter.builder(ADDED, ingest, PoolIngest::added).description("Stream images added to the pool").register(registry);
        for (FeatureRing.Eviction e : FeatureRing.Eviction.values()) {
            FunctionCounter.builder(EVICTED, ring, r -> r.evicted(e)).tag("reason", e.code())
                    .description("Images that left the pool: pushed out by the count or byte bound, or by a backbone change").register(registry);
        }
        Gauge.builder(FOLLOWING, follower, f -> f.following() ? 1 : 0)
                .description("1 while the pool follows the images topic; 0 once it stopped for good (see the log)").register(registry);
    }

    /** What one image of a backbone with {@code featureSize} features costs the byte bound. */
    public static long bytesPerImage(int featureSize) {
        return 4L * featureSize + FeatureRing.ENTRY_OVERHEAD_BYTES;
    }

    public StreamPool start() {
        follower.start();
        return this;
    }

    /** The pool as it is now, if its features come from {@code backboneFingerprint}; no images otherwise. */
    public PooledFeatures snapshot(String backboneFingerprint) {
        FeatureRing.Contents c = ring.contents(backboneFingerprint);
        return new PooledFeatures(backboneFingerprint, c.entries().stream()
                .map(e -> new PooledFeatures.Image(e.contentHash(), e.features(), e.partition(), e.offset())).toList());
    }

    /** Images held now, whatever their backbone. */
    public int size() {
        return ring.size();
    }

    private double age(OptionalLong timestamp) {
        return timestamp.isEmpty() ? Double.NaN : Math.max(0, clock.millis() - timestamp.getAsLong()) / 1000.0;
    }

    @Override
    public void close() {
        follower.close();
    }
}
