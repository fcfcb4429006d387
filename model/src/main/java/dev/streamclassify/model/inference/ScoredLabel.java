package dev.streamclassify.model.inference;

public record ScoredLabel(String label, double score) {
}
