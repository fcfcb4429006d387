package dev.streamclassify.streams.topology;

import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.internal.JsonSerde;
import org.apache.kafka.common.serialization.Serdes;

/** The four topics of the service, named by configuration. Immutable. */
public record ClassifyTopics(Topic<String, byte[]> images,
                             Topic<String, PredictionEvent> predictions,
                             Topic<String, byte[]> deadLetters,
                             Topic<String, byte[]> models) {

    public static ClassifyTopics from(StreamsAppConfig config) {
        return of(config.imagesTopic(), config.predictionsTopic(), config.dlqTopic(), config.modelsTopic());
    }

    public static ClassifyTopics of(String images, String predictions, String deadLetters, String models) {
        return new ClassifyTopics(
                new Topic<>(images, Serdes.String(), Serdes.ByteArray()),
                new Topic<>(predictions, Serdes.String(), new JsonSerde<>(PredictionEvent.class)),
                new Topic<>(deadLetters, Serdes.String(), Serdes.ByteArray()),
                new Topic<>(models, Serdes.String(), Serdes.ByteArray()));
    }
}
