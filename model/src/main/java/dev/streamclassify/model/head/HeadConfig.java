package dev.streamclassify.model.head;

import java.util.List;

/**
 * The replaced classifier: dense hidden layers (none = a softmax regression on the features), dropout as the
 * probability of dropping a unit, Adam learning rate and L2.
 */
public record HeadConfig(List<Integer> hiddenLayers, double dropout, double learningRate, double l2) {

    public static final HeadConfig DEFAULT = new HeadConfig(List.of(), 0.0, 1e-3, 1e-4);

    public HeadConfig {
        hiddenLayers = List.copyOf(hiddenLayers);
        for (int h : hiddenLayers) {
            if (h <= 0) {
                throw new IllegalArgumentException("hidden layer sizes must be positive, was " + hiddenLayers);
            }
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), was " + dropout);
        }
        if (!(learningRate > 0 && learningRate < 10)) {
            throw new IllegalArgumentException("learningRate must be in (0, 10), was " + learningRate);
        }
        if (!(l2 >= 0 && Double.isFinite(l2))) {
            throw new IllegalArgumentException("l2 must be >= 0, was " + l2);
        }
    }

    public HeadConfig withHiddenLayers(List<Integer> sizes) {
        return new HeadConfig(sizes, dropout, learningRate, l2);
    }

    public HeadConfig withDropout(double p) {
        return new HeadConfig(hiddenLayers, p, learningRate, l2);
    }

    public HeadConfig withLearningRate(double lr) {
        return new HeadConfig(hiddenLayers, dropout, lr, l2);
    }
}
