package dev.streamclassify.trainer.control.intake;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamclassify.model.format.Json;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * The request ids that already ran (succeeded or failed), read back from the status topic and kept up to date by
 * following it. The status topic is the durable record of what ran: a restarted instance, or the instance a control
 * partition moves to, reads it before handling commands and so never runs a finished request again. Rejected
 * requests did not run; their ids may be sent again with a corrected command. Thread-safe.
 */
public final class RequestLog implements AutoCloseable {

    private final Set<String> ran = ConcurrentHashMap.newKeySet();
    private final TopicFollower follower;

    public RequestLog(String statusTopic, Map<String, Object> consumerProperties) {
        this.follower = new TopicFollower("trainer-status-" + statusTopic, statusTopic, consumerProperties, 1024 * 1024, this::apply);
    }

    public void start() {
        follower.start();
    }

    public void awaitCaughtUp(Admin admin, Duration timeout) throws TimeoutException, InterruptedException {
        follower.awaitCaughtUp(admin, timeout);
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null || r.value() == null) {
            return;
        }
        try {
            JsonNode state = Json.MAPPER.readTree(r.value()).get("state");
            if (state != null && state.isTextual() && StatusEvent.State.of(state.textValue()).ran()) {
                ran.add(r.key());
            }
        } catch (IOException | IllegalArgumentException e) {
            // not one of our events: the topic is writable by others
        }
    }

    public boolean ran(String requestId) {
        return ran.contains(requestId);
    }

    /** Records an outcome this instance has just published, before the follower reads it back. */
    public void markRan(String requestId) {
        ran.add(requestId);
    }

    @Override
    public void close() {
        follower.close();
    }
}
