package dev.streamclassify.streams.quality.promotion;

import dev.streamclassify.streams.wire.ModelQuality;

import java.time.Instant;
import java.util.Objects;

/** The latest live figures of one version that a promotion decision rests on. */
public record Evidence(double accuracy, long labelled, long correct, Instant updatedAt) {

    public Evidence {
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    public static Evidence of(ModelQuality q) {
        return new Evidence(q.accuracy(), q.labelled(), q.correct(), q.updatedAt());
    }
}
