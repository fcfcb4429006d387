package dev.streamclassify.streams.models;

import dev.streamclassify.model.inference.Classifier;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A classifier with a reference count: the holder owns one reference, each lease another. The classifier is
 * closed exactly once, by whoever releases the last reference. Thread-safe.
 */
final class LoadedModel {

    private final Classifier classifier;
    private final ActiveModel info;
    private final AtomicInteger refs = new AtomicInteger(1);

    LoadedModel(Classifier classifier, ActiveModel info) {
        this.classifier = classifier;
        this.info = info;
    }

    Classifier classifier() {
        return classifier;
    }

    ActiveModel info() {
        return info;
    }

    /** @return false once the count has reached zero: the classifier is closed or closing */
    boolean retain() {
        while (true) {
            int n = refs.get();
            if (n == 0) {
                return false;
            }
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void release() {
        int n = refs.decrementAndGet();
        if (n == 0) {
            classifier.close();
        } else if (n < 0) {
            throw new IllegalStateException(info.id() + " released more often than retained");
        }
    }
}
