package dev.streamclassify.streams.topology;

import dev.streamclassify.streams.wire.DeadLetterReason;
import dev.streamclassify.streams.wire.DeadLetters;
import dev.streamclassify.streams.batching.DrainFailedException;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterExceptionHandlerTest {

    record Context(String topic, int partition, long offset, byte[] sourceRawKey, byte[] sourceRawValue)
            implements ErrorHandlerContext {
        @Override
        public Headers headers() {
            return new RecordHeaders();
        }

        @Override
        public String processorNodeId() {
            return "micro-batch-classifier";
        }

        @Override
        public TaskId taskId() {
            return new TaskId(0, partition);
        }

        @Override
        public long timestamp() {
            return 0;
        }
    }

    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    DeadLetterExceptionHandler handler = new DeadLetterExceptionHandler();

    @BeforeEach
    void configure() {
        handler.configure(Map.of(DeadLetterExceptionHandler.DLQ_TOPIC_CONFIG, "images-dlq",
                DeadLetterExceptionHandler.METRICS_CONFIG, new ClassifyMetrics(registry)));
    }

    @Test
    void deadLettersTheSourceRecordOfAProcessingFailureAndResumes() {
        byte[] key = "k".getBytes(StandardCharsets.UTF_8);
        byte[] value = {1, 2, 3};

        ProcessingExceptionHandler.Response r = handler.handleError(new Context("images", 2, 77, key, value),
                new Record<>("k", value, 0L), new IllegalStateException("boom"));

        assertThat(r.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
        ProducerRecord<byte[], byte[]> dead = r.deadLetterQueueRecords().get(0);
        assertThat(dead.topic()).isEqualTo("images-dlq");
        assertThat(dead.key()).isEqualTo(key);
        assertThat(dead.value()).isEqualTo(value);
        assertThat(header(dead, DeadLetters.REASON)).isEqualTo(DeadLetterReason.PROCESSING_FAILED.code());
        assertThat(header(dead, DeadLetters.MESSAGE)).contains("boom");
        assertThat(header(dead, DeadLetters.SOURCE_PARTITION)).isEqualTo("2");
        assertThat(header(dead, DeadLetters.SOURCE_OFFSET)).isEqualTo("77");
        assertThat(registry.get(ClassifyMetrics.DLQ).tag("reason", "processing-failed").counter().count()).isEqualTo(1);
    }

    @Test
    void failsTheTaskInsteadOfDeadLetteringTheInnocentRecordWhoseArrivalTriggeredAFailedDrain() {
        byte[] value = {1, 2, 3};

        ProcessingExceptionHandler.Response r = handler.handleError(new Context("images", 2, 78, null, value),
                new Record<>("k", value, 0L), new DrainFailedException("0_2", new IllegalStateException("store closed")));

        assertThat(r.result()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
        assertThat(r.deadLetterQueueRecords()).isEmpty();
        assertThat(registry.find(ClassifyMetrics.DLQ).counters()).isEmpty();
    }

    @Test
    void resumesWithoutADeadLetterWhenAPunctuationFails() {
        ProcessingExceptionHandler.Response r = handler.handleError(new Context(null, -1, -1, null, null), (Record<?, ?>) null,
                new IllegalStateException("punctuation"));

        assertThat(r.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
        assertThat(r.deadLetterQueueRecords()).isEmpty();
    }

    @Test
    void deadLettersARecordThatCannotBeDeserialized() {
        var record = new ConsumerRecord<>("images", 1, 5L, new byte[]{(byte) 0xff}, new byte[]{4});

        DeserializationExceptionHandler.Response r = handler.handleError(new Context("images", 1, 5, null, null), record,
                new RuntimeException("bad key"));

        assertThat(r.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(header(r.deadLetterQueueRecords().get(0), DeadLetters.REASON)).isEqualTo("deserialization-failed");
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
