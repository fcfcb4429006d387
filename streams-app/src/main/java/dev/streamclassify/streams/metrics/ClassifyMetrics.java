package dev.streamclassify.streams.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
    public static final String LANE_WAIT = "classify.inference.wait";
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
    public static final String SERVED = "classify.served";
    public static final String HEAD_AGREEMENT = "classify.head.agreement";
    public static final String CONFIDENCE = "classify.confidence";
    public static final String CANARY_VERSION = "classify.canary.version";
    public static final String CANARY_PERCENT = "classify.canary.percent";
    public static final String SHADOW_HEADS = "classify.shadow.heads";

    /** Buckets of the confidence histograms: where a drifting or broken head shows first. */
    private static final double[] CONFIDENCE_BUCKETS = {0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99};

    private final MeterRegistry registry;
    private final Counter predicted;
    private final DistributionSummary batchSize;
    private final Timer inference;
    private final Timer laneWait;
    private final Timer latency;
    private final AtomicLong buffered = new AtomicLong();
    private final AtomicLong modelVersion = new AtomicLong();
    private final Counter swaps;
    private final Timer swapDuration;
    private final AtomicLong canaryVersion = new AtomicLong();
    private final AtomicLong canaryPercent = new AtomicLong();
    private final AtomicLong shadowHeads = new AtomicLong();
    private final Map<String, DistributionSummary> confidence = new ConcurrentHashMap<>();

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
        laneWait = Timer.builder(LANE_WAIT).description("How long a stream thread waited for a batch's forward pass on its "
                + "inference lane after preparing the next batch; near zero when decoding hides the pass").register(registry);
        latency = Timer.builder(LATENCY).description("From an image's arrival to its prediction")
                .publishPercentiles(0.5, 0.99).register(registry);
        Gauge.builder(BUFFERED, buffered, AtomicLong::get).description("Images waiting in the batch buffers")
                .register(registry);
        Gauge.builder(MODEL_VERSION, modelVersion, AtomicLong::get).description("Serving model version, 0 before the first")
                .register(registry);
        swaps = Counter.builder(MODEL_SWAPS).description("Model versions switched to").register(registry);
        swapDuration = Timer.builder(MODEL_SWAP_DURATION).description("Decode, validate, load and warm up a version")
                .register(registry);
        Gauge.builder(CANARY_VERSION, canaryVersion, AtomicLong::get).description("Canary version, 0 while there is none")
                .register(registry);
        Gauge.builder(CANARY_PERCENT, canaryPercent, AtomicLong::get).description("Share of image ids the canary serves, in percent")
                .register(registry);
        Gauge.builder(SHADOW_HEADS, shadowHeads, AtomicLong::get).description("Shadow versions scored on every image")
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

    public void laneWait(long nanos) {
        laneWait.record(nanos, TimeUnit.NANOSECONDS);
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

    /** The canary (0: none) and shadow heads now in force. */
    public void rollout(long canary, int percent, int shadows) {
        canaryVersion.set(canary);
        canaryPercent.set(percent);
        shadowHeads.set(shadows);
    }

    /** {@code images} predictions served by {@code version} in {@code role} (active or canary). */
    public void served(String role, long version, int images) {
        if (images > 0) {
            registry.counter(SERVED, "role", role, "version", Long.toString(version)).increment(images);
        }
    }

    /** How often a canary or shadow head named the same label as the active head. */
    public void agreement(String role, long version, int agreed, int total) {
        registry.counter(HEAD_AGREEMENT, "role", role, "version", Long.toString(version), "agrees", "true").increment(agreed);
        registry.counter(HEAD_AGREEMENT, "role", role, "version", Long.toString(version), "agrees", "false").increment(total - agreed);
    }

    /** The confidence of one prediction of a head, whether or not it was served. */
    public void confidence(String role, long version, double value) {
        confidence.computeIfAbsent(role + "/" + version, k -> DistributionSummary.builder(CONFIDENCE)
                .tags("role", role, "version", Long.toString(version))
                .description("Confidence of each head's predictions")
                .serviceLevelObjectives(CONFIDENCE_BUCKETS).register(registry)).record(value);
    }

    public void produceError(String topic, String error) {
        registry.counter(PRODUCE_ERRORS, "topic", topic, "error", error).increment();
    }
}
