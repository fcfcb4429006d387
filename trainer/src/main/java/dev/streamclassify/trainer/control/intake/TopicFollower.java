package dev.streamclassify.trainer.control.intake;

import dev.streamclassify.service.FollowingConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads every partition of a topic from the beginning and keeps following it on its own thread, without a consumer
 * group (assign + seek): what the models and status topics need, where every instance must see every record. After a
 * client failure it reconnects and resumes where it was, so a handler sees each record once per follower.
 * {@link #awaitCaughtUp} lets another thread wait until everything written before the call has been handled.
 * Thread-safe; owns its consumer.
 */
public final class TopicFollower implements AutoCloseable {

    public interface Handler {
        /** Called on the follower's thread, in offset order per partition. */
        void handle(ConsumerRecord<String, byte[]> record);
    }

    static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

    private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);

    private final String topic;
    private final Handler handler;
    private final FollowingConsumer follower;
    private final Map<TopicPartition, Long> positions = new HashMap<>();

    public TopicFollower(String name, String topic, Map<String, Object> consumerProperties, int fetchBytes, Handler handler) {
        this.topic = topic;
        this.handler = handler;
        this.follower = new FollowingConsumer(name, topic, FollowingConsumer.consumerProperties(consumerProperties, name, fetchBytes), this::follow);
    }

    public void start() {
        follower.start();
    }

    String topic() {
        return topic;
    }

    /**
     * Waits until the follower has handled every record that was in the topic when this was called.
     *
     * @throws TimeoutException if that takes longer than {@code timeout}, or the topic cannot be described
     */
    public void awaitCaughtUp(Admin admin, Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> ends = endOffsets(admin, topic, timeout);
        synchronized (positions) {
            while (!reached(ends)) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !follower.running()) {
                    throw new TimeoutException("not caught up with " + topic + " within " + timeout.toMillis()
                            + " ms: at " + positions + ", end " + ends);
                }
                positions.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    private boolean reached(Map<TopicPartition, Long> ends) {
        return ends.entrySet().stream().allMatch(e -> e.getValue() == 0 || positions.getOrDefault(e.getKey(), -1L) >= e.getValue());
    }

    /** End offsets as a read_committed reader sees them. */
    public static Map<TopicPartition, Long> endOffsets(Admin admin, String topic, Duration timeout) throws TimeoutException, InterruptedException {
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic);
            Map<TopicPartition, OffsetSpec> latest = d.partitions().stream()
                    .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
            return admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        } catch (ExecutionException e) {
            throw new TimeoutException("cannot read the end offsets of " + topic + ": " + e.getCause().getMessage());
        }
    }

    /** A new connection resumes where the last one was, so no record is handled twice. */
    private void follow(Consumer<String, byte[]> c, List<TopicPartition> partitions) {
        Map<TopicPartition, Long> resume;
        synchronized (positions) {
            resume = new HashMap<>(positions);
        }
        for (TopicPartition tp : partitions) {
            if (resume.containsKey(tp)) {
                c.seek(tp, resume.get(tp));
            } else {
                c.seekToBeginning(List.of(tp));
            }
        }
        while (follower.running()) {
            for (ConsumerRecord<String, byte[]> r : c.poll(POLL_TIMEOUT)) {
                try {
                    handler.handle(r);
                } catch (RuntimeException e) {
                    LOG.warn("Skipping {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
                }
            }
            Map<TopicPartition, Long> now = partitions.stream().collect(Collectors.toMap(Function.identity(), c::position));
            synchronized (positions) {
                positions.putAll(now);
                positions.notifyAll();
            }
        }
    }

    @Override
    public void close() {
        follower.stop();
        // a waiter in awaitCaughtUp gives up at once instead of at its deadline
        synchronized (positions) {
            positions.notifyAll();
        }
        follower.close();
    }
}
