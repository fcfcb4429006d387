package dev.streamclassify.trainer.training;

/**
 * How long and in what steps to train. Tiny labelled sets would see only a handful of updates in a few epochs,
 * so {@code minUpdates} stretches the epoch count until at least that many minibatch updates happen.
 */
public record TrainSettings(int epochs, int batchSize, int minUpdates, long seed) {

    public static final TrainSettings DEFAULT = new TrainSettings(20, 64, 300, 42);

    public TrainSettings {
        if (epochs < 1 || batchSize < 1 || minUpdates < 0) {
            throw new IllegalArgumentException("epochs and batchSize must be >= 1, minUpdates >= 0");
        }
    }

    public int effectiveEpochs(int examples) {
        int perEpoch = Math.max(1, (examples + batchSize - 1) / batchSize);
        return Math.max(epochs, (minUpdates + perEpoch - 1) / perEpoch);
    }

    public TrainSettings withEpochs(int e) {
        return new TrainSettings(e, batchSize, minUpdates, seed);
    }

    public TrainSettings withSeed(long s) {
        return new TrainSettings(epochs, batchSize, minUpdates, s);
    }
}
