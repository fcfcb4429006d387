package dev.streamclassify.trainer.control.retrain;

import dev.streamclassify.trainer.control.intake.TopicFollower;
import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.catalog.Activation;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.catalog.ServingRule;
import dev.streamclassify.model.catalog.VersionStore;
import dev.streamclassify.model.signing.TrustedKeys;
import dev.streamclassify.model.signing.VersionSignature;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * What the models topic says: the retained versions and the activation of every model. Followed like streams-app
 * follows it, so version numbers and the promotion gate see what serving sees. Versions wait in a {@link VersionStore}
 * on disk (one on the heap at a time, when read) with their signatures, which {@link #read} verifies before anyone
 * parses them; a second, different record under a version key is ignored and logged (versions are immutable).
 * Callers that decide on it first call {@link #awaitCaughtUp}, so a version another instance published a moment ago
 * is not overlooked. Thread-safe.
 */
public final class ModelCatalog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelCatalog.class);

    /** The activation (if any) and the version that serves, as {@link ServingRule} decides it. */
    public record Served(long version, Optional<Activation> activation) {
    }

    private final VersionStore versions = VersionStore.temporary("streamclassify-trainer-models-");
    private final Map<String, Activation> activations = new HashMap<>();
    /** The version {@link ServingRule} last chose per model: what an activation of a missing version keeps. */
    private final Map<String, Long> serving = new HashMap<>();
    private final TopicFollower follower;
    private final BiConsumer<String, Long> onServedChange;

    /** @param onServedChange told (on the follower thread) whenever the served version of a model changes */
    public ModelCatalog(String topic, Map<String, Object> consumerProperties, BiConsumer<String, Long> onServedChange) {
        this.follower = new TopicFollower("trainer-models-" + topic, topic, consumerProperties, ModelsTopic.MAX_RECORD_BYTES, this::apply);
        this.onServedChange = onServedChange;
    }

    public void start() {
        follower.start();
    }

    public void awaitCaughtUp(Admin admin, Duration timeout) throws TimeoutException, InterruptedException {
        follower.awaitCaughtUp(admin, timeout);
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        Optional<ModelsTopic.Key> parsed = ModelsTopic.parse(r.key());
        if (parsed.isEmpty()) {
            return;
        }
        String model = parsed.get().model();
        OptionalLong before;
        OptionalLong after;
        synchronized (this) {
            before = currentlyServed(model);
            if (parsed.get() instanceof ModelsTopic.VersionKey v) {
                store(r, v);
            } else if (!(parsed.get() instanceof ModelsTopic.ActivationKey)) {
                // shadow and canary records: streams-app acts on them; the trainer only writes them
                return;
            } else if (r.value() == null) {
                activations.remove(model);
            } else {
                try {
                    Activation a = Activation.fromJson(r.value());
                    if (a.model().equals(model)) {
                        activations.put(model, a);
                    } else {
                        LOG.warn("Ignoring activation of {} under the key of {}", a.model(), model);
                    }
                } catch (IOException e) {
                    LOG.warn("Ignoring activation record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
                }
            }
            after = servedVersion(model);
            after.ifPresentOrElse(v -> serving.put(model, v), () -> serving.remove(model));
        }
        if (!before.equals(after) && after.isPresent()) {
            onServedChange.accept(model, after.getAsLong());
        }
    }

    private void store(ConsumerRecord<String, byte[]> r, ModelsTopic.VersionKey v) {
        try {
            if (r.value() == null) {
                versions.remove(v.model(), v.version());
                return;
            }
            Header keyId = r.headers().lastHeader(VersionSignature.KEY_ID_HEADER);
            Header sig = r.headers().lastHeader(VersionSignature.HEADER);
            VersionSignature signature = VersionSignature.fromHeaders(keyId == null ? null : keyId.value(), sig == null ? null : sig.value());
            if (versions.put(v.model(), v.version(), r.value(), signature) == VersionStore.Put.CONFLICT) {
                LOG.error("Ignoring a second, different record for {}:v{} at {}-{}@{}: versions are immutable", v.model(),
                        v.version(), r.topic(), r.partition(), r.offset());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store " + r.key() + " on disk", e);
        }
    }

    /** Retained versions of {@code model}, ascending. */
    public NavigableSet<Long> versions(String model) {
        return versions.versions(model);
    }

    public long highestVersion(String model) {
        return versions.highest(model);
    }

    public boolean has(String model, long version) {
        return versions.get(model, version).isPresent();
    }

    /**
     * The artifact bytes of a retained version, its signature verified against {@code trust} first.
     *
     * @return empty if the version is not retained
     * @throws ArtifactException if the signature does not verify (or the stored copy is damaged)
     */
    public Optional<byte[]> read(String model, long version, TrustedKeys trust) throws ArtifactException {
        Optional<VersionStore.Stored> stored = versions.get(model, version);
        return stored.isEmpty() ? Optional.empty() : Optional.of(versions.readVerified(stored.get(), trust));
    }

    /**
     * The version serving {@code model} as streams-app decides it, by the same {@link ServingRule}: the activated
     * version, or, without an activation, the highest retained version; an activation of a version not (yet) retained
     * keeps the version served before it. The trainer loads no version, so it refuses none: a version every instance
     * refuses (bad signature, wrong backbone) still counts as served here.
     */
    public synchronized Optional<Served> served(String model) {
        OptionalLong v = currentlyServed(model);
        return v.isPresent() ? Optional.of(new Served(v.getAsLong(), Optional.ofNullable(activations.get(model)))) : Optional.empty();
    }

    private OptionalLong currentlyServed(String model) {
        Long v = serving.get(model);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    private OptionalLong servedVersion(String model) {
        return ServingRule.decide(versions(model), Set.of(), Optional.ofNullable(activations.get(model)),
                currentlyServed(model)).version();
    }

    @Override
    public void close() {
        follower.close();
        versions.close();
    }
}
