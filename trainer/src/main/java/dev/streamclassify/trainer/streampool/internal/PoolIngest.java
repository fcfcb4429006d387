package dev.streamclassify.trainer.streampool.internal;

import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.image.ImageDecoder;
import dev.streamclassify.model.image.ImageRejectedException;
import dev.streamclassify.model.image.RawImage;
import dev.streamclassify.trainer.dataset.LabelledImage;
import dev.streamclassify.trainer.features.Featurizer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Turns stream records into pooled features: decode (the product's one decoder), preprocess and run the backbone
 * ({@link Featurizer}, the same path training uses) in small batches, add to the ring. Every record is hostile: one
 * that is empty, not an image, already pooled or cannot be featurized is skipped and counted by reason, never thrown.
 * Used by one thread (the follower's).
 */
public final class PoolIngest {

    /** Skip reasons besides the decoder's own codes ({@link ImageRejectedException.Reason#code()}). */
    public static final String DUPLICATE = "duplicate";
    public static final String FEATURIZE_FAILED = "featurize-failed";
    public static final String TOO_LARGE_FOR_POOL = "too-large-for-pool";
    public static final String UNREADABLE = "unreadable";

    /** Where skipped records are counted. */
    public interface Skips {
        void skipped(String reason, int n);
    }

    private static final Logger LOG = LoggerFactory.getLogger(PoolIngest.class);

    private record Pending(RawImage image, String hash, int partition, long offset, long timestamp) {
    }

    private final FeatureRing ring;
    private final Supplier<Backbone> backbone;
    private final int batchSize;
    private final ImageDecoder decoder;
    private final Skips skips;
    private final Clock clock;
    private final List<Pending> pending = new ArrayList<>();
    private Backbone featurizerOf;
    private Featurizer featurizer;
    private volatile long added;

    /** @param backbone the active backbone, asked once per batch: a different fingerprint empties the ring */
    public PoolIngest(FeatureRing ring, Supplier<Backbone> backbone, int batchSize, ImageDecoder decoder, Skips skips, Clock clock) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, was " + batchSize);
        }
        this.ring = ring;
        this.backbone = backbone;
        this.batchSize = batchSize;
        this.decoder = decoder;
        this.skips = skips;
        this.clock = clock;
    }

    /** Decodes one record and featurizes the batch once it is full; call {@link #flush()} after each poll. */
    public void accept(ConsumerRecord<?, byte[]> record) {
        byte[] value = record.value();
        if (value == null || value.length == 0) {
            skips.skipped(ImageRejectedException.Reason.EMPTY.code(), 1);
            return;
        }
        RawImage image;
        try {
            image = decoder.decode(value);
        } catch (ImageRejectedException e) {
            skips.skipped(e.reason().code(), 1);
            return;
        }
        String hash = LabelledImage.contentHash(image);
        if (ring.holds(hash)) {
            // a repeated frame costs a hash, not a backbone pass
            skips.skipped(DUPLICATE, 1);
            return;
        }
        // a producer's clock is hostile too: a timestamp before the epoch becomes the time it arrived
        long timestamp = record.timestamp() >= 0 ? record.timestamp() : clock.millis();
        pending.add(new Pending(image, hash, record.partition(), record.offset(), timestamp));
        if (pending.size() >= batchSize) {
            flush();
        }
    }

    /** Featurizes and pools what {@link #accept} has decoded so far. */
    public void flush() {
        if (pending.isEmpty()) {
            return;
        }
        Backbone b = backbone.get();
        if (b != featurizerOf) {
            featurizer = new Featurizer(b, batchSize);
            featurizerOf = b;
        }
        String fingerprint = b.info().fingerprint();
        List<Pending> batch = new ArrayList<>(pending);
        pending.clear();
        float[][] rows;
        try {
            rows = featurizer.features(batch.stream().map(Pending::image).toList());
        } catch (RuntimeException e) {
            LOG.warn("Featurizing {} stream images for the pool failed; they are skipped", batch.size(), e);
            skips.skipped(FEATURIZE_FAILED, batch.size());
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            switch (ring.add(fingerprint, new FeatureRing.Entry(p.hash(), rows[i], p.partition(), p.offset(), p.timestamp()))) {
                case ADDED -> added++;
                case DUPLICATE -> skips.skipped(DUPLICATE, 1);
                case TOO_LARGE -> skips.skipped(TOO_LARGE_FOR_POOL, 1);
            }
        }
    }

    /** Counts a record the follower could not even read. */
    public void skip(String reason) {
        skips.skipped(reason, 1);
    }

    /** Entries this ingest has added to the ring. */
    public long added() {
        return added;
    }
}
