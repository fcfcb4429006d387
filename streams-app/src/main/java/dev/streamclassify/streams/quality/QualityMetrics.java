package dev.streamclassify.streams.quality;

import dev.streamclassify.streams.wire.ModelQuality;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Meters of label feedback. Live accuracy is a gauge per version, set where that version's window lives (one task,
 * so one instance at a time). Thread-safe.
 */
public final class QualityMetrics {

    public static final String LABELS = "classify.labels";
    public static final String LIVE_ACCURACY = "classify.live.accuracy";
    public static final String LIVE_LABELLED = "classify.live.labelled";
    public static final String LABELLED_IMAGES = "classify.labelled.images";

    private final MeterRegistry registry;
    private final Map<String, AtomicReference<double[]>> versions = new ConcurrentHashMap<>();

    public QualityMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (String outcome : new String[]{"matched", "unmatched", "expired", "invalid"}) {
            registry.counter(LABELS, "outcome", outcome);
        }
    }

    /** A label record: matched with predictions, unmatched (unknown id), expired (its predictions were too old), or invalid. */
    public void label(String outcome) {
        registry.counter(LABELS, "outcome", outcome).increment();
    }

    /**
     * A matched label's image for the training-images topic: {@code forwarded}, or not, because the image is no longer
     * on the images topic ({@code image-gone}) or its votes did not record where it was ({@code no-source}).
     */
    public void labelledImage(String outcome) {
        registry.counter(LABELLED_IMAGES, "outcome", outcome).increment();
    }

    public void quality(ModelQuality q) {
        versions.computeIfAbsent(Judged.key(q.model(), q.version()), k -> {
            AtomicReference<double[]> ref = new AtomicReference<>(new double[2]);
            String v = Long.toString(q.version());
            Gauge.builder(LIVE_ACCURACY, ref, r -> r.get()[0]).tags("model", q.model(), "version", v)
                    .description("Accuracy over the latest labelled predictions of a version").register(registry);
            Gauge.builder(LIVE_LABELLED, ref, r -> r.get()[1]).tags("model", q.model(), "version", v)
                    .description("Labelled predictions in a version's accuracy window").register(registry);
            return ref;
        }).set(new double[]{q.accuracy(), q.labelled()});
    }
}
