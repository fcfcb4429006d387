package dev.streamclassify.trainer.control.retrain;

import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.signing.TrustedKeys;
import dev.streamclassify.trainer.training.TrainSettings;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the retrain wing needs of the service's settings, and nothing more: the runner reads this record, not the
 * service's config, so the wing does not depend on the service that wires it. {@code head} and {@code train} carry the
 * defaults a command's own hidden layers and epochs replace.
 */
public record RetrainSettings(String modelsTopic, Duration catchUpTimeout, double holdoutFraction, double promotionMinDelta,
                              HeadConfig head, TrainSettings train, long unlabelledMaxBytes, int trainingMaxImages,
                              long trainingMaxPixels, TrustedKeys trust) {

    public RetrainSettings {
        Objects.requireNonNull(modelsTopic, "modelsTopic");
        Objects.requireNonNull(catchUpTimeout, "catchUpTimeout");
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(trust, "trust");
    }

    /** The head a command asking for {@code hiddenLayers} trains; dropout, learning rate and L2 are the service's. */
    public HeadConfig head(List<Integer> hiddenLayers) {
        return head.withHiddenLayers(hiddenLayers);
    }

    /** Training settings for a command asking for {@code epochs}. */
    public TrainSettings train(int epochs) {
        return train.withEpochs(epochs);
    }
}
