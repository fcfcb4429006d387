package dev.streamclassify.streams.batching;

import dev.streamclassify.streams.wire.Outcome;
import dev.streamclassify.model.image.ImageDecoder;
import dev.streamclassify.model.image.ImageRejectedException;
import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Batch;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.inference.Rows;
import dev.streamclassify.streams.features.ImageFeatureCache;
import dev.streamclassify.streams.inference.InferenceLanes;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Classifies images in batches without losing any (DESIGN.md trap 1). {@link #process} only parks an image in a
 * changelogged store, because Kafka Streams may commit its offset as soon as {@code process} returns; the store is
 * drained when it holds a full batch, and by a wall-clock punctuator once its oldest image has waited {@code maxDelay}.
 * Only the oldest image's wait counts: a punctuator that drained whatever was buffered whenever it came due made
 * batches of 1-2 images on MobileNetV2, because a slow forward pass leaves the punctuator due again by the time the
 * stream thread has parked the next image, and small batches are slower still (docs/benchmarks.md).
 *
 * <p>A drain does the per-image work (cache look-up, decoding) of its batch on the stream thread, then hands the batch
 * to the task's inference lane and returns; the next drain prepares its batch while that pass runs, and only then
 * waits for it. A batch's outcomes are forwarded before its keys are deleted, so a crash at any point replays rather
 * than drops (and under exactly_once_v2 the outputs, deletes and offsets commit together); a batch still on the lane
 * at a commit is simply still buffered.
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

    /** Waiting images kept in memory besides the store, in batches. */
    static final int PARKED_MAX_BATCHES = 4;

    /** Batches of one task on its lane at once: one running, one queued behind it. */
    static final int LANE_DEPTH = 2;

    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchProcessor.class);

    private final BatchSettings settings;
    private final ModelHolder models;
    private final RolloutHolder rollouts;
    private final ClassifyMetrics metrics;
    private final Clock clock;
    private final ImageDecoder decoder;
    private final ImageFeatureCache cache;
    private final InferenceLanes.Lane lane;
    /**
     * Batches handed to the lane and not yet forwarded, oldest first: at most {@link #LANE_DEPTH}, so the lane has the
     * next batch queued when a pass ends instead of idling until this thread comes back. Their images are still buffered.
     */
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();

    private ProcessorContext<String, Outcome> context;
    private KeyValueStore<Bytes, byte[]> buffer;
    private long buffered;
    /**
     * When each waiting image (buffered, not on the lane) was parked (the context's wall-clock milliseconds), oldest
     * first, in the order drains take them (a task reads one partition, so parking order is offset order); images
     * restored from the changelog count as overdue.
     */
    private final ArrayDeque<Long> parkedAtMs = new ArrayDeque<>();
    /**
     * The waiting images themselves, oldest first, while {@code parkedComplete}: drains then take them from here instead
     * of iterating and decoding the store (a tenth of the stream thread's time on the default backbone). Bounded by
     * {@link #PARKED_MAX_BATCHES} batches; beyond that, and for images restored from the changelog, the store is read.
     */
    private final ArrayDeque<KeyValue<Bytes, PendingImage>> parked = new ArrayDeque<>();
    private boolean parkedComplete = true;

    MicroBatchProcessor(BatchSettings settings, ModelHolder models, RolloutHolder rollouts, ClassifyMetrics metrics, Clock clock,
                        ImageFeatureCache cache, InferenceLanes.Lane lane) {
        this.settings = settings;
        this.lane = lane;
        this.cache = cache;
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
        parkedComplete = buffered == 0;
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
        Bytes key = Bytes.wrap(pending.bufferKey());
        buffer.put(key, pending.encode());
        if (parkedComplete && parked.size() < PARKED_MAX_BATCHES * settings.maxSize()) {
            parked.addLast(KeyValue.pair(key, pending));
        } else {
            parkedComplete = false;
            parked.clear();
        }
        buffered++;
        parkedAtMs.addLast(context.currentSystemTimeMs());
        metrics.buffered(1);
        finishDoneOrFail();
        if (parkedAtMs.size() >= settings.maxSize()) {
            drainOrFail();
        }
    }

    private void punctuate(long wallClockMs) {
        long deadline = System.nanoTime() + DRAIN_BUDGET.toNanos();
        finishDoneOrFail();
        boolean drained;
        do {
            drained = overdue(wallClockMs) && drainOrFail();
        } while (drained && System.nanoTime() < deadline);
    }

    /**
     * Whether a batch is full, or its oldest waiting image has waited {@code maxDelay} and this task has no batch on
     * the lane: a partial batch taken while one runs would only queue behind it, so under load batches grow instead.
     */
    private boolean overdue(long nowMs) {
        Long oldest = parkedAtMs.peekFirst();
        if (oldest == null) {
            return false;
        }
        if (parkedAtMs.size() >= settings.maxSize()) {
            return true;
        }
        return inFlight.isEmpty() && (oldest == Long.MIN_VALUE || nowMs - oldest >= settings.maxDelay().toMillis());
    }

    /** Forgets the parking times of {@code n} images that stopped waiting (taken or unreadable), oldest first. */
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

    private void finishDoneOrFail() {
        try {
            finishDone();
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

    /**
     * Takes the oldest waiting images (up to one batch), does their per-image work here, waits for the oldest batch on
     * the lane only if {@link #LANE_DEPTH} are there, and hands this one to the lane; batches whose passes are done are
     * finished on the way. @return false if nothing was taken
     */
    private boolean drainBatch() {
        Optional<ModelLease> acquired = models.acquire();
        if (acquired.isEmpty()) {
            return false;
        }
        ModelLease lease = acquired.get();
        RolloutLease rollout = rollouts.acquire();
        boolean handedOver = false;
        try {
            List<KeyValue<Bytes, PendingImage>> drained = oldest(settings.maxSize());
            if (drained.isEmpty()) {
                long stray = buffered - inFlightSize();
                metrics.buffered(-stray);
                buffered -= stray;
                parkedAtMs.clear();
                parked.clear();
                parkedComplete = true;
                return false;
            }
            left(drained.size());
            Prepared batch = prepare(lease, rollout, drained);
            while (inFlight.size() >= LANE_DEPTH) {
                finishOldest();
            }
            inFlight.addLast(new InFlight(batch, lease, rollout, lane.submit(() -> compute(batch))));
            handedOver = true;
            finishDone();
            return true;
        } finally {
            if (!handedOver) {
                rollout.close();
                lease.close();
            }
        }
    }

    private int inFlightSize() {
        return inFlight.stream().mapToInt(f -> f.batch().drained().size()).sum();
    }

    /** Finishes the batches at the head of the lane's queue whose passes are done, in order. */
    private void finishDone() {
        while (!inFlight.isEmpty() && inFlight.peekFirst().scored().isDone()) {
            finishOldest();
        }
    }

    /**
     * Waits for the batch on the lane, forwards its outcomes and only then deletes its images from the buffer. A pass
     * that failed as a whole (not one image: those are dead-lettered) fails the drain, so the batch is redone.
     */
    private void finishOldest() {
        InFlight done = inFlight.pollFirst();
        if (done == null) {
            return;
        }
        try (ModelLease lease = done.lease(); RolloutLease rollout = done.rollout()) {
            Scored scored;
            if (done.scored().isDone()) {
                scored = done.scored().join();
            } else {
                long start = System.nanoTime();
                scored = done.scored().join();
                metrics.laneWait(System.nanoTime() - start);
            }
            emit(done.batch(), scored);
            for (KeyValue<Bytes, PendingImage> kv : done.batch().drained()) {
                buffer.delete(kv.key);
            }
            buffered -= done.batch().drained().size();
            metrics.buffered(-done.batch().drained().size());
        }
    }

    private List<KeyValue<Bytes, PendingImage>> oldest(int max) {
        if (parkedComplete) {
            List<KeyValue<Bytes, PendingImage>> out = new ArrayList<>(Math.min(max, parked.size()));
            while (out.size() < max && !parked.isEmpty()) {
                out.add(parked.pollFirst());
            }
            return out;
        }
        Set<Bytes> onLane = new HashSet<>();
        inFlight.forEach(f -> f.batch().drained().forEach(kv -> onLane.add(kv.key)));
        List<KeyValue<Bytes, PendingImage>> out = new ArrayList<>(max);
        List<Bytes> unreadable = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = buffer.all()) {
            while (it.hasNext() && out.size() < max) {
                KeyValue<Bytes, byte[]> kv = it.next();
                if (onLane.contains(kv.key)) {
                    continue;
                }
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
        if (parkedAtMs.size() <= out.size()) {
            parkedComplete = true; // this batch takes every waiting image: from now on they are all parked in memory
        }
        return out;
    }

    /**
     * A batch after its per-image work: head 0 is the active one, then the canary (if any), then the shadows; for each
     * feature source the rows the cache knew (the lane fills in the rest); the decoded inputs; {@code alive[i]} false
     * where image i was dead-lettered.
     */
    private record Prepared(List<KeyValue<Bytes, PendingImage>> drained, List<PendingImage> images, List<Classifier> heads,
                            List<PredictionEvent.ModelRef> refs, int firstShadow, Map<String, float[][]> cachedRows,
                            Map<String, Backbone> backbones, ImageFeatureCache.Content[] content, float[][] inputs,
                            boolean[] alive, PreprocessingSpec spec, Predicate<String> canaryServes) {
    }

    /** What the lane made of a batch: the rows it computed per source, each image's predictions, and why an image failed. */
    private record Scored(Map<String, float[][]> computedRows, Prediction[][] predictions, String[] failures) {
    }

    /** A batch handed to a lane, with the leases that keep its model versions open until it is finished. */
    private record InFlight(Prepared batch, ModelLease lease, RolloutLease rollout, CompletableFuture<Scored> scored) {
    }

    /** Per-image work on the stream thread: feature cache look-ups and decoding; failures are dead-lettered now. */
    private Prepared prepare(ModelLease lease, RolloutLease rollout, List<KeyValue<Bytes, PendingImage>> drained) {
        List<ModelLease> leases = new ArrayList<>();
        leases.add(lease);
        rollout.canary().ifPresent(leases::add);
        leases.addAll(rollout.shadows());
        int firstShadow = rollout.canary().isPresent() ? 2 : 1;
        List<Classifier> heads = leases.stream().map(ModelLease::classifier).toList();
        List<PredictionEvent.ModelRef> refs = leases.stream().map(h -> modelRef(h.model())).toList();
        List<PendingImage> images = drained.stream().map(kv -> kv.value).toList();
        int n = images.size();
        Map<String, float[][]> cached = new LinkedHashMap<>();
        Map<String, Backbone> backbones = new HashMap<>();
        for (Classifier c : heads) {
            cached.putIfAbsent(c.featureSource(), new float[n][]);
            backbones.putIfAbsent(c.featureSource(), c.backbone());
        }
        ImageFeatureCache.Content[] content = new ImageFeatureCache.Content[n];
        boolean[] alive = new boolean[n];
        Arrays.fill(alive, true);
        float[][] inputs = new float[n][];
        PreprocessingSpec spec = heads.get(0).version().preprocessing();
        Preprocessor preprocessor = new Preprocessor(spec, decoder);
        for (int i = 0; i < n; i++) {
            boolean needsInput = false;
            if (cache.enabled()) {
                content[i] = ImageFeatureCache.Content.of(images.get(i).value());
            }
            for (var e : cached.entrySet()) {
                if (content[i] != null) {
                    e.getValue()[i] = cache.get(e.getKey(), content[i]).orElse(null);
                }
                needsInput |= e.getValue()[i] == null;
            }
            if (!needsInput) {
                continue;
            }
            try {
                inputs[i] = preprocessor.fromEncoded(images.get(i).value());
            } catch (ImageRejectedException e) {
                deadLetter(images.get(i), DeadLetterReason.of(e.reason()), e.getMessage());
                alive[i] = false;
            } catch (RuntimeException e) {
                deadLetter(images.get(i), DeadLetterReason.PREPROCESSING_FAILED, e.toString());
                alive[i] = false;
            }
        }
        return new Prepared(drained, images, heads, refs, firstShadow, cached, backbones, content, inputs, alive, spec,
                rollout::canaryServes);
    }

    /**
     * On the lane: one backbone pass per feature source over the live images the cache did not know, then every head
     * over the rows. A failing pass is redone one image at a time, so that a single poisonous input fails alone
     * instead of its whole batch (which would be replayed for ever).
     */
    private Scored compute(Prepared batch) {
        int n = batch.images().size();
        String[] failures = new String[n];
        boolean[] alive = batch.alive().clone();
        Map<String, float[][]> computed = new LinkedHashMap<>();
        Map<String, float[][]> rows = new HashMap<>();
        for (var e : batch.cachedRows().entrySet()) {
            float[][] cachedRows = e.getValue();
            float[][] fresh = new float[n][];
            float[][] all = new float[n][];
            List<Integer> missing = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all[i] = cachedRows[i];
                if (alive[i] && cachedRows[i] == null) {
                    missing.add(i);
                }
            }
            if (!missing.isEmpty()) {
                long start = System.nanoTime();
                FeaturePass pass = features(batch.backbones().get(e.getKey()), batch.spec(),
                        missing.stream().map(i -> batch.inputs()[i]).toList());
                metrics.batch(missing.size(), System.nanoTime() - start);
                for (int k = 0; k < missing.size(); k++) {
                    int i = missing.get(k);
                    if (pass.rows()[k] == null) {
                        failures[i] = pass.errors()[k];
                        alive[i] = false;
                    }
                    fresh[i] = pass.rows()[k];
                    all[i] = pass.rows()[k];
                }
            }
            computed.put(e.getKey(), fresh);
            rows.put(e.getKey(), all);
        }
        Prediction[][] out = new Prediction[n][];
        for (int i = 0; i < n; i++) {
            if (alive[i]) {
                out[i] = new Prediction[batch.heads().size()];
            }
        }
        for (int h = 0; h < batch.heads().size(); h++) {
            Classifier c = batch.heads().get(h);
            float[][] sourceRows = rows.get(c.featureSource());
            List<Integer> live = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (out[i] != null) {
                    live.add(i);
                }
            }
            if (live.isEmpty()) {
                break;
            }
            try {
                List<Prediction> p = headPass(c, sourceRows, live);
                for (int k = 0; k < live.size(); k++) {
                    out[live.get(k)][h] = p.get(k);
                }
            } catch (RuntimeException batchFailure) {
                LOG.warn("Head pass of {} images with {} failed, retrying one by one: {}", live.size(), c.version().id(),
                        batchFailure.toString());
                for (int i : live) {
                    try {
                        out[i][h] = headPass(c, sourceRows, List.of(i)).get(0);
                    } catch (RuntimeException e) {
                        failures[i] = e.toString();
                        out[i] = null;
                    }
                }
            }
        }
        return new Scored(computed, out, failures);
    }

    /**
     * Back on the stream thread: new feature rows into the cache, failures to the DLQ, and one prediction per live
     * image. A canary image is served the canary's answer; shadow answers go to the shadow topic only; every head's
     * label goes on to label feedback.
     */
    private void emit(Prepared batch, Scored scored) {
        List<PendingImage> images = batch.images();
        for (var e : scored.computedRows().entrySet()) {
            for (int i = 0; i < images.size(); i++) {
                if (batch.content()[i] != null && e.getValue()[i] != null) {
                    cache.put(e.getKey(), batch.content()[i], e.getValue()[i]);
                }
            }
        }
        for (int i = 0; i < images.size(); i++) {
            if (scored.failures()[i] != null) {
                deadLetter(images.get(i), DeadLetterReason.INFERENCE_FAILED, scored.failures()[i]);
            }
        }
        Prediction[][] predictions = scored.predictions();
        if (Arrays.stream(predictions).allMatch(Objects::isNull)) {
            return; // all dead-lettered: no served, agreement or prediction meters for an empty batch
        }
        List<PredictionEvent.ModelRef> refs = batch.refs();
        int heads = refs.size();
        int firstShadow = batch.firstShadow();
        Instant now = clock.instant();
        long nowNanos = epochNanos(now);
        long active = refs.get(0).version();
        int predicted = 0;
        int[] agreed = new int[heads];
        int[] servedBy = new int[2];
        for (int i = 0; i < images.size(); i++) {
            PendingImage image = images.get(i);
            Prediction[] p = predictions[i];
            if (p == null) {
                continue;
            }
            long latency = nowNanos - image.arrivalEpochNanos();
            var source = new PredictionEvent.SourceRef(image.topic(), image.partition(), image.offset());
            int served = firstShadow == 2 && batch.canaryServes().test(image.imageId()) ? 1 : 0;
            servedBy[served]++;
            PredictionEvent event = event(image, p[served], refs.get(served), source, latency, now);
            List<PredictionEvent> shadows = new ArrayList<>(heads - firstShadow);
            Map<Long, String> votes = new HashMap<>();
            for (int h = 0; h < heads; h++) {
                votes.put(refs.get(h).version(), p[h].label());
                metrics.confidence(role(h, firstShadow), refs.get(h).version(), p[h].confidence());
                if (p[h].label().equals(p[0].label())) {
                    agreed[h]++;
                }
                if (h >= firstShadow) {
                    shadows.add(event(image, p[h], refs.get(h), source, latency, now));
                }
            }
            HeadVotes headVotes = new HeadVotes(refs.get(0).name(), active, refs.get(served).version(), votes, now);
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
        for (int h = 1; h < heads; h++) {
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

    private List<Prediction> headPass(Classifier c, float[][] sourceRows, List<Integer> which) {
        int width = sourceRows[which.get(0)].length;
        float[] flat = new float[which.size() * width];
        for (int k = 0; k < which.size(); k++) {
            System.arraycopy(sourceRows[which.get(k)], 0, flat, k * width, width);
        }
        return c.predictions(c.headProbabilities(flat, which.size()), settings.topK());
    }

    /** Feature rows of a pass; where an image's own pass failed, its row is null and its error says why. */
    private record FeaturePass(float[][] rows, String[] errors) {
    }

    private static FeaturePass features(Backbone backbone, PreprocessingSpec spec, List<float[]> inputs) {
        String[] errors = new String[inputs.size()];
        try {
            return new FeaturePass(features(backbone, spec, inputs, inputs.size()), errors);
        } catch (RuntimeException batchFailure) {
            LOG.warn("Backbone pass of {} images on {} failed, retrying one by one: {}", inputs.size(),
                    backbone.info().name(), batchFailure.toString());
        }
        float[][] rows = new float[inputs.size()][];
        for (int i = 0; i < inputs.size(); i++) {
            try {
                rows[i] = features(backbone, spec, List.of(inputs.get(i)), 1)[0];
            } catch (RuntimeException e) {
                errors[i] = e.toString();
            }
        }
        return new FeaturePass(rows, errors);
    }

    private static float[][] features(Backbone backbone, PreprocessingSpec spec, List<float[]> inputs, int n) {
        float[] flat;
        try (INDArray batch = Batch.of(spec, inputs)) {
            INDArray features = backbone.features(batch);
            try {
                flat = Rows.flat(features);
            } finally {
                if (features.closeable()) {
                    features.close(); // a few hundred KB of native memory: back now, not at some later collection
                }
            }
        }
        int width = flat.length / n;
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(flat, i * width, (i + 1) * width);
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

    /**
     * A batch still on the lane is waited for (its pass uses the model leases) and dropped: its images stay in the
     * buffer's changelog, so whoever owns the task next classifies them, and nothing was forwarded for them yet.
     */
    @Override
    public void close() {
        for (InFlight dropped = inFlight.pollFirst(); dropped != null; dropped = inFlight.pollFirst()) {
            try (ModelLease lease = dropped.lease(); RolloutLease rollout = dropped.rollout()) {
                dropped.scored().handle((scored, failure) -> null).join();
            }
        }
        metrics.buffered(-buffered);
        buffered = 0;
        parkedAtMs.clear();
        parked.clear();
        parkedComplete = true;
    }

    private static long epochNanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
