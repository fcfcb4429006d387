package dev.streamclassify.trainer.features;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * Featurized data set: {@code x} is {@code [n, featureSize]}, {@code y} the class index of each row, plus how many
 * rows were computed now versus read from the cache.
 */
public record Features(INDArray x, int[] y, List<String> labels, int computed, int cached) {

    public int size() {
        return y.length;
    }
}
