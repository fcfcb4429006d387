package dev.streamclassify.streams.models;

import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.catalog.Activation;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.service.FollowingConsumer;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Follows the models topic on its own thread and keeps the {@link ModelHolder} serving the right version of one
 * model: the version of the latest activation, or, while no activation exists, the highest version that loads.
 * Every instance reads the whole topic (no consumer group), so every instance serves the same version.
 *
 * <p>A version is decoded, validated against the backbone, loaded and warmed up here, off the stream threads, and
 * only then swapped in. A refused version is logged with its reason and counted in
 * {@value ClassifyMetrics#MODEL_REJECTED}; the previous version keeps serving. Raw bytes of every version are kept
 * (heads are small), so a rollback needs no re-read.
 *
 * <p>Thread-safe to start, query and close; owns its consumer, not the backbone nor the holder.
 */
public final class ModelWatcher implements AutoCloseable {

    /** Short, so that an activation is acted on well within a second. */
    static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    /** A fine-tuned version may carry backbone layers: tens of MB in one record. */
    static final int FETCH_BYTES = 64 * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ModelWatcher.class);

    /** Which model to follow on which topic, and the batch size to warm a new version up with. */
    public record Settings(String modelsTopic, String modelName, int warmUpBatchSize) {
        public Settings {
            Objects.requireNonNull(modelsTopic, "modelsTopic");
            Objects.requireNonNull(modelName, "modelName");
            if (warmUpBatchSize < 1) {
                throw new IllegalArgumentException("warmUpBatchSize must be >= 1");
            }
        }
    }

    private final Settings settings;
    private final Backbone backbone;
    private final ModelHolder holder;
    private final ClassifyMetrics metrics;
    private final ModelVersionCodec codec = new ModelVersionCodec();
    private final FollowingConsumer follower;

    // state of the watcher thread only
    private final NavigableMap<Long, byte[]> versions = new TreeMap<>();
    private final Map<Long, byte[]> refused = new HashMap<>();
    private Activation activation;
    private long servedVersion;
    private byte[] servedBytes;
    private long waitingFor;

    /**
     * @param consumerProperties connection settings (bootstrap servers, security); the watcher sets the rest
     */
    public ModelWatcher(Settings settings, Map<String, Object> consumerProperties, Backbone backbone, ModelHolder holder,
                        ClassifyMetrics metrics) {
        this.settings = settings;
        this.backbone = backbone;
        this.holder = holder;
        this.metrics = metrics;
        String name = "model-watcher-" + settings.modelName();
        this.follower = new FollowingConsumer(name, settings.modelsTopic(), watcherConsumer(consumerProperties, name), this::follow);
    }

    private static Map<String, Object> watcherConsumer(Map<String, Object> base, String name) {
        Object clientId = base.get(ConsumerConfig.CLIENT_ID_CONFIG);
        Map<String, Object> p = FollowingConsumer.consumerProperties(base, (clientId == null ? "" : clientId + "-") + name, FETCH_BYTES);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return p;
    }

    public void start() {
        follower.start();
    }

    /** The version serving now, if any. */
    public Optional<ActiveModel> current() {
        return holder.current();
    }

    /** Blocks until a version serves or {@code timeout} passes. */
    public Optional<ActiveModel> awaitModel(Duration timeout) throws InterruptedException {
        return holder.awaitModel(timeout);
    }

    /** Why the watcher thread stopped for good, if it did: then no new version will ever be loaded. */
    public Optional<Throwable> failure() {
        return follower.failure();
    }

    private void follow(Consumer<String, byte[]> c, List<TopicPartition> partitions) {
        c.seekToBeginning(partitions);
        // a reconnect re-reads the topic: compaction may have dropped what was seen before
        versions.clear();
        activation = null;
        Map<TopicPartition, Long> end = c.endOffsets(partitions);
        boolean caughtUp = false;
        LOG.info("Following model {} on {} ({} partitions, {} records to catch up on)", settings.modelName(),
                settings.modelsTopic(), partitions.size(), end.values().stream().mapToLong(Long::longValue).sum());
        while (follower.running()) {
            var records = c.poll(POLL_TIMEOUT);
            for (ConsumerRecord<String, byte[]> r : records) {
                apply(r);
            }
            // during catch-up, loading every historic version in turn would only waste time
            boolean wasCaughtUp = caughtUp;
            caughtUp = caughtUp || partitions.stream().allMatch(tp -> c.position(tp) >= end.getOrDefault(tp, 0L));
            if (caughtUp && (!records.isEmpty() || !wasCaughtUp)) {
                reconcile();
            }
        }
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        Optional<ModelsTopic.Key> parsed = ModelsTopic.parse(r.key());
        if (parsed.isEmpty()) {
            metrics.modelRecordIgnored("unparseable-key");
            LOG.debug("Ignoring record {}-{}-{} with key '{}'", r.topic(), r.partition(), r.offset(), r.key());
            return;
        }
        ModelsTopic.Key key = parsed.get();
        if (!key.model().equals(settings.modelName())) {
            return;
        }
        if (key instanceof ModelsTopic.VersionKey v) {
            if (r.value() == null) {
                versions.remove(v.version());
            } else {
                versions.put(v.version(), r.value());
            }
        } else if (key instanceof ModelsTopic.ActivationKey) {
            if (r.value() == null) {
                activation = null;
                return;
            }
            try {
                Activation a = Activation.fromJson(r.value());
                if (!a.model().equals(settings.modelName())) {
                    throw new IOException("activation for model " + a.model() + " under the key of " + settings.modelName());
                }
                activation = a;
            } catch (IOException e) {
                metrics.modelRecordIgnored("invalid-activation");
                LOG.warn("Ignoring activation record {}-{}-{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
            }
        }
    }

    /** Brings the served version in line with the catalog; a no-op when it already is. */
    private void reconcile() {
        List<Long> candidates;
        if (activation != null) {
            long wanted = activation.version();
            if (!versions.containsKey(wanted)) {
                if (waitingFor != wanted) {
                    waitingFor = wanted;
                    LOG.warn("Activation {} points to {}:v{}, which is not on {}; keeping the current version until it is",
                            activation.requestId(), settings.modelName(), wanted, settings.modelsTopic());
                }
                return;
            }
            candidates = List.of(wanted);
        } else {
            candidates = new ArrayList<>(versions.descendingKeySet());
        }
        for (long v : candidates) {
            byte[] bytes = versions.get(v);
            if (v == servedVersion && Arrays.equals(bytes, servedBytes)) {
                return;
            }
            if (Arrays.equals(refused.get(v), bytes)) {
                continue;
            }
            if (load(v, bytes)) {
                return;
            }
        }
    }

    private boolean load(long version, byte[] bytes) {
        long start = System.nanoTime();
        String id = settings.modelName() + ":v" + version;
        Classifier classifier = null;
        try {
            ModelVersion mv = codec.decode(bytes);
            if (!mv.name().equals(settings.modelName()) || mv.version() != version) {
                throw new ArtifactException(ArtifactException.Reason.INVALID_METADATA,
                        "record key names " + id + " but the artifact is " + mv.id());
            }
            classifier = Classifier.load(mv, backbone);
            classifier.warmUp(settings.warmUpBatchSize());
        } catch (ArtifactException e) {
            refuse(version, bytes, e.reason().code(), e.getMessage());
            return false;
        } catch (RuntimeException | LinkageError e) {
            // native and class-loading failures of one version must not end the watcher
            if (classifier != null) {
                classifier.close();
            }
            refuse(version, bytes, "load-failed", e.toString());
            return false;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        Optional<ActiveModel> previous;
        try {
            previous = holder.swap(classifier);
        } catch (IllegalStateException e) {
            LOG.info("Not switching to {}: shutting down", id);
            return true;
        }
        servedVersion = version;
        servedBytes = bytes;
        metrics.modelSwapped(version, took);
        LOG.info("Now serving {} (previously {}); loaded and warmed up in {} ms", id,
                previous.map(ActiveModel::id).orElse("none"), took.toMillis());
        return true;
    }

    private void refuse(long version, byte[] bytes, String reason, String message) {
        refused.put(version, bytes);
        metrics.modelRejected(reason);
        LOG.warn("Refused {}:v{} ({}): {}; still serving {}", settings.modelName(), version, reason, message,
                holder.current().map(ActiveModel::id).orElse("nothing"));
    }

    /** Stops following the topic. The holder, and the version it serves, stay with their owner. */
    @Override
    public void close() {
        follower.close();
    }
}
