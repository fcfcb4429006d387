package dev.streamclassify.trainer.control.service;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OffsetTrackerTest {

    private static final TopicPartition P0 = new TopicPartition("control", 0);
    private static final TopicPartition P1 = new TopicPartition("control", 1);

    @Test
    void commitNeverPassesAnUnfinishedCommand() {
        OffsetTracker t = new OffsetTracker();
        t.received(P0, 10);
        t.received(P0, 11);
        t.received(P0, 12);
        t.finished(P0, 11);
        t.finished(P0, 12);

        assertThat(t.committable()).isEqualTo(Map.of(P0, 10L));
        t.committed(Map.of(P0, 10L));
        assertThat(t.committable()).isEmpty();

        t.finished(P0, 10);
        assertThat(t.committable()).isEqualTo(Map.of(P0, 13L));
    }

    @Test
    void anUncommittedPointIsOfferedAgain() {
        OffsetTracker t = new OffsetTracker();
        t.received(P0, 0);
        t.finished(P0, 0);

        assertThat(t.committable()).isEqualTo(Map.of(P0, 1L));
        assertThat(t.committable()).isEqualTo(Map.of(P0, 1L));
    }

    @Test
    void partitionsAreIndependentAndForgottenOnRevocation() {
        OffsetTracker t = new OffsetTracker();
        t.received(P0, 5);
        t.received(P1, 7);
        t.finished(P1, 7);

        assertThat(t.committable()).isEqualTo(Map.of(P0, 5L, P1, 8L));
        t.remove(List.of(P0));
        assertThat(t.committable()).isEqualTo(Map.of(P1, 8L));
    }
}
