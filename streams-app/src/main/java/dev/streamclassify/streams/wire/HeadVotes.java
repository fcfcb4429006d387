package dev.streamclassify.streams.wire;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What every head running on one image said about it: the prediction side of label feedback. {@code labels} maps each
 * version (active, canary, shadows) to the label it predicted; {@code served} is the version whose answer was served.
 */
public record HeadVotes(String model, long active, long served, Map<Long, String> labels, Instant at) {

    public HeadVotes {
        Objects.requireNonNull(model, "model");
        labels = new TreeMap<>(labels);
        Objects.requireNonNull(at, "at");
    }

    /** The role a version played for this image: active, canary or shadow. */
    public String role(long version) {
        if (version == active) {
            return "active";
        }
        return version == served ? "canary" : "shadow";
    }
}
