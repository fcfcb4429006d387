package dev.streamclassify.streams.quality;

import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.wire.HeadVotes;
import dev.streamclassify.streams.wire.ModelQuality;
import dev.streamclassify.streams.internal.JsonSerde;
import dev.streamclassify.streams.wire.Topic;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Label feedback beside the classification topology: labels and every head's votes meet by image id, then each
 * version's judgements meet by version, and the live quality of every version goes to the model-quality topic.
 * Both steps go through a repartition topic, so the labels topic may have any partition count and any producer's
 * partitioner (kcat's is not Java's).
 */
public final class QualityTopology {

    private QualityTopology() {
    }

    /**
     * Where labelled images go on (the trainer's training-images topic), and the consumer settings to read them back
     * from the images topic with.
     */
    public record Forwarding(Topic<String, byte[]> trainingImages, Map<String, Object> consumerProperties) {

        /** Empty unless {@value StreamsAppConfig#QUALITY_FORWARD_LABELLED_IMAGES} is on (off by default). */
        public static Optional<Forwarding> from(StreamsAppConfig config) {
            return config.forwardLabelledImages()
                    ? Optional.of(new Forwarding(new Topic<>(config.trainingImagesTopic(), Serdes.String(), Serdes.ByteArray()),
                    config.consumerProperties()))
                    : Optional.empty();
        }
    }

    /**
     * @param votes every head's votes, keyed by image id
     */
    public static KStream<String, ModelQuality> add(StreamsBuilder builder, KStream<String, HeadVotes> votes, Topic<String, byte[]> labels,
                           Topic<String, ModelQuality> modelQuality, QualitySettings settings, QualityMetrics metrics, Clock clock) {
        return add(builder, votes, labels, modelQuality, settings, metrics, clock, Optional.empty());
    }

    /**
     * @param forwarding labelled images on to training-images, if given
     * @return the live quality of each version as it is published, keyed {@code model:vN}
     */
    public static KStream<String, ModelQuality> add(StreamsBuilder builder, KStream<String, HeadVotes> votes, Topic<String, byte[]> labels,
                           Topic<String, ModelQuality> modelQuality, QualitySettings settings, QualityMetrics metrics, Clock clock,
                           Optional<Forwarding> forwarding) {
        // true labels, arriving minutes to days later; unusable ones are counted and dropped
        KStream<String, QualityInput> labelled = builder.stream(labels.name(), labels.consumed())
                .processValues(() -> new LabelParser(metrics), Named.as("labels-parse"));

        // votes and labels of one image id meet in one task
        KStream<String, LabelMatch> matches = votes.mapValues(QualityInput::of, Named.as("votes-as-quality-input"))
                .merge(labelled, Named.as("votes-and-labels"))
                .repartition(Repartitioned.with(Serdes.String(), new JsonSerde<>(QualityInput.class)).withName("quality-by-image"))
                .process(supplier(() -> new LabelJoiner(settings, metrics, clock),
                        store(LabelJoiner.STORE, HeadVotes.class)), Named.as("label-join"));

        // every judgement of a version meets in one task: its sliding window
        KStream<String, ModelQuality> qualities = matches.flatMap((imageId, m) -> m.judgements(), Named.as("label-judgements"))
                .repartition(Repartitioned.with(Serdes.String(), new JsonSerde<>(Judged.class)).withName("quality-by-version"))
                .process(supplier(() -> new QualityWindows(settings, metrics, clock),
                        store(QualityWindows.STORE, VersionWindow.class)), Named.as("quality-windows"));
        qualities.to(modelQuality.name(), modelQuality.produced());

        // labelled images become training data: read back from the images topic, label in a header
        forwarding.ifPresent(f -> matches
                .processValues(() -> new LabelledImageForwarder(f.consumerProperties(), metrics), Named.as("labelled-image-fetch"))
                .to(f.trainingImages().name(), f.trainingImages().produced()));
        return qualities;
    }

    private static <V> StoreBuilder<?> store(String name, Class<V> type) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), new JsonSerde<>(type))
                .withLoggingEnabled(Map.of())
                .withCachingEnabled();
    }

    private static <KIn, VIn, KOut, VOut> ProcessorSupplier<KIn, VIn, KOut, VOut> supplier(
            java.util.function.Supplier<Processor<KIn, VIn, KOut, VOut>> processors, StoreBuilder<?> store) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<KIn, VIn, KOut, VOut> get() {
                return processors.get();
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(store);
            }
        };
    }
}
