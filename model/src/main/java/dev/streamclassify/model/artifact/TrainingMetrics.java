package dev.streamclassify.model.artifact;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/**
 * How a version was trained and how well it did on its holdout. Per-class maps are keyed by label.
 *
 * @param semiSupervised null for a head trained on labels only; absent from such manifests, so they keep their bytes
 */
public record TrainingMetrics(double holdoutAccuracy, int trainImages, int holdoutImages, int epochs,
                              double trainSeconds, Map<String, Double> precision, Map<String, Double> recall,
                              @JsonInclude(JsonInclude.Include.NON_NULL) SemiSupervisedFigures semiSupervised) {

    public TrainingMetrics(double holdoutAccuracy, int trainImages, int holdoutImages, int epochs, double trainSeconds,
                           Map<String, Double> precision, Map<String, Double> recall) {
        this(holdoutAccuracy, trainImages, holdoutImages, epochs, trainSeconds, precision, recall, null);
    }

    public TrainingMetrics {
        if (!(holdoutAccuracy >= 0 && holdoutAccuracy <= 1)) {
            throw new IllegalArgumentException("holdoutAccuracy must be in [0, 1], was " + holdoutAccuracy);
        }
        if (trainImages < 0 || holdoutImages < 0 || epochs < 0 || !(trainSeconds >= 0)) {
            throw new IllegalArgumentException("counts and durations must be >= 0");
        }
        precision = precision == null ? Map.of() : Map.copyOf(precision);
        recall = recall == null ? Map.of() : Map.copyOf(recall);
    }
}
