package dev.streamclassify.trainer.control.retrain;

import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.LabelledImage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The train/holdout split of the control loop, decided per image by its content hash: an image is in the holdout
 * iff the hash, read as a number in [0, 1), is below the fraction. So the same image is always on the same side,
 * retrains on a growing data set keep their old holdout images in the holdout, and the active version can be
 * compared with a new one on images neither trained on. The split is per class, so each class keeps about its share;
 * the exceptions to hash-stability: a class of two or more images whose hashes all fall on one side gives its
 * extreme image to the other side, so every class is both trained and evaluated, and a class of one image is only
 * trained on. Stateless.
 */
public final class HoldoutSplit {

    private HoldoutSplit() {
    }

    /** The hash as a uniform number in [0, 1): the first 52 bits of the (hex) SHA-256. */
    public static double position(String contentHash) {
        return Long.parseLong(contentHash.substring(0, 13), 16) / (double) (1L << 52);
    }

    public static boolean inHoldout(String contentHash, double fraction) {
        return position(contentHash) < fraction;
    }

    public static Dataset.Split split(Dataset data, double fraction) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("holdout fraction must be strictly between 0 and 1, was " + fraction);
        }
        Map<String, List<Integer>> byClass = new LinkedHashMap<>();
        data.labels().forEach(l -> byClass.put(l, new ArrayList<>()));
        double[] pos = new double[data.size()];
        for (int i = 0; i < data.size(); i++) {
            LabelledImage img = data.images().get(i);
            pos[i] = position(img.contentHash());
            byClass.get(img.label()).add(i);
        }
        Set<Integer> holdout = new HashSet<>();
        for (List<Integer> members : byClass.values()) {
            if (members.size() < 2) {
                continue;
            }
            List<Integer> held = members.stream().filter(i -> pos[i] < fraction).toList();
            if (held.isEmpty()) {
                held = List.of(members.stream().min(Comparator.comparingDouble(i -> pos[i])).orElseThrow());
            } else if (held.size() == members.size()) {
                Integer keep = members.stream().max(Comparator.comparingDouble(i -> pos[i])).orElseThrow();
                held = held.stream().filter(i -> !i.equals(keep)).toList();
            }
            holdout.addAll(held);
        }
        List<LabelledImage> train = new ArrayList<>();
        List<LabelledImage> hold = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            (holdout.contains(i) ? hold : train).add(data.images().get(i));
        }
        return new Dataset.Split(new Dataset(data.labels(), train), new Dataset(data.labels(), hold));
    }
}
