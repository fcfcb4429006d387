package dev.streamclassify.trainer.control.intake;

import dev.streamclassify.model.format.Json;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * Decides, on the poll thread, what a control record becomes: a rejection (published at once, with the reason), a
 * duplicate of a request that ran or is queued (dropped without an event, so the request's last event stays its
 * real outcome), or an accepted {@link Request} for the worker. Duplicates are checked first: a finished id sent
 * again with another body is still the same request. Thread-safe.
 */
public final class CommandIntake {

    static final int MAX_REQUEST_ID_CHARS = 256;
    private static final Set<String> KNOWN = Set.of("retrain", "activate");

    private static final Logger LOG = LoggerFactory.getLogger(CommandIntake.class);

    private final CommandParser parser;
    private final RequestLog requests;
    private final StatusPublisher status;
    private final CommandCounts metrics;
    private final Admin admin;
    private final Duration timeout;
    private final Clock clock;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final int maxPeekBytes;

    public CommandIntake(CommandParser parser, int maxCommandBytes, RequestLog requests, StatusPublisher status, CommandCounts metrics,
                  Admin admin, Duration timeout, Clock clock) {
        this.parser = parser;
        this.maxPeekBytes = maxCommandBytes;
        this.requests = requests;
        this.status = status;
        this.metrics = metrics;
        this.admin = admin;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** @param ahead commands queued or running before this one, for the accepted message */
    public Optional<Request> admit(ConsumerRecord<String, byte[]> r, int ahead) throws InterruptedException {
        String id = r.key();
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        if (!validRequestId(id)) {
            reject("control-" + r.partition() + "-" + r.offset(), null,
                    id == null ? "control record has no key: the key is the request id"
                            : "request id must be 1-" + MAX_REQUEST_ID_CHARS + " characters without control characters");
            return Optional.empty();
        }
        if (r.value() == null) {
            LOG.info("Ignoring tombstone for request {} at {}@{}", id, tp, r.offset());
            metrics.command("unknown", "ignored");
            return Optional.empty();
        }
        if (requests.ran(id) || inFlight.contains(id)) {
            LOG.info("Request {} at {}@{} already {}; not running it again", id, tp, r.offset(), inFlight.contains(id) ? "queued" : "ran");
            metrics.command(quietName(r.value()), "duplicate");
            return Optional.empty();
        }
        Command command;
        try {
            command = parser.parse(r.value());
        } catch (CommandRejectedException e) {
            reject(id, quietName(r.value()), e.getMessage());
            return Optional.empty();
        }
        Map<TopicPartition, Long> ends = Map.of();
        if (command instanceof Command.Retrain retrain && retrain.dataset() instanceof Command.TopicRange range) {
            try {
                ends = TopicFollower.endOffsets(admin, range.topic(), timeout);
            } catch (TimeoutException e) {
                reject(id, command.name(), "training images topic " + range.topic() + " is not readable: " + e.getMessage());
                return Optional.empty();
            }
        }
        inFlight.add(id);
        status.send(new StatusEvent(id, State.ACCEPTED, command.name(), command.model(), 0.0, null,
                ahead == 0 ? "accepted" : "accepted, " + ahead + " command" + (ahead == 1 ? "" : "s") + " ahead",
                null, null, clock.instant()));
        return Optional.of(new Request(id, command, tp, r.offset(), ends));
    }

    /** The request left the queue: finished, or handed back to Kafka for redelivery. */
    public void released(Request request) {
        inFlight.remove(request.requestId());
    }

    private void reject(String id, String command, String reason) {
        status.sendAndWait(new StatusEvent(id, State.REJECTED, command, null, 0.0, null, reason, null, null, clock.instant()));
        metrics.command(command == null ? "unknown" : command, State.REJECTED.code());
        LOG.info("Rejected {}: {}", id, reason);
    }

    /** The command name for metrics and events when the value names a known one; "unknown" otherwise. */
    private String quietName(byte[] value) {
        if (value.length > maxPeekBytes) {
            return "unknown";
        }
        try {
            String name = Json.MAPPER.readTree(value).path("command").asText("");
            return KNOWN.contains(name) ? name : "unknown";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static boolean validRequestId(String id) {
        return id != null && !id.isBlank() && id.length() <= MAX_REQUEST_ID_CHARS && id.chars().noneMatch(Character::isISOControl);
    }
}
