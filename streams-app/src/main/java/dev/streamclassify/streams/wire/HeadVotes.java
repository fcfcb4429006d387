package dev.streamclassify.streams.wire;

import dev.streamclassify.streams.wire.PredictionEvent.SourceRef;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What every head running on one image said about it: the prediction side of label feedback. {@code labels} maps each
 * version (active, canary, shadows) to the label it predicted; {@code served} is the version whose answer was served;
 * {@code source} is where the image is on the images topic (null in votes stored before it was recorded), so that a
 * labelled image can be read back from there instead of being kept in the join store.
 */
public record HeadVotes(String model, long active, long served, Map<Long, String> labels, Instant at, SourceRef source) {

    public HeadVotes {
        Objects.requireNonNull(model, "model");
        labels = new TreeMap<>(labels);
        Objects.requireNonNull(at, "at");
    }

    public HeadVotes(String model, long active, long served, Map<Long, String> labels, Instant at) {
        this(model, active, served, labels, at, null);
    }

    /** These votes, for the image at {@code source}. */
    public HeadVotes from(SourceRef source) {
        return new HeadVotes(model, active, served, labels, at, source);
    }

    /** The role a version played for this image: active, canary or shadow. */
    public String role(long version) {
        if (version == active) {
            return "active";
        }
        return version == served ? "canary" : "shadow";
    }
}
