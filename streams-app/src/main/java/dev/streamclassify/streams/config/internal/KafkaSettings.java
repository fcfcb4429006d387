package dev.streamclassify.streams.config.internal;

import dev.streamclassify.service.LayeredSettings;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * Checks a pass-through Kafka setting against the declaration Kafka itself uses, so a bad value fails at start-up
 * under its {@code kafka.*} name instead of deep inside a client. Names Kafka does not know pass with a warning
 * (plugins bring their own settings).
 */
public final class KafkaSettings {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSettings.class);

    private static final ConfigDef STREAMS = StreamsConfig.configDef();
    private static final ConfigDef CONSUMER = ConsumerConfig.configDef();
    private static final ConfigDef PRODUCER = ProducerConfig.configDef();
    private static final ConfigDef ADMIN = AdminClientConfig.configDef();

    /** Client prefixes of {@link StreamsConfig}, each with the declarations that apply after it. */
    private static final Map<String, ConfigDef> PREFIXES = Map.of(
            StreamsConfig.CONSUMER_PREFIX, CONSUMER,
            StreamsConfig.MAIN_CONSUMER_PREFIX, CONSUMER,
            StreamsConfig.RESTORE_CONSUMER_PREFIX, CONSUMER,
            StreamsConfig.GLOBAL_CONSUMER_PREFIX, CONSUMER,
            StreamsConfig.PRODUCER_PREFIX, PRODUCER,
            StreamsConfig.ADMIN_CLIENT_PREFIX, ADMIN);

    private KafkaSettings() {
    }

    /** @throws ConfigException if Kafka declares {@code name} and {@code value} does not parse or validate */
    public static void check(String name, String value) {
        for (var e : PREFIXES.entrySet()) {
            if (name.startsWith(e.getKey())) {
                String inner = name.substring(e.getKey().length());
                if (!LayeredSettings.validate(e.getValue(), inner, value)) {
                    LOG.warn("Kafka setting {} is not a known {}setting; passing it through unchecked", name, e.getKey());
                }
                return;
            }
        }
        if (name.startsWith(StreamsConfig.TOPIC_PREFIX)) {
            return;
        }
        for (ConfigDef def : List.of(STREAMS, CONSUMER, PRODUCER, ADMIN)) {
            if (LayeredSettings.validate(def, name, value)) {
                return;
            }
        }
        LOG.warn("Kafka setting {} is not known to Kafka Streams or its clients; passing it through unchecked", name);
    }
}
