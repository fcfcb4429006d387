package dev.streamclassify.trainer.control.retrain;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Reads fixed offset ranges of topic partitions to their end with an assigned consumer: the one loop behind the
 * labelled training images and the unlabelled pool. Stateless.
 */
final class TopicRanges {

    private TopicRanges() {
    }

    /** Consumer settings for reading ranges: no group, no commits, only committed transactions. */
    static Map<String, Object> readerProperties(Map<String, Object> consumerProperties, String clientId) {
        Map<String, Object> p = new HashMap<>(consumerProperties);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return p;
    }

    /**
     * Hands every record of {@code [from, to)} of each partition in {@code ranges} to {@code sink}.
     *
     * @param stall fail when no record arrives for this long although a range is not read to its end
     * @throws IllegalStateException on a stall
     * @throws CancellationException when {@code cancelled} turns true
     */
    static <K> void read(Consumer<K, byte[]> c, Map<TopicPartition, long[]> ranges, Duration stall, BooleanSupplier cancelled,
                         String what, java.util.function.Consumer<ConsumerRecord<K, byte[]>> sink) {
        Map<TopicPartition, long[]> open = new HashMap<>();
        ranges.forEach((tp, r) -> {
            if (r[0] < r[1]) {
                open.put(tp, r);
            }
        });
        c.assign(open.keySet());
        open.forEach((tp, r) -> c.seek(tp, r[0]));
        long lastProgress = System.nanoTime();
        while (!open.isEmpty()) {
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("cancelled while reading " + what);
            }
            boolean any = false;
            for (ConsumerRecord<K, byte[]> r : c.poll(Duration.ofMillis(200))) {
                long[] range = open.get(new TopicPartition(r.topic(), r.partition()));
                if (range != null && r.offset() < range[1]) {
                    sink.accept(r);
                    any = true;
                }
            }
            for (TopicPartition tp : new ArrayList<>(open.keySet())) {
                if (c.position(tp) >= open.get(tp)[1]) {
                    open.remove(tp);
                    c.pause(List.of(tp));
                    any = true;
                }
            }
            if (any) {
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > stall.toNanos()) {
                throw new IllegalStateException("reading " + what + " stalled for " + stall.toSeconds() + " s before the end of " + open.keySet());
            }
        }
    }
}
