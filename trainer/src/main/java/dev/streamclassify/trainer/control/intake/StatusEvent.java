package dev.streamclassify.trainer.control.intake;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.streamclassify.model.format.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * One event on the status topic, keyed by {@link #requestId()}. Events of one request arrive in order; the last one
 * is its outcome ({@code succeeded}, {@code failed} or {@code rejected}). {@code command}, {@code model},
 * {@code epoch}, {@code modelVersion} and {@code metrics} are null where they do not apply.
 *
 * @param progress 0..1, never decreasing within a request
 */
public record StatusEvent(String requestId, State state, String command, String model, double progress, Integer epoch,
                          String message, Long modelVersion, RunMetrics metrics, Instant timestamp) {

    public enum State {
        ACCEPTED, RUNNING, SUCCEEDED, FAILED, REJECTED;

        /** Succeeded and failed requests ran; they never run again under the same request id. */
        public boolean ran() {
            return this == SUCCEEDED || this == FAILED;
        }

        public boolean terminal() {
            return ran() || this == REJECTED;
        }

        @JsonValue
        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static State of(String code) {
            return Arrays.stream(values()).filter(s -> s.code().equals(code)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown state " + code));
        }
    }

    public StatusEvent {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(timestamp, "timestamp");
        if (!(progress >= 0 && progress <= 1)) {
            throw new IllegalArgumentException("progress must be in [0, 1], was " + progress);
        }
    }

    public byte[] toJson() {
        try {
            return Json.MAPPER.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static StatusEvent fromJson(byte[] json) throws IOException {
        try {
            return Json.MAPPER.readValue(json, StatusEvent.class);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IOException("invalid status event: " + e.getMessage(), e);
        }
    }
}
