package dev.streamclassify.model.artifact;

import dev.streamclassify.model.backbone.BackboneInfo;

import java.util.Objects;

/** The backbone a head was trained on, as recorded in a model version. */
public record BackboneRef(String name, String fingerprint, String cutLayer, int featureSize) {

    public BackboneRef {
        Objects.requireNonNull(name, "backbone.name");
        Objects.requireNonNull(fingerprint, "backbone.fingerprint");
        Objects.requireNonNull(cutLayer, "backbone.cutLayer");
        if (featureSize <= 0) {
            throw new IllegalArgumentException("backbone.featureSize must be positive");
        }
    }

    public static BackboneRef of(BackboneInfo info) {
        return new BackboneRef(info.name(), info.fingerprint(), info.cutLayer(), info.featureSize());
    }
}
