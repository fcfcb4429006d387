package dev.streamclassify.model.artifact;

import java.util.List;
import java.util.Objects;

/**
 * How a head learnt from unlabelled images, kept in the version so that an operator comparing versions sees which
 * ones pseudo-labelled and how much, not only the status event of the run that made it.
 *
 * @param method               {@code self-training}, {@code self-training-scaled}, {@code label-spreading}, ...
 * @param labelledImages       labelled training images (never the holdout)
 * @param unlabelledImages     images in the unlabelled pool
 * @param pseudoLabelsPerRound pseudo-labelled images each round trained on
 */
public record SemiSupervisedFigures(String method, int labelledImages, int unlabelledImages, List<Integer> pseudoLabelsPerRound) {

    public SemiSupervisedFigures {
        Objects.requireNonNull(method, "method");
        pseudoLabelsPerRound = pseudoLabelsPerRound == null ? List.of() : List.copyOf(pseudoLabelsPerRound);
        if (labelledImages < 0 || unlabelledImages < 0 || pseudoLabelsPerRound.stream().anyMatch(n -> n == null || n < 0)) {
            throw new IllegalArgumentException("semi-supervised counts must be >= 0");
        }
    }
}
