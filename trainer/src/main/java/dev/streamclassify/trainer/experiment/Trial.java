package dev.streamclassify.trainer.experiment;

import dev.streamclassify.trainer.training.Selection;

import java.util.List;

/**
 * One measured cell: arm, split, labels per class (0 = all), seed, holdout accuracy, wall time of training (all
 * candidates of the selection), and what the selection chose on the validation set.
 *
 * @param chosen e.g. {@code lr=0.001 l2=0.01 epoch=40 val=0.81}
 * @param curve  validation accuracy against updates of the chosen candidate (the learning curve); empty if unknown
 */
public record Trial(String split, Arm arm, int perClass, int trainImages, long seed, double accuracy, double trainSeconds,
                    List<Double> epochLosses, String chosen, List<Selection.Checkpoint> curve) {

    public Trial {
        epochLosses = List.copyOf(epochLosses);
        curve = List.copyOf(curve);
    }

    public Trial(String split, Arm arm, int perClass, int trainImages, long seed, double accuracy, double trainSeconds,
                 List<Double> epochLosses, String chosen) {
        this(split, arm, perClass, trainImages, seed, accuracy, trainSeconds, epochLosses, chosen, List.of());
    }

    /** The same trial with its learning curve. */
    public Trial withCurve(List<Selection.Checkpoint> c) {
        return new Trial(split, arm, perClass, trainImages, seed, accuracy, trainSeconds, epochLosses, chosen, c);
    }

    /** What identifies a cell's trial: split, arm, budget and seed. */
    String key() {
        return split + " " + seed + " " + perClass + " " + arm.label();
    }
}
