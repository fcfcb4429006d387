package dev.streamclassify.streams.quality.promotion;

import java.util.List;

/**
 * Who plays which part right now, as this instance's model watcher sees it: the active version (0 before one loads)
 * and the candidates (canary and shadows) that may replace it.
 */
public record Roles(long active, List<Long> candidates) {

    public static final Roles NONE = new Roles(0, List.of());

    public Roles {
        candidates = candidates.stream().filter(v -> v > 0 && v != active).distinct().toList();
    }
}
