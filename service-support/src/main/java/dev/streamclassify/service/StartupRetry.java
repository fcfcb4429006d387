package dev.streamclassify.service;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Retries a start-up step that needs the broker (creating topics, reading a topic's end) until it succeeds, so a
 * service started before its broker, or while the broker is away, waits and says so instead of exiting into a crash
 * loop. Each failure is logged once per attempt with what was tried, against which brokers, and why.
 */
public final class StartupRetry {

    private static final Logger LOG = LoggerFactory.getLogger(StartupRetry.class);

    /** A step that throws when it could not be done this time. */
    @FunctionalInterface
    public interface Attempt {
        void run() throws Exception;
    }

    private StartupRetry() {
    }

    /**
     * @param what      e.g. "create topics"
     * @param brokers   bootstrap servers, for the log line
     * @param stop      counted down when the service closes: the retries end
     * @return true once the step succeeded, false if {@code stop} ended the retries first
     */
    public static boolean until(String what, String brokers, Duration backoff, CountDownLatch stop, Attempt attempt)
            throws InterruptedException {
        for (int n = 1; stop.getCount() > 0; n++) {
            try {
                attempt.run();
                if (n > 1) {
                    LOG.info("Could {} on attempt {}", what, n);
                }
                return true;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                LOG.warn("Cannot {} yet (attempt {}; is Kafka at {} reachable?): {}; retrying in {} ms",
                        what, n, brokers, e.getMessage() == null ? e.toString() : e.getMessage(), backoff.toMillis());
            }
            if (stop.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
                break;
            }
        }
        return false;
    }
}
