package dev.streamclassify.streams.wire;

import dev.streamclassify.model.inference.ScoredLabel;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The value written to the predictions topic (wire contract, DESIGN.md section 2). {@code latencyMs} runs from the
 * moment the image reached this service to the moment its prediction was made; {@code timestamp} is that moment.
 */
public record PredictionEvent(String imageId, String label, double confidence, List<ScoredLabel> topK,
                              ModelRef model, SourceRef source, double latencyMs, Instant timestamp) {

    /**
     * The predictions topic's {@code max.message.bytes}, and a bound no prediction reaches: an image id of at most
     * {@value dev.streamclassify.streams.batching.MicroBatchProcessor#MAX_KEY_BYTES} bytes and up to 1000 (top.k)
     * labels of at most {@value dev.streamclassify.model.artifact.ModelVersion#MAX_LABEL_CHARS} characters, each
     * character at most 6 bytes of JSON, come to under 700 KB.
     */
    public static final int MAX_BYTES = 1024 * 1024;

    public PredictionEvent {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(label, "label");
        topK = List.copyOf(topK);
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(timestamp, "timestamp");
    }

    /** The model version that made the prediction; {@code backbone} is its fingerprint. */
    public record ModelRef(String name, long version, String backbone) {
    }

    /** Where the image was read. */
    public record SourceRef(String topic, int partition, long offset) {
    }
}
