package dev.streamclassify.streams.models;

import dev.streamclassify.model.catalog.Canary;
import dev.streamclassify.model.inference.Classifier;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The versions that run beside the active one: a canary serving a stable share of image ids, and shadows scored on
 * every image but never served. Stream threads {@link #acquire()} a lease per batch; the model watcher
 * {@link #update updates} the plan. Like {@link ModelHolder}, a version dropped from the plan is closed exactly once,
 * when the last lease on it is released.
 *
 * <p>Thread-safe. Owns the classifiers its loader returns; {@link #close()} releases them all.
 */
public final class RolloutHolder implements AutoCloseable {

    /** What the models topic asks for: a canary (or none) and the shadow versions. */
    public record Wanted(Optional<Canary> canary, List<Long> shadows) {
        public static final Wanted NOTHING = new Wanted(Optional.empty(), List.of());

        public Wanted {
            Objects.requireNonNull(canary, "canary");
            shadows = List.copyOf(shadows);
        }
    }

    /** Loads, validates and warms up one version, or answers empty (after saying why) if it cannot serve. */
    @FunctionalInterface
    public interface Loader {
        Optional<Classifier> load(long version);
    }

    record Plan(LoadedModel canary, Canary split, List<LoadedModel> shadows) {
        static final Plan EMPTY = new Plan(null, null, List.of());

        List<LoadedModel> all() {
            List<LoadedModel> all = new ArrayList<>(shadows.size() + 1);
            if (canary != null) {
                all.add(canary);
            }
            all.addAll(shadows);
            return all;
        }
    }

    private final AtomicReference<Plan> plan = new AtomicReference<>(Plan.EMPTY);
    private final Map<Long, LoadedModel> loaded = new HashMap<>();
    private final Clock clock;
    private boolean closed;

    public RolloutHolder(Clock clock) {
        this.clock = clock;
    }

    public RolloutHolder() {
        this(Clock.systemUTC());
    }

    /** Leases on the canary and shadows of this moment (possibly none). Never blocks. */
    public RolloutLease acquire() {
        while (true) {
            Plan p = plan.get();
            List<LoadedModel> retained = new ArrayList<>();
            for (LoadedModel m : p.all()) {
                if (!m.retain()) {
                    break;
                }
                retained.add(m);
            }
            if (retained.size() == p.all().size()) {
                ModelLease canary = p.canary() == null ? null : new ModelLease(p.canary());
                List<ModelLease> shadows = new ArrayList<>();
                for (LoadedModel s : p.shadows()) {
                    shadows.add(new ModelLease(s));
                }
                return new RolloutLease(canary, p.split(), shadows);
            }
            // a version was dropped between get() and retain(): the plan has changed, read it again
            retained.forEach(LoadedModel::release);
        }
    }

    /**
     * Brings the plan in line with {@code wanted}, never running {@code active} beside itself: versions not loaded yet
     * are loaded with {@code loader} (on the caller's thread), versions no longer wanted are released.
     *
     * @return the plan now in force, as version numbers: canary (0 if none) first, then the shadows
     */
    public synchronized List<Long> update(Wanted wanted, long active, Loader loader) {
        if (closed) {
            return List.of();
        }
        Canary split = wanted.canary().filter(c -> c.percent() > 0 && c.version() != active).orElse(null);
        Map<Long, LoadedModel> next = new LinkedHashMap<>();
        LoadedModel canary = split == null ? null : obtain(split.version(), loader, next);
        if (canary == null) {
            split = null;
        }
        List<LoadedModel> shadows = new ArrayList<>();
        for (long v : wanted.shadows()) {
            if (v != active && (split == null || v != split.version())) {
                LoadedModel m = obtain(v, loader, next);
                if (m != null) {
                    shadows.add(m);
                }
            }
        }
        plan.set(canary == null && shadows.isEmpty() ? Plan.EMPTY : new Plan(canary, split, shadows));
        for (Map.Entry<Long, LoadedModel> e : loaded.entrySet()) {
            if (!next.containsKey(e.getKey())) {
                e.getValue().release();
            }
        }
        loaded.clear();
        loaded.putAll(next);
        return versions();
    }

    private LoadedModel obtain(long version, Loader loader, Map<Long, LoadedModel> next) {
        LoadedModel m = loaded.get(version);
        if (m == null) {
            Optional<Classifier> c = loader.load(version);
            if (c.isEmpty()) {
                return null;
            }
            m = new LoadedModel(c.get(), ActiveModel.of(c.get().version(), clock.instant()));
        }
        next.put(version, m);
        return m;
    }

    /** The versions of the plan in force, canary (0 if none) first. */
    public List<Long> versions() {
        Plan p = plan.get();
        List<Long> versions = new ArrayList<>();
        versions.add(p.canary() == null ? 0L : p.canary().info().version());
        p.shadows().forEach(s -> versions.add(s.info().version()));
        return versions;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        plan.set(Plan.EMPTY);
        loaded.values().forEach(LoadedModel::release);
        loaded.clear();
    }
}
