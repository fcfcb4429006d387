package dev.streamclassify.trainer.control.intake;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes status events keyed by request id. One idempotent producer keeps the events of a request in the order they
 * were sent, so progress can be sent without waiting while an outcome is waited for: once an outcome is acknowledged,
 * so is everything sent before it. Thread-safe.
 */
public final class StatusPublisher implements AutoCloseable {

    /** Raised when an outcome cannot be written: the command must then not be committed. */
    public static final class PublishFailedException extends RuntimeException {
        PublishFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;

    public StatusPublisher(String topic, Map<String, Object> producerProperties) {
        Map<String, Object> p = new HashMap<>(producerProperties);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "trainer-status");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.topic = topic;
    }

    /** Progress: sent without waiting. */
    public void send(StatusEvent event) {
        producer.send(new ProducerRecord<>(topic, event.requestId(), event.toJson()));
    }

    /** An outcome: returns once the broker has it (and every event sent before it). */
    public void sendAndWait(StatusEvent event) {
        sendAndWait(topic, event.requestId(), event.toJson());
    }

    /** Any record to any topic, acknowledged: the schedule sends its retrain commands to the control topic this way. */
    public void sendAndWait(String toTopic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(toTopic, key, value)).get(2, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            throw new PublishFailedException("cannot write to " + toTopic + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new PublishFailedException("cannot write to " + toTopic + ": timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishFailedException("interrupted while writing to " + toTopic, e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
