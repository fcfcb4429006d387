package dev.streamclassify.streams.quality;

import java.util.Objects;

/** One head's prediction of one image next to the image's true label; keyed by {@link #key(String, long)}. */
public record Judged(String model, long version, String role, String predicted, String actual) {

    public Judged {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(predicted, "predicted");
        Objects.requireNonNull(actual, "actual");
    }

    /** The key of a model version on the quality topics: {@code model:vN}. */
    public static String key(String model, long version) {
        return model + ":v" + version;
    }
}
