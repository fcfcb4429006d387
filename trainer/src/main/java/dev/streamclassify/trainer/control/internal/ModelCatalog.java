package dev.streamclassify.trainer.control.internal;

import dev.streamclassify.model.catalog.Activation;
import dev.streamclassify.model.catalog.ModelsTopic;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * What the models topic says: the retained versions (raw artifacts) and the activation of every model. Followed like
 * streams-app follows it, so version numbers and the promotion gate see what serving sees. Callers that decide on it
 * first call {@link #awaitCaughtUp}, so a version another instance published a moment ago is not overlooked.
 * Thread-safe.
 */
public final class ModelCatalog implements AutoCloseable {

    /** A fine-tuned version may carry backbone layers: tens of MB in one record. */
    static final int FETCH_BYTES = 64 * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ModelCatalog.class);

    /** The activation (if any) and the version that serves because of it: the activated one, else the highest. */
    public record Served(long version, Optional<Activation> activation) {
    }

    private final Map<String, NavigableMap<Long, byte[]>> versions = new HashMap<>();
    private final Map<String, Activation> activations = new HashMap<>();
    private final TopicFollower follower;
    private final BiConsumer<String, Long> onServedChange;

    /** @param onServedChange told (on the follower thread) whenever the served version of a model changes */
    public ModelCatalog(String topic, Map<String, Object> consumerProperties, BiConsumer<String, Long> onServedChange) {
        this.follower = new TopicFollower("trainer-models-" + topic, topic, consumerProperties, FETCH_BYTES, this::apply);
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
            before = servedVersion(model);
            if (parsed.get() instanceof ModelsTopic.VersionKey v) {
                if (r.value() == null) {
                    NavigableMap<Long, byte[]> m = versions.get(model);
                    if (m != null) {
                        m.remove(v.version());
                    }
                } else {
                    versions.computeIfAbsent(model, k -> new TreeMap<>()).put(v.version(), r.value());
                }
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
        }
        if (!before.equals(after) && after.isPresent()) {
            onServedChange.accept(model, after.getAsLong());
        }
    }

    /** Retained versions of {@code model}, ascending. */
    public synchronized NavigableMap<Long, byte[]> versions(String model) {
        return new TreeMap<>(versions.getOrDefault(model, new TreeMap<>()));
    }

    public synchronized long highestVersion(String model) {
        NavigableMap<Long, byte[]> m = versions.get(model);
        return m == null || m.isEmpty() ? 0 : m.lastKey();
    }

    public synchronized Optional<byte[]> artifact(String model, long version) {
        NavigableMap<Long, byte[]> m = versions.get(model);
        return Optional.ofNullable(m == null ? null : m.get(version));
    }

    /**
     * The version serving {@code model} as streams-app decides it: the activated version, or, without an activation,
     * the highest retained version.
     */
    public synchronized Optional<Served> served(String model) {
        Activation a = activations.get(model);
        OptionalLong v = servedVersion(model);
        return v.isPresent() ? Optional.of(new Served(v.getAsLong(), Optional.ofNullable(a))) : Optional.empty();
    }

    private OptionalLong servedVersion(String model) {
        Activation a = activations.get(model);
        if (a != null) {
            return OptionalLong.of(a.version());
        }
        long highest = highestVersion(model);
        return highest == 0 ? OptionalLong.empty() : OptionalLong.of(highest);
    }

    @Override
    public void close() {
        follower.close();
    }
}
