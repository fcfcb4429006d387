package dev.streamclassify.streams.quality;

import dev.streamclassify.streams.wire.HeadVotes;

/** One side of the label join, keyed by image id: the heads' votes or the true label. Exactly one is set. */
public record QualityInput(HeadVotes votes, LabelFeedback label) {

    public QualityInput {
        if ((votes == null) == (label == null)) {
            throw new IllegalArgumentException("exactly one of votes and label");
        }
    }

    public static QualityInput of(HeadVotes votes) {
        return new QualityInput(votes, null);
    }

    public static QualityInput of(LabelFeedback label) {
        return new QualityInput(null, label);
    }
}
