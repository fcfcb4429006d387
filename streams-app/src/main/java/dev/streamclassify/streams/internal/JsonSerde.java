package dev.streamclassify.streams.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamclassify.model.format.Json;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;

/** JSON for records, in the product's one JSON configuration ({@link Json}), as a Kafka serde. Thread-safe. */
public final class JsonSerde<T> implements Serde<T> {

    private static final ObjectMapper MAPPER = Json.MAPPER;

    private final Class<T> type;

    public JsonSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                return MAPPER.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new SerializationException("cannot write " + type.getSimpleName() + " as JSON", e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return MAPPER.readValue(bytes, type);
            } catch (IOException e) {
                throw new SerializationException("invalid " + type.getSimpleName() + " JSON on " + topic, e);
            }
        };
    }
}
