package dev.streamclassify.kafka.testkit;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Retries an attempt until it succeeds or a deadline passes: the one way this kit, and the tests that use it, wait for
 * a condition (never a sleep). Public because every module's integration tests wait with it.
 */
public final class Await {

    private static final long BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** One try; it may block for at most {@code remaining}, and signals "not yet" by throwing. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run(Duration remaining) throws Exception;
    }

    private Await() {
    }

    /**
     * Returns the first result of {@code attempt} that does not throw.
     *
     * @throws TimeoutException naming {@code what}, with the last failure as cause, once {@code timeout} passes
     * @throws InterruptException if the thread is interrupted while waiting (the interrupt flag stays set)
     */
    public static <T> T until(String what, Duration timeout, Attempt<T> attempt) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (true) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                TimeoutException e = new TimeoutException("Timed out after " + timeout + " waiting for " + what
                        + (last == null ? "" : ": " + last));
                if (last != null) {
                    e.initCause(last);
                }
                throw e;
            }
            try {
                return attempt.run(Duration.ofNanos(remaining));
            } catch (InterruptedException e) {
                throw new InterruptException(e);
            } catch (ExecutionException e) {
                last = e.getCause();
            } catch (Exception e) {
                last = e;
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(BACKOFF_NANOS, Math.max(0, deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                throw new InterruptException(e);
            }
        }
    }
}
