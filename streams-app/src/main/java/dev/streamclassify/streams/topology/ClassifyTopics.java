package dev.streamclassify.streams.topology;

import dev.streamclassify.streams.wire.PredictionEvent;
import dev.streamclassify.streams.wire.Topic;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.internal.JsonSerde;
import dev.streamclassify.streams.wire.ModelQuality;
import org.apache.kafka.common.serialization.Serdes;

/** The topics of the service, named by configuration. Immutable. */
public record ClassifyTopics(Topic<String, byte[]> images,
                             Topic<String, PredictionEvent> predictions,
                             Topic<String, byte[]> deadLetters,
                             Topic<String, byte[]> models,
                             Topic<String, PredictionEvent> shadowPredictions,
                             Topic<String, byte[]> labels,
                             Topic<String, ModelQuality> modelQuality) {

    public static ClassifyTopics from(StreamsAppConfig config) {
        return of(config.imagesTopic(), config.predictionsTopic(), config.dlqTopic(), config.modelsTopic(),
                config.shadowPredictionsTopic(), config.labelsTopic(), config.modelQualityTopic());
    }

    /** The first four topics named, label feedback and shadows on their default names. */
    public static ClassifyTopics of(String images, String predictions, String deadLetters, String models) {
        return of(images, predictions, deadLetters, models, "predictions-shadow", "labels", "model-quality");
    }

    public static ClassifyTopics of(String images, String predictions, String deadLetters, String models,
                                    String shadowPredictions, String labels, String modelQuality) {
        return new ClassifyTopics(
                new Topic<>(images, Serdes.String(), Serdes.ByteArray()),
                new Topic<>(predictions, Serdes.String(), new JsonSerde<>(PredictionEvent.class)),
                new Topic<>(deadLetters, Serdes.String(), Serdes.ByteArray()),
                new Topic<>(models, Serdes.String(), Serdes.ByteArray()),
                new Topic<>(shadowPredictions, Serdes.String(), new JsonSerde<>(PredictionEvent.class)),
                new Topic<>(labels, Serdes.String(), Serdes.ByteArray()),
                new Topic<>(modelQuality, Serdes.String(), new JsonSerde<>(ModelQuality.class)));
    }
}
