package dev.streamclassify.trainer.control.intake;

import dev.streamclassify.trainer.progress.Progress;

import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Turns a retrain's {@link Progress} callbacks into {@code running} events. {@code TrainingPipeline} reports three tasks
 * in turn (featurize train, featurize holdout, train head); each gets a slice of 0..1, and the steps around them
 * (loading, gate, publication) report through {@link #at}. Progress never goes back, and events are thinned to one
 * per {@link #MIN_INTERVAL_NANOS} unless a phase begins or ends. Also where a retrain notices it was cancelled.
 * Used by one worker thread.
 */
public final class StatusProgress implements Progress {

    public static final double LOADED = 0.05;
    public static final double TRAINED = 0.85;
    public static final double GATED = 0.95;
    private static final double[][] PHASES = {{LOADED, 0.35}, {0.35, 0.45}, {0.45, TRAINED}};
    /** Featurizing counts only cache misses: the images not seen before. */
    private static final String[] NAMES = {"featurizing new training images", "featurizing new holdout images", "training the head"};
    private static final long MIN_INTERVAL_NANOS = 250_000_000L;

    private final StatusPublisher status;
    private final String requestId;
    private final String model;
    private final Clock clock;
    private final BooleanSupplier cancelled;
    private int phase = -1;
    private long total;
    private long done;
    private Integer epoch;
    private String detail = "";
    private double emitted = -1;
    private long emittedAt;

    public StatusProgress(StatusPublisher status, String requestId, String model, Clock clock, BooleanSupplier cancelled) {
        this.status = status;
        this.requestId = requestId;
        this.model = model;
        this.clock = clock;
        this.cancelled = cancelled;
    }

    /** A step outside head training; always sent. */
    public void at(double progress, String message) {
        checkCancelled();
        emit(progress, message, true);
    }

    public double progress() {
        return Math.max(0, emitted);
    }

    public Integer epoch() {
        return epoch;
    }

    @Override
    public void start(String task, long total) {
        checkCancelled();
        phase = Math.min(phase + 1, PHASES.length - 1);
        this.total = total;
        this.done = 0;
        this.detail = "";
        emit(current(), message(), true);
    }

    @Override
    public void step(long n) {
        checkCancelled();
        done += n;
        emit(current(), message(), false);
    }

    @Override
    public void epoch(int epoch, int epochs, double loss) {
        this.epoch = epoch;
        this.detail = String.format(Locale.ROOT, ", epoch %d/%d loss %.4f", epoch, epochs, loss);
    }

    @Override
    public void done() {
        if (phase >= 0) {
            done = total;
            emit(current(), message(), true);
        }
    }

    private double current() {
        double[] slice = PHASES[Math.max(phase, 0)];
        double share = total <= 0 ? 1 : Math.min(1, (double) done / total);
        return slice[0] + (slice[1] - slice[0]) * share;
    }

    private String message() {
        return NAMES[Math.max(phase, 0)] + " " + done + "/" + total + detail;
    }

    private void emit(double progress, String message, boolean force) {
        double p = Math.max(emitted, Math.min(1, progress));
        long now = System.nanoTime();
        if (!force && (p == emitted || now - emittedAt < MIN_INTERVAL_NANOS)) {
            return;
        }
        emitted = p;
        emittedAt = now;
        status.send(new StatusEvent(requestId, StatusEvent.State.RUNNING, "retrain", model, p, epoch, message, null, null,
                clock.instant()));
    }

    private void checkCancelled() {
        if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
            throw new CancellationException("retrain " + requestId + " interrupted");
        }
    }
}
