package dev.streamclassify.streams.batching;

import dev.streamclassify.streams.topology.PredictionEvent;

import java.util.Collections;
import java.util.List;

/** What became of one image: a prediction, or its original bytes for the dead-letter topic (reason in headers). */
public sealed interface Outcome {

    record Predicted(PredictionEvent event) implements Outcome {
    }

    /** {@code value} is null for a tombstone on the images topic. */
    record DeadLettered(byte[] value) implements Outcome {
    }

    /** Zero or one prediction, for {@code flatMapValues}. */
    default List<PredictionEvent> predictions() {
        return this instanceof Predicted p ? List.of(p.event()) : List.of();
    }

    /** Zero or one dead-lettered value, for {@code flatMapValues}. */
    default List<byte[]> deadLetters() {
        return this instanceof DeadLettered d ? Collections.singletonList(d.value()) : List.of();
    }
}
