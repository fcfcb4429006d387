package dev.streamclassify.model.catalog;

import com.fasterxml.jackson.core.JacksonException;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.internal.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
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
        try {
            return Json.MAPPER.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Activation fromJson(byte[] json) throws IOException {
        try {
            Activation a = Json.MAPPER.readValue(json, Activation.class);
            if (a == null) {
                throw new IOException("invalid activation record: JSON null");
            }
            return a;
        } catch (JacksonException | IllegalArgumentException | NullPointerException e) {
            throw new IOException("invalid activation record: " + e.getMessage(), e);
        }
    }
}
