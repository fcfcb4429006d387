package dev.streamclassify.trainer.experiment;

import java.util.List;

/** One measured cell: method, split, labels per class (0 = all), seed, holdout accuracy and wall time of training. */
public record Trial(String split, Method method, int perClass, int trainImages, long seed, double accuracy,
                    double trainSeconds, List<Double> epochLosses) {
}
