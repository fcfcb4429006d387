package dev.streamclassify.streams.topology;

import dev.streamclassify.streams.metrics.ClassifyMetrics;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Retries what Kafka calls retriable; otherwise logs the failed output record, counts it in
 * {@value ClassifyMetrics#PRODUCE_ERRORS} and lets the stream continue, so one record the broker refuses (too large
 * for the topic, say) cannot stop the service. Thread-safe.
 */
public final class LoggingProductionExceptionHandler implements ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(LoggingProductionExceptionHandler.class);

    private ClassifyMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
        metrics = configs.get(DeadLetterExceptionHandler.METRICS_CONFIG) instanceof ClassifyMetrics m ? m : null;
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (exception instanceof RetriableException) {
            return Response.retry();
        }
        skip(context, record, exception);
        return Response.resume();
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                             SerializationExceptionOrigin origin) {
        skip(context, record, exception);
        return Response.resume();
    }

    private void skip(ErrorHandlerContext context, ProducerRecord<?, ?> record, Exception exception) {
        LOG.error("Cannot write a record to {} (input {}-{}-{}); skipping it: {}", record.topic(), context.topic(),
                context.partition(), context.offset(), exception.toString());
        if (metrics != null) {
            metrics.produceError(record.topic(), exception.getClass().getSimpleName());
        }
    }
}
