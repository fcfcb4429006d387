package dev.streamclassify.model.catalog;

import dev.streamclassify.model.artifact.ModelVersion;

import java.util.Locale;
import java.util.Optional;

/**
 * Record keys of the compacted models topic. Every version has its own key, so compaction keeps every version
 * (rollback to any of them stays possible) while the single activation key per model keeps only the latest
 * activation:
 * <pre>
 *   version/&lt;model&gt;/&lt;version, 19 digits&gt;  -> model version artifact ({@link dev.streamclassify.model.artifact.ModelVersionCodec})
 *   active/&lt;model&gt;                            -> {@link Activation} JSON
 *   shadow/&lt;model&gt;                            -> {@link Shadow} JSON (tombstone: no shadow heads)
 *   canary/&lt;model&gt;                            -> {@link Canary} JSON (tombstone: no canary)
 * </pre>
 * An activation ends shadow and canary: whoever writes one also writes tombstones for both keys.
 * All records of a model should go to one partition (the topic is created with a single partition) so that an
 * activation is never read before the version it points to.
 */
public final class ModelsTopic {

    /**
     * The largest record the models topic carries (its {@code max.message.bytes}, and what its readers fetch): a
     * fine-tuned version may carry backbone layers, tens of MB in one record.
     */
    public static final int MAX_RECORD_BYTES = 64 * 1024 * 1024;

    public sealed interface Key permits VersionKey, ActivationKey, ShadowKey, CanaryKey {
        String model();
    }

    public record VersionKey(String model, long version) implements Key {
    }

    public record ActivationKey(String model) implements Key {
    }

    /** Versions scored on every image beside the active one, never served. */
    public record ShadowKey(String model) implements Key {
    }

    /** A version serving a stable share of image ids instead of the active one. */
    public record CanaryKey(String model) implements Key {
    }

    private ModelsTopic() {
    }

    public static String versionKey(String model, long version) {
        return "version/" + model + "/" + String.format(Locale.ROOT, "%019d", version);
    }

    public static String versionKey(ModelVersion mv) {
        return versionKey(mv.name(), mv.version());
    }

    public static String activationKey(String model) {
        return "active/" + model;
    }

    public static String shadowKey(String model) {
        return "shadow/" + model;
    }

    public static String canaryKey(String model) {
        return "canary/" + model;
    }

    /** Parses a key; empty for anything that is not ours (the topic is an external input too). */
    public static Optional<Key> parse(String key) {
        if (key == null) {
            return Optional.empty();
        }
        String[] parts = key.split("/", -1);
        if (parts.length == 2 && ModelVersion.NAME.matcher(parts[1]).matches()) {
            return switch (parts[0]) {
                case "active" -> Optional.of(new ActivationKey(parts[1]));
                case "shadow" -> Optional.of(new ShadowKey(parts[1]));
                case "canary" -> Optional.of(new CanaryKey(parts[1]));
                default -> Optional.empty();
            };
        }
        if (parts.length == 3 && parts[0].equals("version") && ModelVersion.NAME.matcher(parts[1]).matches()
                && parts[2].matches("\\d{1,19}")) {
            try {
                long v = Long.parseLong(parts[2]);
                return v >= 1 ? Optional.of(new VersionKey(parts[1], v)) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
