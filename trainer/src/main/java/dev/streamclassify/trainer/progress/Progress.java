package dev.streamclassify.trainer.progress;

/**
 * Where long work reports how far it got: a console bar for people, status events for the control loop, nothing
 * for experiments and tests. Implementations need not be thread-safe: one task reports from one thread.
 */
public interface Progress {

    void start(String task, long total);

    void step(long n);

    /** An epoch finished; {@code loss} is the mean training loss of that epoch. */
    default void epoch(int epoch, int epochs, double loss) {
    }

    void done();

    static Progress none() {
        return new Progress() {
            @Override
            public void start(String task, long total) {
            }

            @Override
            public void step(long n) {
            }

            @Override
            public void done() {
            }
        };
    }
}
