package dev.streamclassify.streams.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The service's own meters, registered once per registry. Thread-safe: called from stream threads, the model
 * watcher and Kafka's exception handlers alike.
 */
public final class ClassifyMetrics {

    public static final String IMAGES = "classify.images";
    public static final String DLQ = "classify.dlq";
    public static final String BATCH_SIZE = "classify.batch.size";
    public static final String INFERENCE = "classify.inference";
    public static final String LATENCY = "classify.latency";
    public static final String BUFFERED = "classify.buffered";
    public static final String MODEL_VERSION = "classify.model.version";
    public static final String MODEL_SWAPS = "classify.model.swaps";
    public static final String MODEL_REJECTED = "classify.model.rejected";
    public static final String MODEL_SWAP_DURATION = "classify.model.swap.duration";
    public static final String MODEL_RECORDS_IGNORED = "classify.model.records.ignored";
    public static final String MODEL_FALLBACKS = "classify.model.fallbacks";
    public static final String MODEL_WATCHER_ERRORS = "classify.model.watcher.errors";
    public static final String PRODUCE_ERRORS = "classify.produce.errors";
    public static final String RUNTIME = "classify.runtime";

    private final MeterRegistry registry;
    private final Counter predicted;
    private final DistributionSummary batchSize;
    private final Timer inference;
    private final Timer latency;
    private final AtomicLong buffered = new AtomicLong();
    private final AtomicLong modelVersion = new AtomicLong();
    private final Counter swaps;
    private final Timer swapDuration;

    public ClassifyMetrics(MeterRegistry registry) {
        this.registry = registry;
        predicted = Counter.builder(IMAGES).tag("outcome", "predicted")
                .description("Images classified, by outcome").register(registry);
        Counter.builder(IMAGES).tag("outcome", "dead_lettered")
                .description("Images classified, by outcome").register(registry);
        batchSize = DistributionSummary.builder(BATCH_SIZE).description("Images per forward pass")
                .publishPercentiles(0.5, 0.99).register(registry);
        inference = Timer.builder(INFERENCE).description("Forward pass of one batch")
                .publishPercentiles(0.5, 0.99).register(registry);
        latency = Timer.builder(LATENCY).description("From an image's arrival to its prediction")
                .publishPercentiles(0.5, 0.99).register(registry);
        Gauge.builder(BUFFERED, buffered, AtomicLong::get).description("Images waiting in the batch buffers")
                .register(registry);
        Gauge.builder(MODEL_VERSION, modelVersion, AtomicLong::get).description("Serving model version, 0 before the first")
                .register(registry);
        swaps = Counter.builder(MODEL_SWAPS).description("Model versions switched to").register(registry);
        swapDuration = Timer.builder(MODEL_SWAP_DURATION).description("Decode, validate, load and warm up a version")
                .register(registry);
    }

    /**
     * Always 1; the tags say which nd4j-native build runs and which forward pass serves the backbone (nd4j-ops or
     * dl4j-layers), since speed differs several times between them.
     */
    public void runtime(String nativeBuild, boolean oneDnn, String inference) {
        Gauge.builder(RUNTIME, () -> 1).tags("native_build", nativeBuild, "onednn", String.valueOf(oneDnn), "inference", inference)
                .description("Native build and backbone forward pass in use").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void predicted(int images) {
        predicted.increment(images);
    }

    public void deadLettered(String reason) {
        registry.counter(IMAGES, "outcome", "dead_lettered").increment();
        registry.counter(DLQ, "reason", reason).increment();
    }

    public void batch(int size, long inferenceNanos) {
        batchSize.record(size);
        inference.record(inferenceNanos, TimeUnit.NANOSECONDS);
    }

    public void latency(long nanos) {
        latency.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /** @param delta images added (positive) or drained (negative) by one buffer */
    public void buffered(long delta) {
        buffered.addAndGet(delta);
    }

    public void modelSwapped(long version, Duration took) {
        modelVersion.set(version);
        swaps.increment();
        swapDuration.record(took);
    }

    public void modelRejected(String reason) {
        registry.counter(MODEL_REJECTED, "reason", reason).increment();
    }

    public void modelRecordIgnored(String reason) {
        registry.counter(MODEL_RECORDS_IGNORED, "reason", reason).increment();
    }

    /** Nothing served and the activated version could not: serving the newest version that loads instead. */
    public void modelFallback() {
        registry.counter(MODEL_FALLBACKS).increment();
    }

    /** An unexpected failure while handling one models-topic record; the watcher carried on. */
    public void modelWatcherError() {
        registry.counter(MODEL_WATCHER_ERRORS).increment();
    }

    public void produceError(String topic, String error) {
        registry.counter(PRODUCE_ERRORS, "topic", topic, "error", error).increment();
    }
}
