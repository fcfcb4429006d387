package dev.streamclassify.service;

import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConsumersTest {

    @Test
    void wakesAPollingConsumer() {
        MockConsumer<String, byte[]> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());

        Consumers.wakeUp(consumer);

        assertThatThrownBy(() -> consumer.poll(Duration.ZERO)).isInstanceOf(WakeupException.class);
    }

    @Test
    void ignoresAMissingOrClosedConsumer() {
        MockConsumer<String, byte[]> closed = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
        closed.close();

        assertThatCode(() -> Consumers.wakeUp(null)).doesNotThrowAnyException();
        assertThatCode(() -> Consumers.wakeUp(closed)).doesNotThrowAnyException();
    }
}
