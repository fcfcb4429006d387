package dev.streamclassify.model.catalog;

import dev.streamclassify.model.artifact.ModelVersion;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Objects;

/**
 * A candidate version that serves {@code percent} of image ids instead of the active version. Which ids is decided by
 * {@link #selects}, a stable hash of the id alone: every instance, every restart and every replay of an image picks
 * the same version for it. The latest record wins; a tombstone (or percent 0) ends the canary.
 */
public record Canary(String model, long version, int percent, String requestId, Instant at) {

    public Canary {
        if (model == null || !ModelVersion.NAME.matcher(model).matches()) {
            throw new IllegalArgumentException("invalid model name " + model);
        }
        if (version < 1) {
            throw new IllegalArgumentException("version must be >= 1");
        }
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("percent must be in [0, 100], was " + percent);
        }
        Objects.requireNonNull(at, "at");
    }

    /** True if the image {@code imageId} is served by the canary. */
    public boolean selects(String imageId) {
        return bucket(imageId) < percent * 100;
    }

    /**
     * The id's bucket in [0, 10000). SHA-256 rather than murmur2: the producer's partitioner hashes the same key with
     * murmur2, and reusing it would put the canary on a few partitions instead of spreading it over all of them.
     */
    public static int bucket(String imageId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(imageId.getBytes(StandardCharsets.UTF_8));
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (h[i] & 0xff);
            }
            return (int) Long.remainderUnsigned(v, 10_000);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    public byte[] toJson() {
        return CatalogJson.write(this);
    }

    public static Canary fromJson(byte[] json) throws IOException {
        return CatalogJson.read(json, Canary.class, "canary");
    }
}
