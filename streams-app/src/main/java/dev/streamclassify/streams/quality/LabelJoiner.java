package dev.streamclassify.streams.quality;

import dev.streamclassify.streams.wire.HeadVotes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.KeyValue;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Joins labels with the votes of the same image id. Votes wait in a changelogged store for {@code joinWindow}
 * (wall clock from the prediction); a label that finds them emits one {@link LabelMatch}, keyed by image id, and
 * removes them, so a second label for the id counts as unmatched. A label with no votes (unknown id, already judged,
 * swept out) or with votes older than the window is counted, never an error. One instance per task.
 */
final class LabelJoiner implements Processor<String, QualityInput, String, LabelMatch> {

    static final String STORE = "label-join-votes";

    private final QualitySettings settings;
    private final QualityMetrics metrics;
    private final Clock clock;
    private ProcessorContext<String, LabelMatch> context;
    private KeyValueStore<String, HeadVotes> votes;

    LabelJoiner(QualitySettings settings, QualityMetrics metrics, Clock clock) {
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void init(ProcessorContext<String, LabelMatch> context) {
        this.context = context;
        this.votes = context.getStateStore(STORE);
        context.schedule(settings.sweepInterval(), PunctuationType.WALL_CLOCK_TIME, now -> sweep());
    }

    @Override
    public void process(Record<String, QualityInput> record) {
        String imageId = record.key();
        QualityInput in = record.value();
        if (imageId == null || in == null) {
            return;
        }
        if (in.votes() != null) {
            votes.put(imageId, in.votes());
            return;
        }
        HeadVotes v = votes.get(imageId);
        if (v == null) {
            metrics.label("unmatched");
            return;
        }
        votes.delete(imageId);
        if (expired(v)) {
            metrics.label("expired");
            return;
        }
        metrics.label("matched");
        context.forward(record.withValue(new LabelMatch(imageId, v, in.label())));
    }

    private boolean expired(HeadVotes v) {
        return v.at().plus(settings.joinWindow()).isBefore(clock.instant());
    }

    /** Drops votes whose window has passed, so images that never get a label do not grow the store for ever. */
    private void sweep() {
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, HeadVotes> it = votes.all()) {
            while (it.hasNext()) {
                KeyValue<String, HeadVotes> kv = it.next();
                if (kv.value == null || expired(kv.value)) {
                    old.add(kv.key);
                }
            }
        }
        old.forEach(votes::delete);
    }
}
