package dev.streamclassify.trainer.control.service;

import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * Which control offsets may be committed. A record is committable once its outcome is published; commands finish
 * out of order (a rejection is immediate, a retrain takes minutes), and a partition's commit may only move past
 * records that are all finished, so the commit point is the lowest unfinished offset. Not thread-safe: the poll
 * thread owns it.
 */
final class OffsetTracker {

    private static final class PartitionState {
        final TreeSet<Long> open = new TreeSet<>();
        long next = -1;
        long committed = -1;
    }

    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();

    void received(TopicPartition tp, long offset) {
        PartitionState s = partitions.computeIfAbsent(tp, k -> new PartitionState());
        s.open.add(offset);
        s.next = Math.max(s.next, offset + 1);
    }

    void finished(TopicPartition tp, long offset) {
        PartitionState s = partitions.get(tp);
        if (s != null) {
            s.open.remove(offset);
        }
    }

    /** Offsets to commit now (the next record to read), only where the commit point moved since the last commit. */
    Map<TopicPartition, Long> committable() {
        Map<TopicPartition, Long> out = new HashMap<>();
        partitions.forEach((tp, s) -> {
            OptionalLong point = commitPoint(s);
            if (point.isPresent() && point.getAsLong() > s.committed) {
                out.put(tp, point.getAsLong());
            }
        });
        return out;
    }

    /** Records a successful commit of {@code offsets}. */
    void committed(Map<TopicPartition, Long> offsets) {
        offsets.forEach((tp, o) -> {
            PartitionState s = partitions.get(tp);
            if (s != null) {
                s.committed = Math.max(s.committed, o);
            }
        });
    }

    private static OptionalLong commitPoint(PartitionState s) {
        if (s.next < 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(s.open.isEmpty() ? s.next : s.open.first());
    }

    /** Forgets partitions this consumer no longer owns. */
    void remove(Collection<TopicPartition> revoked) {
        revoked.forEach(partitions::remove);
    }
}
