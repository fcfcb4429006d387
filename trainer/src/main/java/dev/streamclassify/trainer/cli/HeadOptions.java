package dev.streamclassify.trainer.cli;

import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.trainer.training.TrainSettings;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.List;

/** Options of the replaced head and of its training. */
final class HeadOptions {

    @Option(names = "--hidden", split = ",", description = "hidden layer sizes of the head, none by default")
    int[] hidden = new int[0];

    @Option(names = "--dropout", defaultValue = "0.0")
    double dropout;

    @Option(names = "--learning-rate", defaultValue = "1e-3")
    double learningRate;

    @Option(names = "--l2", defaultValue = "1e-4")
    double l2;

    @Option(names = "--epochs", defaultValue = "20")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64")
    int batchSize;

    @Option(names = "--min-updates", defaultValue = "300", description = "stretch epochs until this many updates (small data) (default: ${DEFAULT-VALUE})")
    int minUpdates;

    HeadConfig head() {
        List<Integer> sizes = Arrays.stream(hidden).boxed().toList();
        return new HeadConfig(sizes, dropout, learningRate, l2);
    }

    TrainSettings settings(long seed) {
        return new TrainSettings(epochs, batchSize, minUpdates, seed);
    }
}
