package dev.streamclassify.streams.models;

import dev.streamclassify.model.inference.Classifier;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The model version that serves right now. Stream threads {@link #acquire()} a lease per batch; the model watcher
 * {@link #swap swaps} in a warmed-up classifier atomically. A replaced classifier is closed exactly once, when the
 * last lease on it is released, so a batch never sees its model closed underneath it.
 *
 * <p>Thread-safe. Owns the classifiers handed to {@link #swap}; {@link #close()} releases the current one.
 */
public final class ModelHolder implements AutoCloseable {

    private final AtomicReference<LoadedModel> current = new AtomicReference<>();
    private final Clock clock;
    private boolean closed;

    public ModelHolder(Clock clock) {
        this.clock = clock;
    }

    public ModelHolder() {
        this(Clock.systemUTC());
    }

    /** A lease on the current version, or empty while no version has been loaded. Never blocks. */
    public Optional<ModelLease> acquire() {
        while (true) {
            LoadedModel m = current.get();
            if (m == null) {
                return Optional.empty();
            }
            if (m.retain()) {
                return Optional.of(new ModelLease(m));
            }
            // m was swapped out and released between get() and retain(): the reference now points elsewhere
        }
    }

    public Optional<ActiveModel> current() {
        return Optional.ofNullable(current.get()).map(LoadedModel::info);
    }

    /**
     * Makes {@code classifier} the serving version and takes ownership of it; the previous one is closed once its
     * leases are released.
     *
     * @return the version that was replaced
     * @throws IllegalStateException (after closing {@code classifier}) if this holder is closed
     */
    public Optional<ActiveModel> swap(Classifier classifier) {
        LoadedModel next = new LoadedModel(classifier, ActiveModel.of(classifier.version(), clock.instant()));
        LoadedModel previous;
        synchronized (this) {
            if (closed) {
                classifier.close();
                throw new IllegalStateException("model holder is closed");
            }
            previous = current.getAndSet(next);
            notifyAll();
        }
        if (previous == null) {
            return Optional.empty();
        }
        previous.release();
        return Optional.of(previous.info());
    }

    /** Waits until some version serves. @return it, or empty if {@code timeout} passed first */
    public Optional<ActiveModel> awaitModel(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (current.get() == null && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                wait(Math.max(1, left / 1_000_000));
            }
        }
        return current();
    }

    @Override
    public void close() {
        LoadedModel last;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            last = current.getAndSet(null);
            notifyAll();
        }
        if (last != null) {
            last.release();
        }
    }
}
