package dev.streamclassify.streams.quality;

import dev.streamclassify.streams.config.StreamsAppConfig;

import java.time.Duration;

/**
 * How label feedback judges: votes wait {@code joinWindow} for their label; each version's figures cover its latest
 * {@code windowSize} labelled predictions and are published at most every {@code emitInterval}.
 */
public record QualitySettings(Duration joinWindow, int windowSize, Duration emitInterval) {

    public QualitySettings {
        if (joinWindow.isNegative() || joinWindow.isZero() || emitInterval.isNegative() || emitInterval.isZero()) {
            throw new IllegalArgumentException("joinWindow and emitInterval must be positive");
        }
        if (windowSize < 1) {
            throw new IllegalArgumentException("windowSize must be >= 1");
        }
    }

    public static QualitySettings from(StreamsAppConfig config) {
        return new QualitySettings(config.qualityJoinWindow(), config.qualityWindowSize(), config.qualityEmitInterval());
    }

    /** How often expired votes are swept out: often enough to bound the store, rarely enough to cost nothing. */
    Duration sweepInterval() {
        Duration tenth = joinWindow.dividedBy(10);
        return tenth.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : tenth.isZero() ? Duration.ofMillis(1) : tenth;
    }
}
