package dev.streamclassify.model.inference;

import java.util.List;

/** The outcome for one image: the best label, its probability, and the {@code k} best labels in order. */
public record Prediction(String label, double confidence, List<ScoredLabel> topK) {

    public Prediction {
        topK = List.copyOf(topK);
    }

    static Prediction fromProbabilities(List<String> labels, float[] probs, int k) {
        Integer[] order = new Integer[probs.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(probs[b], probs[a]));
        int n = Math.min(Math.max(k, 1), probs.length);
        ScoredLabel[] top = new ScoredLabel[n];
        for (int i = 0; i < n; i++) {
            top[i] = new ScoredLabel(labels.get(order[i]), probs[order[i]]);
        }
        return new Prediction(top[0].label(), top[0].score(), List.of(top));
    }
}
