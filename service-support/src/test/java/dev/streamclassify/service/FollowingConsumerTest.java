package dev.streamclassify.service;

import dev.streamclassify.kafka.testkit.SharedKafkaBroker;
import dev.streamclassify.kafka.testkit.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Against the real broker of kafka-testkit; each test has its own topic. */
class FollowingConsumerTest {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    static Map<String, Object> connection() {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafkaBroker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "ignored-group");
    }

    static void produce(String topic, int count) {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedKafkaBroker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, i % 3, "k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + TIMEOUT + " waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** Follows a topic with a session that reads it from the beginning and records what it sees. */
    static final class Recorder implements FollowingConsumer.Session {
        final List<String> keys = new CopyOnWriteArrayList<>();
        final List<Consumer<String, byte[]>> consumers = new CopyOnWriteArrayList<>();
        final List<List<TopicPartition>> sessions = new CopyOnWriteArrayList<>();
        final int failingSessions;
        final FollowingConsumer follower;

        Recorder(String topic, int failingSessions) {
            this.failingSessions = failingSessions;
            this.follower = new FollowingConsumer("test-" + topic, topic,
                    FollowingConsumer.consumerProperties(connection(), "test-" + topic, 1024 * 1024), this);
        }

        @Override
        public void follow(Consumer<String, byte[]> consumer, List<TopicPartition> partitions) {
            consumers.add(consumer);
            sessions.add(partitions);
            if (sessions.size() <= failingSessions) {
                throw new IllegalStateException("simulated client failure");
            }
            consumer.seekToBeginning(partitions);
            while (follower.running()) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> keys.add(r.key()));
            }
        }
    }

    @Test
    void waitsForTheTopicThenReadsEveryPartitionFromTheBeginning() {
        String topic = "following-late-topic";
        Recorder recorder = new Recorder(topic, 0);
        try (FollowingConsumer f = recorder.follower) {
            f.start();
            Topics.create(SharedKafkaBroker.bootstrapServers(), List.of(new NewTopic(topic, 3, (short) 1)));
            produce(topic, 6);

            await("six records", () -> recorder.keys.size() == 6);
            assertThat(recorder.keys).containsExactlyInAnyOrder("k0", "k1", "k2", "k3", "k4", "k5");
            assertThat(recorder.sessions).hasSize(1);
            assertThat(recorder.sessions.get(0)).extracting(TopicPartition::partition).containsExactlyInAnyOrder(0, 1, 2);
            assertThat(f.failure()).isEmpty();
        }
        assertThat(recorder.follower.running()).isFalse();
    }

    @Test
    void startsANewSessionWithANewConsumerAfterAClientFailure() {
        String topic = "following-reconnect";
        Topics.create(SharedKafkaBroker.bootstrapServers(), List.of(new NewTopic(topic, 3, (short) 1)));
        produce(topic, 3);
        Recorder recorder = new Recorder(topic, 1);
        try (FollowingConsumer f = recorder.follower) {
            f.start();

            await("three records", () -> recorder.keys.size() == 3);
            assertThat(recorder.sessions).hasSize(2);
            assertThat(recorder.consumers.get(1)).isNotSameAs(recorder.consumers.get(0));
            assertThat(f.failure()).isEmpty();
        }
    }

    @Test
    void keepsTheErrorThatStoppedItForGood() {
        String topic = "following-error";
        Topics.create(SharedKafkaBroker.bootstrapServers(), List.of(new NewTopic(topic, 1, (short) 1)));
        AssertionError fatal = new AssertionError("not a client failure");
        try (FollowingConsumer f = new FollowingConsumer("test-" + topic, topic,
                FollowingConsumer.consumerProperties(connection(), "test-" + topic, 1024 * 1024), (consumer, partitions) -> {
                    throw fatal;
                })) {
            f.start();

            await("the failure", () -> f.failure().isPresent());
            assertThat(f.failure()).containsSame(fatal);
        }
    }

    @Test
    void closeWakesASessionBlockedInPollAndWaitsForItToEnd() {
        String topic = "following-close";
        Topics.create(SharedKafkaBroker.bootstrapServers(), List.of(new NewTopic(topic, 1, (short) 1)));
        List<TopicPartition> following = new CopyOnWriteArrayList<>();
        AtomicReference<RuntimeException> endedBy = new AtomicReference<>();
        FollowingConsumer f = new FollowingConsumer("test-" + topic, topic,
                FollowingConsumer.consumerProperties(connection(), "test-" + topic, 1024 * 1024), (consumer, partitions) -> {
                    following.addAll(partitions);
                    try {
                        while (true) {
                            consumer.poll(Duration.ofSeconds(10)); // only a wakeup gets it out
                        }
                    } catch (RuntimeException e) {
                        endedBy.set(e);
                        throw e;
                    }
                });
        f.start();
        await("the session", () -> !following.isEmpty());

        f.close();

        // close joins the thread, so the session has ended by now, and only the wakeup could have ended it
        assertThat(endedBy.get()).as("what ended the session").isInstanceOf(WakeupException.class);
        assertThat(f.failure()).isEmpty();
    }

    @Test
    void readsWithoutAGroupOrCommitsAndOnlyCommittedRecords() {
        Map<String, Object> p = FollowingConsumer.consumerProperties(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092",
                ConsumerConfig.GROUP_ID_CONFIG, "some-group"), "watcher", 4096);

        assertThat(p).doesNotContainKey(ConsumerConfig.GROUP_ID_CONFIG)
                .containsEntry(ConsumerConfig.CLIENT_ID_CONFIG, "watcher")
                .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .containsEntry(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4096)
                .containsEntry(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 4096)
                .containsEntry(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092");
    }
}
