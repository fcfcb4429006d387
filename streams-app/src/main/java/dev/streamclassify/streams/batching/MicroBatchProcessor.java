package dev.streamclassify.streams.batching;

import dev.streamclassify.streams.wire.Outcome;
import dev.streamclassify.model.image.ImageDecoder;
import dev.streamclassify.model.image.ImageRejectedException;
import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Batch;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.inference.Prediction;
import dev.streamclassify.streams.wire.Outcome.DeadLettered;
import dev.streamclassify.streams.wire.Outcome.Predicted;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
import dev.streamclassify.streams.models.ActiveModel;
import dev.streamclassify.streams.models.ModelHolder;
import dev.streamclassify.streams.models.ModelLease;
import dev.streamclassify.streams.models.RolloutHolder;
import dev.streamclassify.streams.models.RolloutLease;
import dev.streamclassify.streams.wire.HeadVotes;
import dev.streamclassify.streams.wire.DeadLetterReason;
import dev.streamclassify.streams.wire.DeadLetters;
import dev.streamclassify.streams.wire.PredictionEvent;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Classifies images in batches without losing any (DESIGN.md trap 1). {@link #process} only parks an image in a
 * changelogged store, because Kafka Streams may commit its offset as soon as {@code process} returns; the store is
 * drained when it holds a full batch, and by a wall-clock punctuator once its oldest image has waited {@code maxDelay}.
 * Only the oldest image's wait counts: a punctuator that drained whatever was buffered whenever it came due made
 * batches of 1-2 images on MobileNetV2, because a slow forward pass leaves the punctuator due again by the time the
 * stream thread has parked the next image, and small batches are slower still (docs/benchmarks.md). A drain forwards its
 * outcomes before deleting the drained keys, so a crash at any point replays rather than drops (and under
 * exactly_once_v2 the outputs, deletes and offsets commit together).
 *
 * <p>While no model is loaded, images stay buffered and are drained once one arrives; {@code StreamsApp} pauses the
 * input meanwhile, so the buffer holds no more than was fetched before. One instance per task, used by
 * that task's stream thread only.
 */
public final class MicroBatchProcessor implements Processor<String, byte[], String, Outcome> {

    public static final String BUFFER_STORE = "image-buffer";

    /**
     * Longest image id (UTF-8 bytes of the record key) that is classified. The id is copied into the prediction value,
     * so an unbounded key would make a prediction too large for its topic and be dropped; longer ones are
     * dead-lettered as {@link DeadLetterReason#KEY_TOO_LONG}, without the key.
     */
    public static final int MAX_KEY_BYTES = 1024;

    /**
     * Room kept for key and headers in a dead-letter record, which must fit the dead-letter topic (sized like the
     * images topic); an image too large to leave that room is dead-lettered as a reference (no value) instead.
     */
    static final int DEAD_LETTER_ROOM = 16 * 1024;

    /**
     * A punctuation drains batch after batch until this much time has passed, then lets the thread poll and commit:
     * a backlog (after a model finally arrived) must not keep the thread past {@code max.poll.interval.ms}.
     */
    static final Duration DRAIN_BUDGET = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchProcessor.class);

    private final BatchSettings settings;
    private final ModelHolder models;
    private final RolloutHolder rollouts;
    private final ClassifyMetrics metrics;
    private final Clock clock;
    private final ImageDecoder decoder;

    private ProcessorContext<String, Outcome> context;
    private KeyValueStore<Bytes, byte[]> buffer;
    private long buffered;
    /**
     * When each buffered image was parked (the context's wall-clock milliseconds), oldest first, in the order drains
     * take them (a task reads one partition, so parking order is offset order); images restored from the changelog
     * count as overdue.
     */
    private final ArrayDeque<Long> parkedAtMs = new ArrayDeque<>();

    MicroBatchProcessor(BatchSettings settings, ModelHolder models, RolloutHolder rollouts, ClassifyMetrics metrics, Clock clock) {
        this.settings = settings;
        this.models = models;
        this.rollouts = rollouts;
        this.metrics = metrics;
        this.clock = clock;
        this.decoder = new ImageDecoder(settings.limits());
    }

    @Override
    public void init(ProcessorContext<String, Outcome> context) {
        this.context = context;
        this.buffer = context.getStateStore(BUFFER_STORE);
        try (KeyValueIterator<Bytes, byte[]> it = buffer.all()) {
            while (it.hasNext()) {
                it.next();
                buffered++;
                parkedAtMs.addLast(Long.MIN_VALUE);
            }
        }
        metrics.buffered(buffered);
        if (buffered > 0) {
            LOG.info("Task {} resumes with {} buffered images", context.taskId(), buffered);
        }
        // checked four times per maxDelay, so an image waits at most 1.25 maxDelay for a batch that does not fill
        Duration interval = settings.maxDelay().dividedBy(4);
        context.schedule(interval.isZero() ? Duration.ofMillis(1) : interval, PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        RecordMetadata source = context.recordMetadata()
                .orElseThrow(() -> new IllegalStateException("images must come from a source topic"));
        byte[] value = record.value();
        // size checks need no decoding: refuse at once
        int keyBytes = record.key() == null ? 0 : record.key().getBytes(StandardCharsets.UTF_8).length;
        if (keyBytes > MAX_KEY_BYTES) {
            deadLetter(null, copyIfItFits(value), record.timestamp(), source.topic(), source.partition(), source.offset(),
                    DeadLetterReason.KEY_TOO_LONG, "image id (record key) of " + keyBytes + " bytes, limit is " + MAX_KEY_BYTES
                            + "; the key is not copied" + (fits(value) ? "" : ", nor the value: read it at the source offset"));
            return;
        }
        if (value == null || value.length == 0) {
            deadLetter(record.key(), value, record.timestamp(), source.topic(), source.partition(), source.offset(),
                    DeadLetterReason.EMPTY, "image has no bytes");
            return;
        }
        if (value.length > settings.limits().maxBytes()) {
            deadLetter(record.key(), copyIfItFits(value), record.timestamp(), source.topic(), source.partition(), source.offset(),
                    DeadLetterReason.TOO_LARGE, "image has " + value.length + " bytes, limit is " + settings.limits().maxBytes()
                            + (fits(value) ? "" : "; too large to copy here, read it at the source offset"));
            return;
        }
        PendingImage pending = new PendingImage(record.key(), value, source.topic(), source.partition(), source.offset(),
                record.timestamp(), epochNanos(clock.instant()));
        buffer.put(Bytes.wrap(pending.bufferKey()), pending.encode());
        buffered++;
        parkedAtMs.addLast(context.currentSystemTimeMs());
        metrics.buffered(1);
        if (buffered >= settings.maxSize()) {
            drainOrFail();
        }
    }

    private void punctuate(long wallClockMs) {
        long deadline = System.nanoTime() + DRAIN_BUDGET.toNanos();
        boolean drained;
        do {
            drained = overdue(wallClockMs) && drainOrFail();
        } while (drained && System.nanoTime() < deadline);
    }

    /** Whether a batch is full or its oldest image has waited {@code maxDelay}. */
    private boolean overdue(long nowMs) {
        if (buffered <= 0) {
            return false;
        }
        Long oldest = parkedAtMs.peekFirst();
        return buffered >= settings.maxSize() || oldest == null || oldest == Long.MIN_VALUE
                || nowMs - oldest >= settings.maxDelay().toMillis();
    }

    /** Forgets the parking times of {@code n} images that left the buffer (drained or unreadable), oldest first. */
    private void left(int n) {
        for (int i = 0; i < n && !parkedAtMs.isEmpty(); i++) {
            parkedAtMs.removeFirst();
        }
    }

    /**
     * A drain that fails half way has forwarded some outcomes and deleted none of its keys. It must not be mistaken
     * for a failure of the record being processed (that record is safely buffered): {@link DrainFailedException} makes
     * the task fail, so under exactly_once_v2 the transaction aborts and the drain is redone from the committed state.
     */
    private boolean drainOrFail() {
        try {
            return drainBatch();
        } catch (RuntimeException e) {
            throw new DrainFailedException(context.taskId().toString(), e);
        }
    }

    private boolean fits(byte[] value) {
        return value == null || value.length <= settings.changelogMaxMessageBytes() - DEAD_LETTER_ROOM;
    }

    private byte[] copyIfItFits(byte[] value) {
        return fits(value) ? value : null;
    }

    /** Classifies the oldest images of the buffer, up to one batch. @return false if nothing could be drained */
    private boolean drainBatch() {
        Optional<ModelLease> acquired = models.acquire();
        if (acquired.isEmpty()) {
            return false;
        }
        try (ModelLease lease = acquired.get(); RolloutLease rollout = rollouts.acquire()) {
            List<KeyValue<Bytes, PendingImage>> drained = oldest(settings.maxSize());
            if (drained.isEmpty()) {
                metrics.buffered(-buffered);
                buffered = 0;
                parkedAtMs.clear();
                return false;
            }
            classify(lease, rollout, drained);
            for (KeyValue<Bytes, PendingImage> kv : drained) {
                buffer.delete(kv.key);
            }
            buffered -= drained.size();
            left(drained.size());
            metrics.buffered(-drained.size());
            return true;
        }
    }

    private List<KeyValue<Bytes, PendingImage>> oldest(int max) {
        List<KeyValue<Bytes, PendingImage>> out = new ArrayList<>(max);
        List<Bytes> unreadable = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = buffer.all()) {
            while (it.hasNext() && out.size() < max) {
                KeyValue<Bytes, byte[]> kv = it.next();
                try {
                    out.add(KeyValue.pair(kv.key, PendingImage.decode(kv.value)));
                } catch (IllegalArgumentException e) {
                    unreadable.add(kv.key);
                    LOG.error("Dropping an unreadable entry of the image buffer of task {}: {}", context.taskId(), e.getMessage());
                }
            }
        }
        for (Bytes key : unreadable) {
            buffer.delete(key);
        }
        buffered -= unreadable.size();
        left(unreadable.size());
        metrics.buffered(-unreadable.size());
        return out;
    }

    /**
     * Per-image work first (failures go to the DLQ), then one backbone pass for the images that survived it, feeding
     * the active head and every canary and shadow head. A canary image is served the canary's answer; shadow answers
     * go to the shadow topic only; every head's label goes on to label feedback.
     */
    private void classify(ModelLease lease, RolloutLease rollout, List<KeyValue<Bytes, PendingImage>> drained) {
        Classifier classifier = lease.classifier();
        PreprocessingSpec spec = classifier.version().preprocessing();
        Preprocessor preprocessor = new Preprocessor(spec, decoder);
        List<PendingImage> images = new ArrayList<>(drained.size());
        List<float[]> inputs = new ArrayList<>(drained.size());
        for (KeyValue<Bytes, PendingImage> kv : drained) {
            PendingImage image = kv.value;
            try {
                inputs.add(preprocessor.fromEncoded(image.value()));
                images.add(image);
            } catch (ImageRejectedException e) {
                deadLetter(image, DeadLetterReason.of(e.reason()), e.getMessage());
            } catch (RuntimeException e) {
                deadLetter(image, DeadLetterReason.PREPROCESSING_FAILED, e.toString());
            }
        }
        if (images.isEmpty()) {
            return;
        }
        // head 0 is the active one, then the canary (if any), then the shadows
        List<ModelLease> heads = new ArrayList<>();
        heads.add(lease);
        rollout.canary().ifPresent(heads::add);
        heads.addAll(rollout.shadows());
        int firstShadow = rollout.canary().isPresent() ? 2 : 1;
        long start = System.nanoTime();
        List<Prediction[]> predictions = forwardPass(heads, spec, images, inputs);
        metrics.batch(images.size(), System.nanoTime() - start);
        Instant now = clock.instant();
        long nowNanos = epochNanos(now);
        List<PredictionEvent.ModelRef> refs = heads.stream().map(h -> modelRef(h.model())).toList();
        long active = lease.model().version();
        int predicted = 0;
        int[] agreed = new int[heads.size()];
        int[] servedBy = new int[2];
        for (int i = 0; i < images.size(); i++) {
            PendingImage image = images.get(i);
            Prediction[] p = predictions.get(i);
            if (p == null) {
                continue;
            }
            long latency = nowNanos - image.arrivalEpochNanos();
            var source = new PredictionEvent.SourceRef(image.topic(), image.partition(), image.offset());
            int served = rollout.canaryServes(image.imageId()) ? 1 : 0;
            servedBy[served]++;
            PredictionEvent event = event(image, p[served], refs.get(served), source, latency, now);
            List<PredictionEvent> shadows = new ArrayList<>(heads.size() - firstShadow);
            Map<Long, String> votes = new HashMap<>();
            for (int h = 0; h < heads.size(); h++) {
                votes.put(refs.get(h).version(), p[h].label());
                metrics.confidence(role(h, firstShadow), refs.get(h).version(), p[h].confidence());
                if (p[h].label().equals(p[0].label())) {
                    agreed[h]++;
                }
                if (h >= firstShadow) {
                    shadows.add(event(image, p[h], refs.get(h), source, latency, now));
                }
            }
            HeadVotes headVotes = new HeadVotes(lease.model().name(), active, refs.get(served).version(), votes, now);
            context.forward(new Record<String, Outcome>(image.imageId(), new Predicted(event, shadows, headVotes),
                    image.timestamp(), new RecordHeaders()));
            metrics.latency(latency);
            predicted++;
        }
        metrics.predicted(predicted);
        metrics.served("active", active, servedBy[0]);
        if (firstShadow == 2) {
            metrics.served("canary", refs.get(1).version(), servedBy[1]);
        }
        for (int h = 1; h < heads.size(); h++) {
            metrics.agreement(role(h, firstShadow), refs.get(h).version(), agreed[h], predicted);
        }
    }

    private static String role(int head, int firstShadow) {
        return head == 0 ? "active" : head < firstShadow ? "canary" : "shadow";
    }

    private static PredictionEvent.ModelRef modelRef(ActiveModel model) {
        return new PredictionEvent.ModelRef(model.name(), model.version(), model.backboneFingerprint());
    }

    private static PredictionEvent event(PendingImage image, Prediction p, PredictionEvent.ModelRef model,
                                         PredictionEvent.SourceRef source, long latencyNanos, Instant now) {
        return new PredictionEvent(image.imageId(), p.label(), p.confidence(), p.topK(), model, source, latencyNanos / 1e6, now);
    }

    /**
     * One pass for the batch (one backbone pass, then every head); if it fails, one pass per image so that a single
     * poisonous input is dead-lettered instead of its whole batch. An entry is null where the image was dead-lettered,
     * else it holds each head's prediction in the order of {@code heads}.
     */
    private List<Prediction[]> forwardPass(List<ModelLease> heads, PreprocessingSpec spec, List<PendingImage> images, List<float[]> inputs) {
        List<Classifier> classifiers = heads.stream().map(ModelLease::classifier).toList();
        try (INDArray batch = Batch.of(spec, inputs)) {
            return perImage(classifiers, Classifier.probabilitiesOfEach(classifiers, batch), images.size());
        } catch (RuntimeException batchFailure) {
            LOG.warn("Forward pass of {} images with {} failed, retrying one by one: {}", images.size(),
                    classifiers.get(0).version().id(), batchFailure.toString());
        }
        List<Prediction[]> out = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            try (INDArray single = Batch.of(spec, List.of(inputs.get(i)))) {
                out.add(perImage(classifiers, Classifier.probabilitiesOfEach(classifiers, single), 1).get(0));
            } catch (RuntimeException e) {
                deadLetter(images.get(i), DeadLetterReason.INFERENCE_FAILED, e.toString());
                out.add(null);
            }
        }
        return out;
    }

    private List<Prediction[]> perImage(List<Classifier> classifiers, List<float[][]> probabilities, int n) {
        List<Prediction[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Prediction[classifiers.size()]);
        }
        for (int h = 0; h < classifiers.size(); h++) {
            List<Prediction> p = classifiers.get(h).predictions(probabilities.get(h), settings.topK());
            for (int i = 0; i < n; i++) {
                out.get(i)[h] = p.get(i);
            }
        }
        return out;
    }

    private void deadLetter(PendingImage image, DeadLetterReason reason, String message) {
        deadLetter(image.key(), image.value(), image.timestamp(), image.topic(), image.partition(), image.offset(), reason, message);
    }

    private void deadLetter(String key, byte[] value, long timestamp, String topic, int partition, long offset,
                            DeadLetterReason reason, String message) {
        LOG.debug("Dead-lettering {}-{}-{}: {} ({})", topic, partition, offset, reason, message);
        context.forward(new Record<String, Outcome>(key, new DeadLettered(value), timestamp,
                DeadLetters.headers(reason, message, topic, partition, offset)));
        metrics.deadLettered(reason.code());
    }

    @Override
    public void close() {
        metrics.buffered(-buffered);
        buffered = 0;
        parkedAtMs.clear();
    }

    private static long epochNanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
