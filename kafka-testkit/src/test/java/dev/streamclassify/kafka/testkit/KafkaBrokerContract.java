package dev.streamclassify.kafka.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What every {@link KafkaBroker} must do for our apps; each implementation runs it by extending this class. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KafkaBrokerContract {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private KafkaBroker broker;

    abstract KafkaBroker startBroker();

    abstract String expectedKind();

    @BeforeAll
    void start() {
        broker = startBroker();
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void reportsItsKind() {
        assertThat(broker.kind()).isEqualTo(expectedKind());
    }

    @Test
    void startsBrokerThatRoundTripsARecord() throws Exception {
        String topic = uniqueName("round-trip");
        Topics.create(broker.bootstrapServers(), List.of(new NewTopic(topic, 1, (short) 1)));

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "key", "value")).get();
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(uniqueName("group")),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> records = pollUntil(consumer, 1);
            consumer.commitSync();

            assertThat(records).singleElement().satisfies(r -> {
                assertThat(r.key()).isEqualTo("key");
                assertThat(r.value()).isEqualTo("value");
            });
        }
    }

    @Test
    void commitsATransactionThatReadCommittedConsumersSee() throws Exception {
        String topic = uniqueName("transactional");
        Topics.create(broker.bootstrapServers(), List.of(new NewTopic(topic, 1, (short) 1)));
        Map<String, Object> props = producerProps();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, uniqueName("tx"));

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props,
                new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "committed"));
            producer.commitTransaction();
        }
        Map<String, Object> consumerProps = consumerProps(uniqueName("group"));
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps,
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            assertThat(pollUntil(consumer, 1)).extracting(ConsumerRecord::value).containsExactly("committed");
        }
    }

    @Test
    void createsCompactedTopicWithConfigs() throws Exception {
        String topic = uniqueName("compacted");
        NewTopic compacted = new NewTopic(topic, 3, (short) 1)
                .configs(Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "1000"));

        Topics.create(broker.bootstrapServers(), List.of(compacted));

        try (Admin admin = admin()) {
            TopicDescription description = admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(Set.of(resource)).all().get().get(resource);

            assertThat(description.partitions()).hasSize(3);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(config.get("min.compaction.lag.ms").value()).isEqualTo("1000");
        }
    }

    @Test
    void createsTopicsIdempotentlyKeepingTheFirstDefinition() throws Exception {
        String topic = uniqueName("idempotent");
        Topics.create(broker.bootstrapServers(), List.of(new NewTopic(topic, 2, (short) 1)));

        Topics.create(broker.bootstrapServers(), List.of(new NewTopic(topic, 5, (short) 1)));

        try (Admin admin = admin()) {
            assertThat(admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic).partitions()).hasSize(2);
        }
    }

    @Test
    void doesNotAutoCreateTopics() throws Exception {
        try (Admin admin = admin()) {
            String nodeId = admin.describeCluster().nodes().get().iterator().next().idString();
            ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER, nodeId);
            Config config = admin.describeConfigs(Set.of(resource)).all().get().get(resource);

            assertThat(config.get("auto.create.topics.enable").value()).isEqualTo("false");
        }
    }

    @Test
    void acceptsA5MbRecordOnTopicWithRaisedLimit() throws Exception {
        String topic = uniqueName("large");
        int maxBytes = 64 * 1024 * 1024;
        Topics.create(broker.bootstrapServers(), List.of(new NewTopic(topic, 1, (short) 1)
                .configs(Map.of("max.message.bytes", String.valueOf(maxBytes)))));
        byte[] value = new byte[5 * 1024 * 1024];
        new Random(42).nextBytes(value);
        Map<String, Object> props = producerProps();
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxBytes);

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props,
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, value)).get();
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(uniqueName("group")),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            assertThat(pollUntil(consumer, 1)).singleElement()
                    .satisfies(r -> assertThat(r.value()).isEqualTo(value));
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private Map<String, Object> producerProps() {
        return new java.util.HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"));
    }

    private Map<String, Object> consumerProps(String group) {
        return new java.util.HashMap<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
    }

    private static <K, V> List<ConsumerRecord<K, V>> pollUntil(KafkaConsumer<K, V> consumer, int count) {
        List<ConsumerRecord<K, V>> records = new ArrayList<>();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (records.size() < count && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }

    static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }
}
