package dev.streamclassify.model.backbone;

import dev.streamclassify.model.image.PreprocessingSpec;

import java.util.Objects;

/**
 * What identifies a backbone to a head: the artifact's fingerprint, the layer the features are cut at, the
 * input it expects and the size of the flattened feature vector it yields.
 */
public record BackboneInfo(String name, String fingerprint, String cutLayer, PreprocessingSpec preprocessing, int featureSize) {

    public BackboneInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cutLayer, "cutLayer");
        Objects.requireNonNull(preprocessing, "preprocessing");
        if (fingerprint == null || !fingerprint.startsWith("sha256:")) {
            throw new IllegalArgumentException("fingerprint must be sha256:<hex>, was " + fingerprint);
        }
        if (featureSize <= 0) {
            throw new IllegalArgumentException("featureSize must be positive");
        }
    }
}
