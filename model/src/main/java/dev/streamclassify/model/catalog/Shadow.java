package dev.streamclassify.model.catalog;

import dev.streamclassify.model.artifact.ModelVersion;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Versions of a model that score every image beside the active one, for comparison only: their predictions are never
 * the served answer. The latest record wins; an empty list or a tombstone means no shadow heads.
 */
public record Shadow(String model, List<Long> versions, String requestId, Instant at) {

    /** Every shadow head costs a head pass per batch; a bound keeps a hostile record from loading every version. */
    public static final int MAX_VERSIONS = 8;

    public Shadow {
        if (model == null || !ModelVersion.NAME.matcher(model).matches()) {
            throw new IllegalArgumentException("invalid model name " + model);
        }
        versions = List.copyOf(versions);
        if (versions.size() > MAX_VERSIONS) {
            throw new IllegalArgumentException("at most " + MAX_VERSIONS + " shadow versions, got " + versions.size());
        }
        if (versions.stream().anyMatch(v -> v < 1) || versions.stream().distinct().count() != versions.size()) {
            throw new IllegalArgumentException("shadow versions must be distinct and >= 1, were " + versions);
        }
        Objects.requireNonNull(at, "at");
    }

    public byte[] toJson() {
        return CatalogJson.write(this);
    }

    public static Shadow fromJson(byte[] json) throws IOException {
        return CatalogJson.read(json, Shadow.class, "shadow");
    }
}
