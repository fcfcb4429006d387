package dev.streamclassify.service;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reads every partition of one topic on its own thread, without a consumer group (assign, no commits): for topics
 * that every instance must see whole, such as the models and status topics. Waits for the topic to exist, then hands
 * a consumer with all partitions assigned to a {@link Session}, which seeks and polls until {@link #running()} turns
 * false. A client failure ({@link RuntimeException}) closes that consumer and, after {@link #RETRY_BACKOFF}, starts a
 * new session with a new one; anything else stops the follower for good and is kept as {@link #failure()}.
 *
 * <p>Thread-safe to start, query and close; owns its consumers, not what the session feeds.
 */
public final class FollowingConsumer implements AutoCloseable {

    /** Pause before reconnecting, and between looks for a topic that does not exist yet. */
    public static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);
    static final Duration METADATA_TIMEOUT = Duration.ofSeconds(10);
    static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(FollowingConsumer.class);

    /** One connection's worth of reading, on the follower's thread. */
    @FunctionalInterface
    public interface Session {

        /**
         * Positions {@code consumer}, which has every partition of the topic assigned, and reads until the follower
         * stops running. Throwing a {@link RuntimeException} reconnects; a {@link WakeupException} from a poll means
         * the follower is closing.
         */
        void follow(Consumer<String, byte[]> consumer, List<TopicPartition> partitions);
    }

    private final String name;
    private final String topic;
    private final Map<String, Object> consumerProperties;
    private final Session session;
    private final Thread thread;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile Consumer<String, byte[]> consumer;
    private volatile Throwable failure;

    /**
     * @param name of the thread and in log lines
     * @param consumerProperties complete consumer settings, see {@link #consumerProperties(Map, String, int)}
     */
    public FollowingConsumer(String name, String topic, Map<String, Object> consumerProperties, Session session) {
        this.name = Objects.requireNonNull(name, "name");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.consumerProperties = Map.copyOf(consumerProperties);
        this.session = Objects.requireNonNull(session, "session");
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /**
     * Consumer settings for a follower: the connection settings (bootstrap servers, security) without any group, with
     * this client id, no offset commits, committed records only, and fetches of up to {@code fetchBytes}.
     */
    public static Map<String, Object> consumerProperties(Map<String, Object> connection, String clientId, int fetchBytes) {
        Map<String, Object> p = new HashMap<>(connection);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, fetchBytes);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, fetchBytes);
        return p;
    }

    public void start() {
        thread.start();
    }

    public String topic() {
        return topic;
    }

    /** True until {@link #stop()} or {@link #close()} is called. */
    public boolean running() {
        return stop.getCount() > 0;
    }

    /** Why the thread stopped for good while still meant to run, if it did: then nothing more will be read. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    private void run() {
        try {
            followUntilStopped();
        } catch (Throwable t) {
            failure = t;
            LOG.error("{} stopped; nothing more of {} will be read", name, topic, t);
        }
    }

    private void followUntilStopped() {
        while (running()) {
            try (Consumer<String, byte[]> c = new KafkaConsumer<>(consumerProperties, new StringDeserializer(), new ByteArrayDeserializer())) {
                consumer = c;
                List<TopicPartition> partitions = awaitPartitions(c);
                if (!partitions.isEmpty()) {
                    c.assign(partitions);
                    session.follow(c, partitions);
                }
            } catch (WakeupException e) {
                // stop() asked us to
            } catch (RuntimeException e) {
                if (running()) {
                    LOG.warn("Following {} failed, reconnecting in {} ms: {}", topic, RETRY_BACKOFF.toMillis(), e.toString());
                    LOG.debug("{} failed", name, e);
                    pause(RETRY_BACKOFF);
                }
            } finally {
                consumer = null;
            }
        }
    }

    private List<TopicPartition> awaitPartitions(Consumer<String, byte[]> c) {
        while (running()) {
            List<PartitionInfo> infos = c.partitionsFor(topic, METADATA_TIMEOUT);
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            }
            LOG.warn("Topic {} does not exist yet; waiting for it", topic);
            pause(RETRY_BACKOFF);
        }
        return List.of();
    }

    private void pause(Duration d) {
        try {
            stop.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.countDown();
        }
    }

    /** Asks the thread to stop and wakes its consumer; returns at once. */
    public void stop() {
        stop.countDown();
        Consumers.wakeUp(consumer);
    }

    /** {@link #stop()}, then waits up to 30 s for the thread to end. */
    @Override
    public void close() {
        stop();
        if (thread.isAlive() && thread != Thread.currentThread()) {
            try {
                thread.join(JOIN_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
