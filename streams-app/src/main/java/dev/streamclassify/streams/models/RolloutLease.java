package dev.streamclassify.streams.models;

import dev.streamclassify.model.catalog.Canary;

import java.util.List;
import java.util.Optional;

/**
 * Leases on the canary (with its split) and the shadows of one moment; see {@link RolloutHolder}. Belongs to one
 * thread; use in try-with-resources.
 */
public final class RolloutLease implements AutoCloseable {

    private final ModelLease canary;
    private final Canary split;
    private final List<ModelLease> shadows;

    RolloutLease(ModelLease canary, Canary split, List<ModelLease> shadows) {
        this.canary = canary;
        this.split = split;
        this.shadows = List.copyOf(shadows);
    }

    public Optional<ModelLease> canary() {
        return Optional.ofNullable(canary);
    }

    /** True if the canary serves {@code imageId}. */
    public boolean canaryServes(String imageId) {
        return canary != null && split.selects(imageId);
    }

    public List<ModelLease> shadows() {
        return shadows;
    }

    @Override
    public void close() {
        if (canary != null) {
            canary.close();
        }
        shadows.forEach(ModelLease::close);
    }
}
