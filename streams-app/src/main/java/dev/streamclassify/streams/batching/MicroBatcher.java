package dev.streamclassify.streams.batching;

import dev.streamclassify.streams.wire.Outcome;
import dev.streamclassify.streams.features.ImageFeatureCache;
import dev.streamclassify.streams.inference.InferenceLanes;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
import dev.streamclassify.streams.models.ModelHolder;
import dev.streamclassify.streams.models.RolloutHolder;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.time.Clock;
import java.util.Map;
import java.util.Set;

/**
 * Supplies one {@link MicroBatchProcessor} per task together with its buffer store: persistent (RocksDB), logged to
 * a changelog whose {@code max.message.bytes} admits the largest allowed image, and cached, so that images drained
 * before the next commit never reach the changelog at all.
 */
public final class MicroBatcher implements ProcessorSupplier<String, byte[], String, Outcome> {

    private final BatchSettings settings;
    private final ModelHolder models;
    private final RolloutHolder rollouts;
    private final ClassifyMetrics metrics;
    private final Clock clock;
    private final ImageFeatureCache cache;
    private final InferenceLanes lanes;

    public MicroBatcher(BatchSettings settings, ModelHolder models, ClassifyMetrics metrics, Clock clock) {
        this(settings, models, new RolloutHolder(), metrics, clock);
    }

    /** @param rollouts the canary and shadow heads that run beside the active one on every batch */
    public MicroBatcher(BatchSettings settings, ModelHolder models, RolloutHolder rollouts, ClassifyMetrics metrics, Clock clock) {
        this(settings, models, rollouts, metrics, clock, new ImageFeatureCache(0, 0, metrics.registry()));
    }

    /** @param cache features of recently seen image bytes, shared by every task; passes run on the calling thread */
    public MicroBatcher(BatchSettings settings, ModelHolder models, RolloutHolder rollouts, ClassifyMetrics metrics, Clock clock,
                        ImageFeatureCache cache) {
        this(settings, models, rollouts, metrics, clock, cache, InferenceLanes.inline());
    }

    /** @param lanes where the forward passes run; each task gets one lane, and stays its owner's to close */
    public MicroBatcher(BatchSettings settings, ModelHolder models, RolloutHolder rollouts, ClassifyMetrics metrics, Clock clock,
                        ImageFeatureCache cache, InferenceLanes lanes) {
        this.lanes = lanes;
        this.cache = cache;
        this.settings = settings;
        this.models = models;
        this.rollouts = rollouts;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public Processor<String, byte[], String, Outcome> get() {
        return new MicroBatchProcessor(settings, models, rollouts, metrics, clock, cache, lanes.lane());
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        StoreBuilder<KeyValueStore<Bytes, byte[]>> buffer = Stores
                .keyValueStoreBuilder(Stores.persistentKeyValueStore(MicroBatchProcessor.BUFFER_STORE), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingEnabled(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(settings.changelogMaxMessageBytes())))
                .withCachingEnabled();
        return Set.of(buffer);
    }
}
