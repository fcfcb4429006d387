package dev.streamclassify.streams.batching;

import dev.streamclassify.model.image.DecodeLimits;
import dev.streamclassify.streams.config.StreamsAppConfig;

import java.time.Duration;
import java.util.Objects;

/**
 * How images are batched and judged: at most {@code maxSize} per forward pass, none waiting longer than
 * {@code maxDelay}; {@code changelogMaxMessageBytes} sizes the buffer's changelog for the largest image allowed.
 */
public record BatchSettings(int maxSize, Duration maxDelay, int topK, DecodeLimits limits, int changelogMaxMessageBytes) {

    public BatchSettings {
        if (maxSize < 1) {
            throw new IllegalArgumentException("maxSize must be >= 1");
        }
        if (maxDelay.isNegative() || maxDelay.isZero()) {
            throw new IllegalArgumentException("maxDelay must be positive");
        }
        if (topK < 1) {
            throw new IllegalArgumentException("topK must be >= 1");
        }
        Objects.requireNonNull(limits, "limits");
        if (changelogMaxMessageBytes < limits.maxBytes()) {
            throw new IllegalArgumentException("changelogMaxMessageBytes must hold an image of limits.maxBytes");
        }
    }

    public static BatchSettings from(StreamsAppConfig config) {
        return new BatchSettings(config.batchMaxSize(), config.batchMaxDelay(), config.topK(),
                new DecodeLimits(config.imageMaxBytes(), config.imageMaxPixels()), config.maxRecordBytes());
    }

    public BatchSettings withMaxSize(int size) {
        return new BatchSettings(size, maxDelay, topK, limits, changelogMaxMessageBytes);
    }

    public BatchSettings withMaxDelay(Duration delay) {
        return new BatchSettings(maxSize, delay, topK, limits, changelogMaxMessageBytes);
    }
}
