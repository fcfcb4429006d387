package dev.streamclassify.streams.testing;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads a whole topic from the beginning without a consumer group (read_committed), collecting every record it has
 * seen. Owned by one test thread.
 */
public final class TopicReader<V> implements AutoCloseable {

    private final KafkaConsumer<String, V> consumer;
    private final List<TopicPartition> partitions;
    private final List<ConsumerRecord<String, V>> seen = new ArrayList<>();

    public TopicReader(String bootstrap, String topic, Deserializer<V> valueDeserializer) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024),
                new StringDeserializer(), valueDeserializer);
        partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        if (partitions.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Polls once (up to 100 ms) and returns everything seen so far. */
    public List<ConsumerRecord<String, V>> poll() {
        consumer.poll(Duration.ofMillis(100)).forEach(seen::add);
        return seen;
    }

    /** Polls until {@code done} holds for the records seen, failing after {@code timeout}. */
    public List<ConsumerRecord<String, V>> awaitUntil(String what, Duration timeout, Predicate<List<ConsumerRecord<String, V>>> done) {
        Conditions.await(what, timeout, () -> done.test(poll()), () -> "(seen " + seen.size() + " records)");
        return seen;
    }

    public List<ConsumerRecord<String, V>> awaitCount(int n, Duration timeout) {
        return awaitUntil(n + " records", timeout, r -> r.size() >= n);
    }

    /** Reads up to the current end of every partition (the last stable offset, for transactions). */
    public List<ConsumerRecord<String, V>> readToEnd(Duration timeout) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Conditions.await("the end of " + partitions, timeout, () -> {
            poll();
            return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
        });
        return seen;
    }

    public List<ConsumerRecord<String, V>> seen() {
        return seen;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
