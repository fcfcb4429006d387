package dev.streamclassify.streams.wire;


import java.util.Collections;
import java.util.List;

/**
 * What became of one image: a prediction (with the shadow heads' predictions and every head's vote for label feedback),
 * or its original bytes for the dead-letter topic (reason in headers).
 */
public sealed interface Outcome {

    record Predicted(PredictionEvent event, List<PredictionEvent> shadows, HeadVotes votes) implements Outcome {

        public Predicted {
            shadows = List.copyOf(shadows);
        }

        /** A prediction of the active head alone. */
        public Predicted(PredictionEvent event) {
            this(event, List.of(), new HeadVotes(event.model().name(), event.model().version(), event.model().version(),
                    java.util.Map.of(event.model().version(), event.label()), event.timestamp()));
        }
    }

    /** {@code value} is null for a tombstone on the images topic. */
    record DeadLettered(byte[] value) implements Outcome {
    }

    /** Zero or one prediction, for {@code flatMapValues}. */
    default List<PredictionEvent> predictions() {
        return this instanceof Predicted p ? List.of(p.event()) : List.of();
    }

    /** The predictions of shadow heads, never served, for {@code flatMapValues}. */
    default List<PredictionEvent> shadowPredictions() {
        return this instanceof Predicted p ? p.shadows() : List.of();
    }

    /** Zero or one set of head votes, for {@code flatMapValues}. */
    default List<HeadVotes> headVotes() {
        return this instanceof Predicted p ? List.of(p.votes()) : List.of();
    }

    /** Zero or one dead-lettered value, for {@code flatMapValues}. */
    default List<byte[]> deadLetters() {
        return this instanceof DeadLettered d ? Collections.singletonList(d.value()) : List.of();
    }
}
