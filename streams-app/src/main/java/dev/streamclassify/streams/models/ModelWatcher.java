package dev.streamclassify.streams.models;

import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.catalog.Activation;
import dev.streamclassify.model.catalog.Canary;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.catalog.ServingRule;
import dev.streamclassify.model.catalog.Shadow;
import dev.streamclassify.model.catalog.VersionStore;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.signing.TrustedKeys;
import dev.streamclassify.model.signing.VersionSignature;
import dev.streamclassify.service.FollowingConsumer;
import dev.streamclassify.streams.inference.InferenceLanes;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Follows the models topic on its own thread and keeps the {@link ModelHolder} serving the right version of one
 * model: the version of the latest activation, or, while no activation exists, the highest version that loads.
 * Every instance reads the whole topic (no consumer group), so every instance serves the same version.
 *
 * <p>A version's signature is verified against the trusted keys before any byte of it is parsed; then it is decoded,
 * validated against the backbone, loaded and warmed up on a canary batch here, off the stream threads, and only then
 * swapped in. A refused version is logged with its reason and counted in {@value ClassifyMetrics#MODEL_REJECTED}; the
 * previous version keeps serving. When nothing serves yet and the activated version is refused or missing, the newest
 * version that loads serves instead ({@value ClassifyMetrics#MODEL_FALLBACKS}), so a bad activation cannot leave a
 * restarted instance without a model. Versions wait in a {@link VersionStore} on disk, one on the heap at a time;
 * a second record with other bytes under a version key is refused ({@code version-conflict}). No record can stop the
 * watcher: any failure while handling one is logged and counted ({@value ClassifyMetrics#MODEL_WATCHER_ERRORS}).
 *
 * <p>Beside the active version it keeps the {@link RolloutHolder} running what the {@code shadow/} and {@code canary/}
 * records ask for, loaded and refused the same way; never the active version itself, so activating the canary simply
 * makes it serve everyone.
 *
 * <p>Thread-safe to start, query and close; owns its consumer and store, not the backbone nor the holder.
 */
public final class ModelWatcher implements AutoCloseable {

    /** Short, so that an activation is acted on well within a second. */
    static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

    private static final Logger LOG = LoggerFactory.getLogger(ModelWatcher.class);

    /** Which model to follow on which topic, whose signatures to trust, and the batch size to warm a version up with. */
    public record Settings(String modelsTopic, String modelName, int warmUpBatchSize, TrustedKeys trust) {
        public Settings {
            Objects.requireNonNull(modelsTopic, "modelsTopic");
            Objects.requireNonNull(modelName, "modelName");
            Objects.requireNonNull(trust, "trust");
            if (warmUpBatchSize < 1) {
                throw new IllegalArgumentException("warmUpBatchSize must be >= 1");
            }
        }
    }

    /**
     * Warm-ups per inference lane before a version serves: a thread's first passes on a backbone run up to 4x slower
     * than its later ones (docs/benchmarks.md), and the first records after a swap should not pay for that.
     */
    static final int LANE_WARM_UP_PASSES = 8;

    /** How a decoded version becomes a classifier: {@link Classifier#load} outside tests. */
    @FunctionalInterface
    interface Loader {
        Classifier load(ModelVersion version, Backbone backbone) throws ArtifactException;
    }

    private final Settings settings;
    private final Loader loader;
    private InferenceLanes lanes = InferenceLanes.inline();
    private final Backbone backbone;
    private final ModelHolder holder;
    private final ClassifyMetrics metrics;
    private final ModelVersionCodec codec = new ModelVersionCodec();
    private final FollowingConsumer follower;
    private final VersionStore store;
    private final RolloutHolder rollouts;

    // state of the watcher thread only
    private final Map<Long, String> refused = new HashMap<>();
    private Activation activation;
    private Shadow shadow;
    private Canary canary;
    private String rolloutInForce = "canary none, shadows []";
    private String servedSha;
    private long waitingFor;

    /**
     * @param consumerProperties connection settings (bootstrap servers, security); the watcher sets the rest
     */
    public ModelWatcher(Settings settings, Map<String, Object> consumerProperties, Backbone backbone, ModelHolder holder,
                        ClassifyMetrics metrics) {
        this(settings, consumerProperties, backbone, holder, new RolloutHolder(), metrics, Classifier::load);
    }

    /** @param rollouts where the canary and shadow versions of the models topic are loaded; stays with its owner */
    public ModelWatcher(Settings settings, Map<String, Object> consumerProperties, Backbone backbone, ModelHolder holder,
                        RolloutHolder rollouts, ClassifyMetrics metrics) {
        this(settings, consumerProperties, backbone, holder, rollouts, metrics, Classifier::load);
    }

    /** @param lanes where the app's forward passes run: every version is warmed up on each before it serves */
    public ModelWatcher(Settings settings, Map<String, Object> consumerProperties, Backbone backbone, ModelHolder holder,
                        RolloutHolder rollouts, ClassifyMetrics metrics, InferenceLanes lanes) {
        this(settings, consumerProperties, backbone, holder, rollouts, metrics, Classifier::load);
        this.lanes = lanes;
    }

    ModelWatcher(Settings settings, Map<String, Object> consumerProperties, Backbone backbone, ModelHolder holder,
                 ClassifyMetrics metrics, Loader loader) {
        this(settings, consumerProperties, backbone, holder, new RolloutHolder(), metrics, loader);
    }

    ModelWatcher(Settings settings, Map<String, Object> consumerProperties, Backbone backbone, ModelHolder holder,
                 RolloutHolder rollouts, ClassifyMetrics metrics, Loader loader) {
        this.settings = settings;
        this.rollouts = rollouts;
        this.loader = loader;
        this.backbone = backbone;
        this.holder = holder;
        this.metrics = metrics;
        String name = "model-watcher-" + settings.modelName();
        this.store = VersionStore.temporary("streamclassify-" + name + "-");
        this.follower = new FollowingConsumer(name, settings.modelsTopic(), watcherConsumer(consumerProperties, name), this::follow);
        if (settings.trust().allowsUnsigned()) {
            LOG.warn("UNSIGNED MODEL VERSIONS ARE ACCEPTED (development setting): anyone who can write to {} decides what "
                    + "this service serves. Trusted keys: {}", settings.modelsTopic(), settings.trust().keyIds());
        }
    }

    private static Map<String, Object> watcherConsumer(Map<String, Object> base, String name) {
        Object clientId = base.get(ConsumerConfig.CLIENT_ID_CONFIG);
        Map<String, Object> p = FollowingConsumer.consumerProperties(base, (clientId == null ? "" : clientId + "-") + name, ModelsTopic.MAX_RECORD_BYTES);
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
        // a reconnect re-reads the topic; the store keeps what it has (versions are immutable, tombstones re-apply)
        c.seekToBeginning(partitions);
        activation = null;
        shadow = null;
        canary = null;
        Map<TopicPartition, Long> end = c.endOffsets(partitions);
        boolean caughtUp = false;
        LOG.info("Following model {} on {} ({} partitions, {} records to catch up on)", settings.modelName(),
                settings.modelsTopic(), partitions.size(), end.values().stream().mapToLong(Long::longValue).sum());
        while (follower.running()) {
            var records = c.poll(POLL_TIMEOUT);
            for (ConsumerRecord<String, byte[]> r : records) {
                try {
                    apply(r);
                } catch (Exception | Error e) {
                    watcherError("record " + r.topic() + "-" + r.partition() + "@" + r.offset(), e);
                }
            }
            // during catch-up, loading every historic version in turn would only waste time
            boolean wasCaughtUp = caughtUp;
            caughtUp = caughtUp || partitions.stream().allMatch(tp -> c.position(tp) >= end.getOrDefault(tp, 0L));
            if (caughtUp && (!records.isEmpty() || !wasCaughtUp)) {
                try {
                    reconcile();
                } catch (Exception | Error e) {
                    watcherError("choosing the version to serve", e);
                }
                try {
                    reconcileRollout();
                } catch (Exception | Error e) {
                    watcherError("choosing the canary and shadow versions", e);
                }
            }
        }
    }

    private void watcherError(String what, Throwable e) {
        metrics.modelWatcherError();
        LOG.error("Model watcher failed on {}; carrying on, still serving {}", what,
                holder.current().map(ActiveModel::id).orElse("nothing"), e);
    }

    private void apply(ConsumerRecord<String, byte[]> r) throws IOException {
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
                store.remove(v.model(), v.version());
                return;
            }
            VersionSignature signature = VersionSignature.fromHeaders(lastHeader(r, VersionSignature.KEY_ID_HEADER),
                    lastHeader(r, VersionSignature.HEADER));
            if (store.put(v.model(), v.version(), r.value(), signature) == VersionStore.Put.CONFLICT) {
                metrics.modelRejected(ArtifactException.Reason.VERSION_CONFLICT.code());
                LOG.error("Refused a second, different record for {}:v{} at {}-{}@{}: versions are immutable, the first "
                        + "one stays", v.model(), v.version(), r.topic(), r.partition(), r.offset());
            }
        } else if (key instanceof ModelsTopic.ShadowKey) {
            shadow = r.value() == null ? null : rolloutRecord(r, Shadow::fromJson, Shadow::model);
        } else if (key instanceof ModelsTopic.CanaryKey) {
            canary = r.value() == null ? null : rolloutRecord(r, Canary::fromJson, Canary::model);
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
                // an activation ends shadow and canary, also when it was written without their tombstones
                shadow = null;
                canary = null;
            } catch (IOException e) {
                metrics.modelRecordIgnored("invalid-activation");
                LOG.warn("Ignoring activation record {}-{}-{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
            }
        }
    }

    private interface Parser<T> {
        T parse(byte[] json) throws IOException;
    }

    /** A shadow or canary record, or null (no shadow, no canary) if it is not valid: a bad record ends it. */
    private <T> T rolloutRecord(ConsumerRecord<String, byte[]> r, Parser<T> parser, java.util.function.Function<T, String> model) {
        try {
            T t = parser.parse(r.value());
            if (!model.apply(t).equals(settings.modelName())) {
                throw new IOException("record for model " + model.apply(t) + " under the key of " + settings.modelName());
            }
            return t;
        } catch (IOException e) {
            metrics.modelRecordIgnored("invalid-rollout");
            LOG.warn("Ignoring {} at {}-{}-{}: {}", r.key(), r.topic(), r.partition(), r.offset(), e.getMessage());
            return null;
        }
    }

    /**
     * Loads the canary and shadow versions the topic asks for (never the serving version itself) and drops the others.
     * A version that cannot serve is refused as it would be for activation, and simply not run.
     */
    private void reconcileRollout() {
        long active = holder.current().map(ActiveModel::version).orElse(0L);
        RolloutHolder.Wanted wanted = new RolloutHolder.Wanted(Optional.ofNullable(canary),
                shadow == null ? List.of() : shadow.versions());
        List<Long> now = rollouts.update(wanted, active, this::loadCandidate);
        int percent = now.get(0) == 0 ? 0 : canary.percent();
        String described = "canary " + (now.get(0) == 0 ? "none" : "v" + now.get(0) + " at " + percent + "%")
                + ", shadows " + now.subList(1, now.size());
        if (!described.equals(rolloutInForce)) {
            rolloutInForce = described;
            metrics.rollout(now.get(0), percent, now.size() - 1);
            LOG.info("Rollout of {} now: {} (active v{})", settings.modelName(), described, active);
        }
    }

    private Optional<Classifier> loadCandidate(long version) {
        Optional<VersionStore.Stored> stored = store.get(settings.modelName(), version);
        if (stored.isEmpty()) {
            LOG.warn("Canary or shadow {}:v{} is not on {}; not running it until it is", settings.modelName(), version,
                    settings.modelsTopic());
            return Optional.empty();
        }
        if (isRefused(stored.get())) {
            return Optional.empty();
        }
        return loadClassifier(stored.get());
    }

    private static byte[] lastHeader(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : h.value();
    }

    /**
     * Brings the served version in line with the catalog ({@link ServingRule}); a no-op when it already is. A version
     * that fails to load is refused and the rule asked again, so the next candidate is tried in the same pass.
     */
    private void reconcile() {
        String model = settings.modelName();
        if (activation != null && store.get(model, activation.version()).isEmpty() && waitingFor != activation.version()) {
            waitingFor = activation.version();
            LOG.warn("Activation {} points to {}:v{}, which is not on {}; keeping the current version until it is",
                    activation.requestId(), model, activation.version(), settings.modelsTopic());
        }
        while (true) {
            OptionalLong serving = holder.current().map(m -> OptionalLong.of(m.version())).orElse(OptionalLong.empty());
            ServingRule.Decision d = ServingRule.decide(store.versions(model), refusedVersions(),
                    Optional.ofNullable(activation), serving);
            if (d.kind() == ServingRule.Kind.NONE || d.kind() == ServingRule.Kind.KEEP) {
                return;
            }
            VersionStore.Stored s = store.get(model, d.version().getAsLong()).orElseThrow();
            if (isServed(s)) {
                return;
            }
            if (load(s)) {
                if (d.kind() == ServingRule.Kind.FALLBACK) {
                    metrics.modelFallback();
                    LOG.warn("FALLBACK: activation {} asks for {}:v{}, which cannot serve; serving {}:v{}, the newest "
                            + "version that loads, until a usable version is activated", activation.requestId(), model,
                            activation.version(), model, s.version());
                }
                return;
            }
            if (!refusedVersions().contains(s.version())) {
                return; // not refused, not served: nothing more to try in this pass
            }
            // the version is refused now: ask the rule again
        }
    }

    /** Versions refused with the bytes the store holds now (a tombstoned and republished version is the same bytes). */
    private Set<Long> refusedVersions() {
        Set<Long> out = new HashSet<>();
        refused.forEach((version, sha) -> store.get(settings.modelName(), version)
                .filter(s -> s.sha256().equals(sha)).ifPresent(s -> out.add(version)));
        return out;
    }

    private boolean isServed(VersionStore.Stored s) {
        return holder.current().map(m -> m.version() == s.version()).orElse(false) && s.sha256().equals(servedSha);
    }

    private boolean isRefused(VersionStore.Stored s) {
        return s.sha256().equals(refused.get(s.version()));
    }

    private boolean load(VersionStore.Stored stored) {
        long start = System.nanoTime();
        long version = stored.version();
        String id = settings.modelName() + ":v" + version;
        Optional<Classifier> loaded = loadClassifier(stored);
        if (loaded.isEmpty()) {
            return false;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        Optional<ActiveModel> previous;
        try {
            previous = holder.swap(loaded.get());
        } catch (IllegalStateException e) {
            LOG.info("Not switching to {}: shutting down", id);
            return true;
        }
        servedSha = stored.sha256();
        metrics.modelSwapped(version, took);
        LOG.info("Now serving {} (previously {}); loaded and warmed up in {} ms", id,
                previous.map(ActiveModel::id).orElse("none"), took.toMillis());
        return true;
    }

    /** Verifies, decodes, loads and warms up a stored version; a refusal is recorded, logged and counted. */
    private Optional<Classifier> loadClassifier(VersionStore.Stored stored) {
        long version = stored.version();
        String id = settings.modelName() + ":v" + version;
        Classifier classifier = null;
        try {
            byte[] bytes = store.readVerified(stored, settings.trust());
            ModelVersion mv = codec.decode(bytes);
            if (!mv.name().equals(settings.modelName()) || mv.version() != version) {
                throw new ArtifactException(ArtifactException.Reason.INVALID_METADATA,
                        "record key names " + id + " but the artifact is " + mv.id());
            }
            classifier = loader.load(mv, backbone);
            classifier.warmUp(settings.warmUpBatchSize());
            lanes.warmUp(classifier, settings.warmUpBatchSize(), LANE_WARM_UP_PASSES);
            return Optional.of(classifier);
        } catch (InterruptedException e) {
            closeQuietly(classifier);
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ArtifactException e) {
            closeQuietly(classifier);
            refuse(stored, e.reason().code(), e.getMessage());
            return Optional.empty();
        } catch (Exception | Error e) {
            // native, class-loading and any other failure of one version must not end the watcher
            closeQuietly(classifier);
            refuse(stored, "load-failed", e.toString());
            return Optional.empty();
        }
    }

    private static void closeQuietly(Classifier classifier) {
        if (classifier != null) {
            classifier.close();
        }
    }

    private void refuse(VersionStore.Stored stored, String reason, String message) {
        refused.put(stored.version(), stored.sha256());
        metrics.modelRejected(reason);
        LOG.warn("Refused {}:v{} ({}): {}; still serving {}", settings.modelName(), stored.version(), reason, message,
                holder.current().map(ActiveModel::id).orElse("nothing"));
    }

    /** Stops following the topic and deletes the stored versions. The holder, and the version it serves, stay with their owner. */
    @Override
    public void close() {
        follower.close();
        store.close();
    }
}
