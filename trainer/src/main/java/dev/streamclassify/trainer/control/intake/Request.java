package dev.streamclassify.trainer.control.intake;

import org.apache.kafka.common.TopicPartition;

import java.util.Map;
import java.util.Objects;

/**
 * An accepted command and where it came from. {@code datasetEnds} fixes, at acceptance, the end offsets a topic
 * retrain reads up to (empty for other commands), so images produced while the command waits in the queue are left
 * for the next retrain.
 */
public record Request(String requestId, Command command, TopicPartition source, long offset, Map<TopicPartition, Long> datasetEnds) {

    public Request {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(command, "command");
        datasetEnds = Map.copyOf(datasetEnds);
    }
}
