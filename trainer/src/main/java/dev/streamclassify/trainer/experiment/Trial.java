package dev.streamclassify.trainer.experiment;

import java.util.List;

/**
 * One measured cell: arm, split, labels per class (0 = all), seed, holdout accuracy, wall time of training (all
 * candidates of the selection), and what the selection chose on the validation set.
 *
 * @param chosen e.g. {@code lr=0.001 l2=0.01 epoch=40 val=0.81}
 */
public record Trial(String split, Arm arm, int perClass, int trainImages, long seed, double accuracy, double trainSeconds,
                    List<Double> epochLosses, String chosen) {

    public Trial {
        epochLosses = List.copyOf(epochLosses);
    }
}
