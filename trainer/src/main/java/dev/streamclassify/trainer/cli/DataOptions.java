package dev.streamclassify.trainer.cli;

import dev.streamclassify.trainer.dataset.DataSources;
import dev.streamclassify.trainer.dataset.Dataset;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.List;

/** Shared data set options: where from, which classes, how many labels per class. */
final class DataOptions {

    @Option(names = "--data", defaultValue = "sample",
            description = "sample | fashion-mnist[:DIR] | folder:PATH | synthetic:fractals[:CxN[:SEED]] (default: ${DEFAULT-VALUE})")
    String data;

    @Option(names = "--classes", defaultValue = "all", description = "class indices, ranges or names, e.g. 5-9 (default: ${DEFAULT-VALUE})")
    String classes;

    @Option(names = "--per-class", defaultValue = "0", description = "labelled training images per class, 0 = all (default: ${DEFAULT-VALUE})")
    int perClass;

    @Option(names = "--holdout", defaultValue = "0.2",
            description = "holdout fraction taken from the training data when the source has no test split (default: ${DEFAULT-VALUE})")
    double holdoutFraction;

    @Option(names = "--seed", defaultValue = "42", description = "sampling and training seed (default: ${DEFAULT-VALUE})")
    long seed;

    /** Train and holdout sets restricted to the selected classes; the holdout is the source's own test split when it has one. */
    Dataset.Split load() throws IOException {
        DataSources.Loaded loaded = DataSources.load(data);
        if (!loaded.skipped().isEmpty()) {
            System.err.printf("skipped %d unreadable files, first: %s%n", loaded.skipped().size(), loaded.skipped().get(0));
        }
        List<String> keep = DataSources.classes(classes, loaded.train().labels());
        Dataset all = loaded.train().withClasses(keep);
        Dataset train;
        Dataset holdout;
        if (loaded.test() != null) {
            train = all;
            holdout = loaded.test().withClasses(keep);
        } else {
            Dataset.Split split = all.stratifiedSplit(holdoutFraction, seed);
            train = split.train();
            holdout = split.holdout();
        }
        if (perClass > 0) {
            train = train.samplePerClass(perClass, seed);
        }
        return new Dataset.Split(train, holdout);
    }
}
