package dev.streamclassify.service;

import org.apache.kafka.clients.consumer.Consumer;

/** Helpers for the consumers the services poll on threads of their own. */
public final class Consumers {

    private Consumers() {
    }

    /**
     * Wakes {@code consumer} out of a poll on another thread, so that its loop can see it should stop. Does nothing for
     * {@code null} (no consumer yet, or no more) or for a consumer its thread has closed in the meantime.
     */
    public static void wakeUp(Consumer<?, ?> consumer) {
        if (consumer == null) {
            return;
        }
        try {
            consumer.wakeup();
        } catch (RuntimeException e) {
            // already closed by its thread
        }
    }
}
