package dev.streamclassify.streams.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits on conditions with a deadline, re-checking often; failures say what was awaited and what was last seen. */
public final class Conditions {

    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private Conditions() {
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        await(what, timeout, condition, () -> "");
    }

    /** @param state described in the failure message, e.g. the records seen so far */
    public static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + what + " " + state.get());
            }
            LockSupport.parkNanos(RECHECK_NANOS);
        }
    }
}
