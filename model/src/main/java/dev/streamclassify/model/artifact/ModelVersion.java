package dev.streamclassify.model.artifact;

import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.PreprocessingSpec;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One published model version: everything the serving side needs to validate and load a head for its backbone.
 * {@code headWeights} are the parameters of the head that {@link dev.streamclassify.model.head.Heads#build} makes from
 * {@code head}, as {@link RawParams}; {@code fineTunedLayers} maps backbone layer names to their replaced parameters
 * (also {@link RawParams}), empty unless top layers were fine-tuned.
 * Byte arrays are owned by the record and must not be mutated.
 */
public record ModelVersion(String name, long version, List<String> labels, PreprocessingSpec preprocessing,
                           BackboneRef backbone, HeadConfig head, TrainingMetrics metrics, Instant createdAt,
                           byte[] headWeights, Map<String, byte[]> fineTunedLayers) {

    /** Model names travel in record keys and metric labels: keep them to a safe alphabet. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /**
     * Labels travel in every prediction (up to top.k of them): bounded so a prediction always fits its topic, whatever
     * a version says.
     */
    public static final int MAX_LABEL_CHARS = 100;
    public static final int MAX_LABELS = 10_000;

    public ModelVersion {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("model name must match " + NAME.pattern() + ", was " + name);
        }
        if (version < 1) {
            throw new IllegalArgumentException("version must be >= 1, was " + version);
        }
        labels = List.copyOf(labels);
        if (labels.size() < 2 || new HashSet<>(labels).size() != labels.size() || labels.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("labels must be at least 2 distinct non-blank names, were " + labels);
        }
        if (labels.size() > MAX_LABELS || labels.stream().anyMatch(l -> l.length() > MAX_LABEL_CHARS)) {
            throw new IllegalArgumentException("at most " + MAX_LABELS + " labels of at most " + MAX_LABEL_CHARS + " characters");
        }
        Objects.requireNonNull(preprocessing, "preprocessing");
        Objects.requireNonNull(backbone, "backbone");
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(createdAt, "createdAt");
        if (headWeights == null || headWeights.length == 0) {
            throw new IllegalArgumentException("headWeights must not be empty");
        }
        fineTunedLayers = fineTunedLayers == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(fineTunedLayers));
    }

    public ModelVersion withVersion(long newVersion) {
        return new ModelVersion(name, newVersion, labels, preprocessing, backbone, head, metrics, createdAt, headWeights, fineTunedLayers);
    }

    public ModelVersion withName(String newName) {
        return new ModelVersion(newName, version, labels, preprocessing, backbone, head, metrics, createdAt, headWeights, fineTunedLayers);
    }

    /** {@code name:vN}, the form used in logs and status messages. */
    public String id() {
        return name + ":v" + version;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ModelVersion m)) {
            return false;
        }
        if (!(name.equals(m.name) && version == m.version && labels.equals(m.labels) && preprocessing.equals(m.preprocessing)
                && backbone.equals(m.backbone) && head.equals(m.head) && metrics.equals(m.metrics)
                && createdAt.equals(m.createdAt) && Arrays.equals(headWeights, m.headWeights)
                && fineTunedLayers.keySet().equals(m.fineTunedLayers.keySet()))) {
            return false;
        }
        return fineTunedLayers.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), m.fineTunedLayers.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, version, labels, backbone, Arrays.hashCode(headWeights));
    }

    @Override
    public String toString() {
        return "ModelVersion[" + id() + ", labels=" + labels.size() + ", backbone=" + backbone.fingerprint()
                + ", head=" + headWeights.length + "B, fineTuned=" + fineTunedLayers.keySet() + "]";
    }
}
