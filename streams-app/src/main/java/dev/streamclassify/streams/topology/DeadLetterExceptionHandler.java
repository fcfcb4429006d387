package dev.streamclassify.streams.topology;

import dev.streamclassify.streams.wire.DeadLetterReason;
import dev.streamclassify.streams.wire.DeadLetters;
import dev.streamclassify.streams.batching.DrainFailedException;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * Keeps the service alive on input it cannot handle: a record that fails deserialization or processing goes to the
 * dead-letter topic with the usual headers (reason {@link DeadLetterReason#DESERIALIZATION_FAILED} or {@link DeadLetterReason#PROCESSING_FAILED}),
 * and the stream resumes. A failed drain of the batch buffer ({@link DrainFailedException}) is not the current
 * record's fault: it fails the task instead. Kafka Streams instantiates and configures it; see {@link #DLQ_TOPIC_CONFIG} and
 * {@link #METRICS_CONFIG}. Thread-safe.
 */
public final class DeadLetterExceptionHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {

    /** Streams config entry naming the dead-letter topic. */
    public static final String DLQ_TOPIC_CONFIG = "classify.dlq.topic";
    /** Streams config entry holding the {@link ClassifyMetrics} instance (an object, not a string). */
    public static final String METRICS_CONFIG = "classify.metrics";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterExceptionHandler.class);

    private String dlqTopic;
    private ClassifyMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
        Object topic = configs.get(DLQ_TOPIC_CONFIG);
        if (topic == null) {
            throw new IllegalArgumentException(DLQ_TOPIC_CONFIG + " must name the dead-letter topic");
        }
        dlqTopic = topic.toString();
        metrics = configs.get(METRICS_CONFIG) instanceof ClassifyMetrics m ? m : null;
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                                Exception exception) {
        LOG.warn("Cannot deserialize {}-{}-{}, dead-lettering it: {}", record.topic(), record.partition(), record.offset(),
                exception.toString());
        return DeserializationExceptionHandler.Response.resume(List.of(deadLetter(DeadLetterReason.DESERIALIZATION_FAILED, exception,
                record.key(), record.value(), record.topic(), record.partition(), record.offset())));
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context,
                                                           org.apache.kafka.streams.processor.api.Record<?, ?> record,
                                                           Exception exception) {
        if (exception instanceof DrainFailedException) {
            // the source record is safely buffered, and the drain may have forwarded part of its outcomes: fail the task
            // (exactly_once_v2 aborts them) instead of dead-lettering a record that did nothing wrong
            LOG.error("Draining a batch failed in task {}; failing the task so it restarts from its last commit", context.taskId(), exception);
            return ProcessingExceptionHandler.Response.fail();
        }
        if (context.topic() == null || context.sourceRawValue() == null) {
            // a punctuation has no source record to dead-letter; its images stay buffered for the next one
            LOG.error("Processing failed in {} of task {} without a source record; resuming", context.processorNodeId(),
                    context.taskId(), exception);
            return ProcessingExceptionHandler.Response.resume();
        }
        LOG.error("Processing {}-{}-{} failed in {}, dead-lettering it", context.topic(), context.partition(), context.offset(),
                context.processorNodeId(), exception);
        return ProcessingExceptionHandler.Response.resume(List.of(deadLetter(DeadLetterReason.PROCESSING_FAILED, exception,
                context.sourceRawKey(), context.sourceRawValue(), context.topic(), context.partition(), context.offset())));
    }

    private ProducerRecord<byte[], byte[]> deadLetter(DeadLetterReason reason, Exception e, byte[] key, byte[] value, String topic,
                                                      int partition, long offset) {
        if (metrics != null) {
            metrics.deadLettered(reason.code());
        }
        return new ProducerRecord<>(dlqTopic, null, null, key, value,
                DeadLetters.headers(reason, e.toString(), topic, partition, offset));
    }
}
