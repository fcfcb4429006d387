package dev.streamclassify.streams.quality;

import dev.streamclassify.streams.wire.HeadVotes;
import org.apache.kafka.streams.KeyValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A label that found the votes of its image in time: what the join produces, once per labelled image. */
public record LabelMatch(String imageId, HeadVotes votes, LabelFeedback label) {

    public LabelMatch {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(votes, "votes");
        Objects.requireNonNull(label, "label");
    }

    /** One judgement per head that voted, keyed by {@code model:vN}, for the version windows. */
    public List<KeyValue<String, Judged>> judgements() {
        List<KeyValue<String, Judged>> out = new ArrayList<>(votes.labels().size());
        for (Map.Entry<Long, String> e : votes.labels().entrySet()) {
            out.add(KeyValue.pair(Judged.key(votes.model(), e.getKey()),
                    new Judged(votes.model(), e.getKey(), votes.role(e.getKey()), e.getValue(), label.label())));
        }
        return out;
    }
}
