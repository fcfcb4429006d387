package dev.streamclassify.streams.topology;

import dev.streamclassify.streams.batching.MicroBatcher;
import dev.streamclassify.streams.wire.HeadVotes;
import dev.streamclassify.streams.wire.ModelQuality;
import dev.streamclassify.streams.wire.Outcome;
import dev.streamclassify.streams.quality.QualityMetrics;
import dev.streamclassify.streams.quality.QualitySettings;
import dev.streamclassify.streams.quality.QualityTopology;
import dev.streamclassify.streams.quality.promotion.PromotionTopology;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * images -> micro-batched classification -> predictions, with refused images to the dead-letter topic, shadow heads'
 * predictions to the shadow topic, and (when given quality settings) label feedback to the model-quality topic.
 */
public final class ClassifyTopology {

    private ClassifyTopology() {
    }

    /** @param config the configuration the topology will run with (topology-level settings come from it) */
    public static Topology build(ClassifyTopics topics, MicroBatcher batcher, StreamsConfig config) {
        return build(topics, batcher, Optional.empty(), config);
    }

    /**
     * Label feedback for its settings, meters and clock; optionally labelled images on to training-images and
     * automatic promotion.
     */
    public record Quality(QualitySettings settings, QualityMetrics metrics, Clock clock,
                          Optional<QualityTopology.Forwarding> forwarding, Optional<PromotionTopology.Setup> promotion) {

        public Quality(QualitySettings settings, QualityMetrics metrics, Clock clock) {
            this(settings, metrics, clock, Optional.empty(), Optional.empty());
        }
    }

    public static Topology build(ClassifyTopics topics, MicroBatcher batcher, Optional<Quality> quality, StreamsConfig config) {
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(config));

        // encoded images, keyed by image id (or by nothing)
        KStream<String, Outcome> outcomes = builder.stream(topics.images().name(), topics.images().consumed())
                // park each image in the changelogged buffer; full or overdue batches come out classified
                .process(batcher, Named.as("micro-batch-classifier"));

        // one prediction per classified image
        outcomes.flatMapValues(Outcome::predictions, Named.as("predictions-only"))
                .to(topics.predictions().name(), topics.predictions().produced());

        // what shadow heads would have answered: compared, never served
        outcomes.flatMapValues(Outcome::shadowPredictions, Named.as("shadow-predictions-only"))
                .to(topics.shadowPredictions().name(), topics.shadowPredictions().produced());

        // every head's label for each image (and where the image is), judged once the true label arrives
        quality.ifPresent(q -> {
            KStream<String, ModelQuality> qualities = QualityTopology.add(builder, outcomes.flatMapValues(
                            o -> o instanceof Outcome.Predicted p ? List.of(p.votes().from(p.event().source())) : List.<HeadVotes>of(),
                            Named.as("head-votes-only")),
                    topics.labels(), topics.modelQuality(), q.settings(), q.metrics(), q.clock(), q.forwarding());
            // a candidate that beats the active version on live labels is proposed for activation
            q.promotion().ifPresent(p -> PromotionTopology.add(qualities, p));
        });

        // refused images keep their key and bytes; the reason travels in headers
        outcomes.flatMapValues(Outcome::deadLetters, Named.as("dead-letters-only"))
                .to(topics.deadLetters().name(), topics.deadLetters().produced());

        return builder.build();
    }
}
