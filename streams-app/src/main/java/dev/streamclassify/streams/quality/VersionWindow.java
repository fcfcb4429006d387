package dev.streamclassify.streams.quality;

import dev.streamclassify.streams.wire.ModelQuality;
import java.util.ArrayList;
import java.util.List;

/** The latest labelled predictions of one version, oldest first, at most the window size; kept in a changelogged store. */
public record VersionWindow(String model, long version, List<ModelQuality.LabelledPair> pairs, long labelledSinceStart) {

    public VersionWindow {
        pairs = List.copyOf(pairs);
    }

    public static VersionWindow empty(String model, long version) {
        return new VersionWindow(model, version, List.of(), 0);
    }

    /** This window with {@code pair} appended and the oldest pairs dropped beyond {@code size}. */
    public VersionWindow plus(ModelQuality.LabelledPair pair, int size) {
        List<ModelQuality.LabelledPair> next = new ArrayList<>(pairs.size() + 1);
        next.addAll(pairs.size() >= size ? pairs.subList(pairs.size() - size + 1, pairs.size()) : pairs);
        next.add(pair);
        return new VersionWindow(model, version, next, labelledSinceStart + 1);
    }
}
