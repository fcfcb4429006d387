package dev.streamclassify.streams.testing;

import dev.streamclassify.model.testing.WireSchemas;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Deserializers that check every record a test reads against docs/schemas/ before handing it on, so each fixture that
 * reads an output topic also proves the published contract.
 */
public final class SchemaChecked {

    private SchemaChecked() {
    }

    /** Checks each value (null values, tombstones, pass) against {@code schema}. */
    public static <T> Deserializer<T> values(WireSchemas schema, Deserializer<T> inner) {
        return new Deserializer<>() {
            @Override
            public T deserialize(String topic, byte[] data) {
                if (data != null) {
                    schema.check(data);
                }
                return inner.deserialize(topic, data);
            }

            @Override
            public T deserialize(String topic, Headers headers, byte[] data) {
                if (data != null) {
                    schema.check(data);
                }
                return inner.deserialize(topic, headers, data);
            }
        };
    }

    /** Checks each record's headers, as a map of UTF-8 strings, against {@code schema}. */
    public static <T> Deserializer<T> headers(WireSchemas schema, Deserializer<T> inner) {
        return new Deserializer<>() {
            @Override
            public T deserialize(String topic, byte[] data) {
                throw new AssertionError("headers of " + topic + " were not given to the deserializer: cannot check them");
            }

            @Override
            public T deserialize(String topic, Headers headers, byte[] data) {
                schema.check(asMap(headers));
                return inner.deserialize(topic, headers, data);
            }
        };
    }

    /** The last value of each header, as UTF-8. */
    public static Map<String, String> asMap(Headers headers) {
        Map<String, String> map = new LinkedHashMap<>();
        for (Header h : headers) {
            map.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        return map;
    }
}
