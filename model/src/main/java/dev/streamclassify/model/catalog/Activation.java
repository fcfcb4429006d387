package dev.streamclassify.model.catalog;

import dev.streamclassify.model.artifact.ModelVersion;

import java.io.IOException;
import java.time.Instant;
import java.util.Objects;

/** Which version of a model serves; the latest activation record of a model wins. */
public record Activation(String model, long version, String requestId, Instant activatedAt) {

    public Activation {
        if (model == null || !ModelVersion.NAME.matcher(model).matches()) {
            throw new IllegalArgumentException("invalid model name " + model);
        }
        if (version < 1) {
            throw new IllegalArgumentException("version must be >= 1");
        }
        Objects.requireNonNull(activatedAt, "activatedAt");
    }

    public byte[] toJson() {
        return CatalogJson.write(this);
    }

    public static Activation fromJson(byte[] json) throws IOException {
        return CatalogJson.read(json, Activation.class, "activation");
    }
}
