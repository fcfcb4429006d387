package dev.streamclassify.model.inference;

import java.util.List;

/**
 * The outcome for one image: the best label, its probability, and the {@code k} best labels in order. Never carries
 * NaN: a network output that is not a probability is refused here, so it can only become a failure, not an answer.
 */
public record Prediction(String label, double confidence, List<ScoredLabel> topK) {

    public Prediction {
        if (!isProbability(confidence)) {
            throw new IllegalArgumentException("confidence of '" + label + "' is " + confidence + ", not a probability");
        }
        topK = List.copyOf(topK);
        for (ScoredLabel s : topK) {
            if (!isProbability(s.score())) {
                throw new IllegalArgumentException("score of '" + s.label() + "' is " + s.score() + ", not a probability");
            }
        }
    }

    /** float32 softmax may overshoot 1 by a rounding step; NaN fails every comparison. */
    private static boolean isProbability(double p) {
        return p >= 0 && p <= 1 + 1e-5;
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
