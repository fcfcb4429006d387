package dev.streamclassify.streams.quality.promotion;

import java.util.Map;
import java.util.TreeMap;

/**
 * What the judge keeps per model (its store's value): the latest evidence of every version, and the last promotion it
 * proposed as {@code active>candidate}, so that one pair is proposed once, not on every new figure, and an operator's
 * rollback to the old version is not undone.
 */
public record ModelEvidence(Map<Long, Evidence> versions, String proposed) {

    public static final ModelEvidence EMPTY = new ModelEvidence(Map.of(), null);

    public ModelEvidence {
        versions = new TreeMap<>(versions);
    }

    public ModelEvidence with(long version, Evidence evidence) {
        Map<Long, Evidence> next = new TreeMap<>(versions);
        next.put(version, evidence);
        return new ModelEvidence(next, proposed);
    }

    public ModelEvidence proposing(long active, long candidate) {
        return new ModelEvidence(versions, pair(active, candidate));
    }

    public boolean hasProposed(long active, long candidate) {
        return pair(active, candidate).equals(proposed);
    }

    private static String pair(long active, long candidate) {
        return active + ">" + candidate;
    }
}
