package dev.streamclassify.streams.models;

import dev.streamclassify.model.artifact.ModelVersion;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** What a serving model version is, without its weights: for readiness, logs and predictions. */
public record ActiveModel(String name, long version, String backboneFingerprint, List<String> labels, Instant loadedAt) {

    public ActiveModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(backboneFingerprint, "backboneFingerprint");
        labels = List.copyOf(labels);
        Objects.requireNonNull(loadedAt, "loadedAt");
    }

    public static ActiveModel of(ModelVersion mv, Instant loadedAt) {
        return new ActiveModel(mv.name(), mv.version(), mv.backbone().fingerprint(), mv.labels(), loadedAt);
    }

    /** {@code name:vN}. */
    public String id() {
        return name + ":v" + version;
    }
}
