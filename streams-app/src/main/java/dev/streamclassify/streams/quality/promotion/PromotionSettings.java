package dev.streamclassify.streams.quality.promotion;

import dev.streamclassify.streams.config.StreamsAppConfig;

import java.util.Objects;
import java.util.Optional;

/**
 * When a candidate is good enough: its live accuracy is at least {@code minMargin} above the active version's, each
 * measured over at least {@code minLabelled} labelled images. {@code model} is the model this service serves.
 */
public record PromotionSettings(String model, double minMargin, int minLabelled) {

    public PromotionSettings {
        Objects.requireNonNull(model, "model");
        if (!(minMargin >= 0 && minMargin <= 1)) {
            throw new IllegalArgumentException("minMargin must be in [0, 1], was " + minMargin);
        }
        if (minLabelled < 1) {
            throw new IllegalArgumentException("minLabelled must be >= 1, was " + minLabelled);
        }
    }

    /** Empty when automatic promotion is off ({@value StreamsAppConfig#PROMOTION_ENABLED}, the default). */
    public static Optional<PromotionSettings> from(StreamsAppConfig config) {
        return config.promotionEnabled()
                ? Optional.of(new PromotionSettings(config.modelName(), config.promotionMinMargin(), config.promotionMinLabelled()))
                : Optional.empty();
    }
}
