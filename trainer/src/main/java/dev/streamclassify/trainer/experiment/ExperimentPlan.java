package dev.streamclassify.trainer.experiment;

import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.trainer.training.Selection;
import dev.streamclassify.trainer.training.SemiSupervised;
import dev.streamclassify.trainer.training.TrainSettings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What an experiment measures: for each class split (source classes pre-train the backbone, target classes are
 * learnt from few labels), each labels-per-class budget and each seed, every {@link Arm} on the same data.
 *
 * @param perClass        labels per target class; 0 means all available
 * @param sourcePerClass  cap on source images per class for pre-training (0 = all)
 * @param backbones       {@code pretrained} (on the split's source classes, per seed), {@code random} (frozen at a
 *                        random init, per seed), {@code rotation} (rotation prediction on the unlabelled target pool, per
 *                        seed) or any backbone spec {@code --backbone} takes
 * @param unlabelled      unlabelled pool sizes for the semi-supervised methods
 * @param valPerClass     labelled validation images per class, carved from the target training pool (never the holdout)
 * @param candidates      learning rate and L2 pairs the selection rule chooses among, for every arm
 * @param holdoutPerClass cap on holdout images per class (0 = all)
 * @param backboneCache   where per-seed pre-trained backbones are kept so that reruns skip pre-training
 * @param featureCache    where features of seed-independent backbones (any backbone spec) are kept across seeds and runs
 * @param scratch         whether the from-scratch arm runs (a run that adds backbones to measured seeds can skip it)
 * @param recipe          the semi-supervised recipe (rounds, pseudo-label share); each arm swaps in its own method, so a
 *                        run can measure a recipe change against the default on the validation set
 */
public record ExperimentPlan(List<ClassSplit> splits, List<Integer> perClass, List<Long> seeds, int pretrainEpochs,
                             int sourcePerClass, HeadConfig head, TrainSettings headTraining, TrainSettings scratchTraining,
                             List<String> backbones, List<SemiSupervised.Method> methods, List<Integer> unlabelled, int valPerClass,
                             List<Selection.Candidate> candidates, int holdoutPerClass, Optional<Path> backboneCache,
                             Optional<Path> featureCache, boolean scratch, SemiSupervised.Settings recipe) {

    /** A named source/target partition of the classes. */
    public record ClassSplit(String name, List<String> source, List<String> target) {
    }

    public ExperimentPlan {
        splits = List.copyOf(splits);
        perClass = List.copyOf(perClass);
        seeds = List.copyOf(seeds);
        backbones = List.copyOf(backbones);
        methods = List.copyOf(methods);
        unlabelled = List.copyOf(unlabelled);
        candidates = List.copyOf(candidates);
        Objects.requireNonNull(recipe, "recipe");
        if (splits.isEmpty() || perClass.isEmpty() || seeds.isEmpty() || candidates.isEmpty()) {
            throw new IllegalArgumentException("an experiment needs at least one split, budget, seed and candidate");
        }
        if (valPerClass < 1) {
            throw new IllegalArgumentException("the selection rule needs a validation set: valPerClass must be >= 1");
        }
        if (unlabelled.stream().anyMatch(u -> u < 0)) {
            throw new IllegalArgumentException("unlabelled pool sizes must be >= 0, were " + unlabelled);
        }
    }

    /** Every arm: scratch, then per backbone its labels-only head and each semi-supervised method at each pool size. */
    public List<Arm> arms() {
        List<Arm> arms = new ArrayList<>(scratch ? List.of(Arm.SCRATCH) : List.of());
        for (String b : backbones) {
            for (SemiSupervised.Method m : methods) {
                if (m == SemiSupervised.Method.LABELS_ONLY) {
                    arms.add(new Arm(b, m, 0));
                } else {
                    unlabelled.stream().filter(u -> u > 0).forEach(u -> arms.add(new Arm(b, m, u)));
                }
            }
        }
        return arms;
    }

    public int maxUnlabelled() {
        return unlabelled.stream().mapToInt(Integer::intValue).max().orElse(0);
    }
}
