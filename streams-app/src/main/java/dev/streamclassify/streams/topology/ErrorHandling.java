package dev.streamclassify.streams.topology;

import dev.streamclassify.streams.metrics.ClassifyMetrics;
import org.apache.kafka.streams.StreamsConfig;

import java.util.Map;

/** Wires the exception handlers that keep bad input from stopping the service into a Kafka Streams configuration. */
public final class ErrorHandling {

    private ErrorHandling() {
    }

    /** Adds the handlers, the dead-letter topic they write to and the metrics they count in to {@code props}. */
    public static void configure(Map<String, Object> props, String deadLetterTopic, ClassifyMetrics metrics) {
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterExceptionHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterExceptionHandler.class);
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, LoggingProductionExceptionHandler.class);
        props.put(DeadLetterExceptionHandler.DLQ_TOPIC_CONFIG, deadLetterTopic);
        props.put(DeadLetterExceptionHandler.METRICS_CONFIG, metrics);
        coverGlobalThreads(props);
    }

    /**
     * Kafka 4.x warns at every start until the processing exception handler also covers global threads, which
     * becomes the only behaviour in 5.0 (hence the deprecated name). This topology has no global stores. The
     * partition assignor rebuilds a StreamsConfig from the main consumer's settings, so they need the flag too.
     */
    @SuppressWarnings("deprecation")
    private static void coverGlobalThreads(Map<String, Object> props) {
        props.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        props.putIfAbsent(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), true);
    }
}
