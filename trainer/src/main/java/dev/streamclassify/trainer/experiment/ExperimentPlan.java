package dev.streamclassify.trainer.experiment;

import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.trainer.training.TrainSettings;

import java.util.List;

/**
 * What an experiment measures: for each class split (source classes pre-train the backbone, target classes are
 * learnt from few labels), each labels-per-class budget and each seed, three methods on the same data.
 *
 * @param perClass    labels per target class; 0 means all available
 * @param sourcePerClass cap on source images per class for pre-training (0 = all)
 */
public record ExperimentPlan(List<ClassSplit> splits, List<Integer> perClass, List<Long> seeds, int pretrainEpochs,
                             int sourcePerClass, HeadConfig head, TrainSettings headTraining, TrainSettings scratchTraining) {

    /** A named source/target partition of the classes. */
    public record ClassSplit(String name, List<String> source, List<String> target) {
    }

    public ExperimentPlan {
        splits = List.copyOf(splits);
        perClass = List.copyOf(perClass);
        seeds = List.copyOf(seeds);
        if (splits.isEmpty() || perClass.isEmpty() || seeds.isEmpty()) {
            throw new IllegalArgumentException("an experiment needs at least one split, budget and seed");
        }
    }
}
