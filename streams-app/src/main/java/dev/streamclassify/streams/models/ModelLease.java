package dev.streamclassify.streams.models;

import dev.streamclassify.model.inference.Classifier;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The right to use one model version for a while: the version stays open, even if replaced meanwhile, until the
 * lease is closed. Use in try-with-resources and do not keep the classifier past {@link #close()}. A lease belongs
 * to one thread; closing it twice is harmless.
 */
public final class ModelLease implements AutoCloseable {

    private final LoadedModel model;
    private final AtomicBoolean closed = new AtomicBoolean();

    ModelLease(LoadedModel model) {
        this.model = model;
    }

    public Classifier classifier() {
        if (closed.get()) {
            throw new IllegalStateException("lease on " + model.info().id() + " is closed");
        }
        return model.classifier();
    }

    public ActiveModel model() {
        return model.info();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            model.release();
        }
    }
}
