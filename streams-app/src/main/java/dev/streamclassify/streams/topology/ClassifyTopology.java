package dev.streamclassify.streams.topology;

import dev.streamclassify.streams.batching.MicroBatcher;
import dev.streamclassify.streams.batching.Outcome;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;

/** images -> micro-batched classification -> predictions, with refused images to the dead-letter topic. */
public final class ClassifyTopology {

    private ClassifyTopology() {
    }

    /** @param config the configuration the topology will run with (topology-level settings come from it) */
    public static Topology build(ClassifyTopics topics, MicroBatcher batcher, StreamsConfig config) {
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(config));

        // encoded images, keyed by image id (or by nothing)
        KStream<String, Outcome> outcomes = builder.stream(topics.images().name(), topics.images().consumed())
                // park each image in the changelogged buffer; full or overdue batches come out classified
                .process(batcher, Named.as("micro-batch-classifier"));

        // one prediction per classified image
        outcomes.flatMapValues(Outcome::predictions, Named.as("predictions-only"))
                .to(topics.predictions().name(), topics.predictions().produced());

        // refused images keep their key and bytes; the reason travels in headers
        outcomes.flatMapValues(Outcome::deadLetters, Named.as("dead-letters-only"))
                .to(topics.deadLetters().name(), topics.deadLetters().produced());

        return builder.build();
    }
}
