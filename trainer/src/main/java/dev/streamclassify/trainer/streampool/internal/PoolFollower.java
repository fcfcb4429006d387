package dev.streamclassify.trainer.streampool.internal;

import dev.streamclassify.service.FollowingConsumer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Follows every partition of the images topic on a thread and consumer of its own ({@link FollowingConsumer}),
 * feeding {@link PoolIngest}, so the control loop never waits on it and it never waits on the control loop.
 *
 * <p>Assign-and-seek, no consumer group: every trainer instance keeps a pool of its own (the instance that takes over
 * the control partition must have a warm pool), a group would split the partitions between instances, and nothing
 * needs committing because the pool lives in memory. A partition starts {@code refill} records before its end, so a
 * restart refills the pool from the last offsets; after a broker error the new consumer goes on from the offsets
 * already read. New partitions of the topic are picked up within {@link #PARTITION_CHECK}. Start and close from any
 * thread.
 */
public final class PoolFollower implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PoolFollower.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(10);
    static final Duration PARTITION_CHECK = Duration.ofSeconds(30);
    /** Enough for a batch of large images; the decoder refuses larger ones anyway. */
    private static final int FETCH_BYTES = 16 * 1024 * 1024;

    private final String topic;
    private final int refill;
    private final PoolIngest ingest;
    private final FollowingConsumer follower;
    /** Next offset to read per partition: outlives a consumer replaced after an error. */
    private final Map<TopicPartition, Long> next = new ConcurrentHashMap<>();

    public PoolFollower(String topic, int refill, Map<String, Object> consumerProperties, PoolIngest ingest) {
        this.topic = topic;
        this.refill = refill;
        this.ingest = ingest;
        this.follower = new FollowingConsumer("trainer-pool", topic,
                FollowingConsumer.consumerProperties(consumerProperties, "trainer-pool", FETCH_BYTES), this::follow);
    }

    public void start() {
        follower.start();
    }

    /** True while the pool is fed: false once the follower stopped for good (see the log) or was closed. */
    public boolean following() {
        return follower.running() && follower.failure().isEmpty();
    }

    private void follow(Consumer<String, byte[]> c, List<TopicPartition> partitions) {
        seek(c, partitions);
        long checkAt = System.nanoTime() + PARTITION_CHECK.toNanos();
        while (follower.running()) {
            ConsumerRecords<String, byte[]> records;
            try {
                records = c.poll(POLL);
            } catch (RecordDeserializationException e) {
                // unreadable on the broker: step over it, or every retry would stop here again
                ingest.skip(PoolIngest.UNREADABLE);
                next.put(e.topicPartition(), e.offset() + 1);
                c.seek(e.topicPartition(), e.offset() + 1);
                continue;
            }
            for (ConsumerRecord<String, byte[]> r : records) {
                ingest.accept(r);
            }
            ingest.flush();
            for (TopicPartition tp : records.partitions()) {
                List<ConsumerRecord<String, byte[]>> rs = records.records(tp);
                next.put(tp, rs.get(rs.size() - 1).offset() + 1);
            }
            if (System.nanoTime() - checkAt >= 0) {
                checkAt = System.nanoTime() + PARTITION_CHECK.toNanos();
                List<PartitionInfo> now = c.partitionsFor(topic, METADATA_TIMEOUT);
                if (now != null && now.size() != partitions.size()) {
                    // a new session assigns them all; the partitions already read go on from their offsets
                    throw new KafkaException(topic + " now has " + now.size() + " partitions, was " + partitions.size());
                }
            }
        }
    }

    /** Partitions read before go on where they were; new ones start {@code refill} records before their end. */
    private void seek(Consumer<String, byte[]> c, List<TopicPartition> partitions) {
        Set<TopicPartition> fresh = new HashSet<>();
        for (TopicPartition tp : partitions) {
            Long position = next.get(tp);
            if (position != null) {
                c.seek(tp, position);
            } else {
                fresh.add(tp);
            }
        }
        if (fresh.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> begin = c.beginningOffsets(fresh, METADATA_TIMEOUT);
        Map<TopicPartition, Long> end = c.endOffsets(fresh, METADATA_TIMEOUT);
        for (TopicPartition tp : fresh) {
            // any one partition may hold all of the most recent images
            c.seek(tp, Math.max(begin.get(tp), end.get(tp) - refill));
        }
        LOG.info("Stream pool follows {} partitions of {}, refilling up to {} images from each", partitions.size(), topic, refill);
    }

    @Override
    public void close() {
        follower.close();
    }
}
