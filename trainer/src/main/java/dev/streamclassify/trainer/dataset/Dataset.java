package dev.streamclassify.trainer.dataset;

import dev.streamclassify.trainer.dataset.internal.Shuffling;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A labelled image set with its ordered class list: {@code labels.get(i)} is class id {@code i}, so the order
 * is part of a trained head's contract. Immutable and thread-safe; every operation returns a new dataset and
 * keeps the images in their original relative order. Sampling and splitting are deterministic under a seed and
 * draw each class independently of the others, so the same seed picks the same images of a class whether or
 * not other classes were removed first.
 *
 * @param labels class names, unique and non-blank, at least one
 * @param images the examples; each label must be one of {@code labels}; may be empty
 */
public record Dataset(List<String> labels, List<LabelledImage> images) {

    /** Two parts of one dataset; both carry the parent's full label list so class ids agree. */
    public record Split(Dataset train, Dataset holdout) {

        public Split {
            Objects.requireNonNull(train, "train");
            Objects.requireNonNull(holdout, "holdout");
            if (!train.labels().equals(holdout.labels())) {
                throw new IllegalArgumentException("train and holdout must share one label list, were "
                        + train.labels() + " and " + holdout.labels());
            }
        }
    }

    public Dataset {
        labels = List.copyOf(labels);
        images = List.copyOf(images);
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("a dataset needs at least one class label");
        }
        Set<String> known = new HashSet<>();
        for (String label : labels) {
            if (label.isBlank()) {
                throw new IllegalArgumentException("class labels must not be blank: " + labels);
            }
            if (!known.add(label)) {
                throw new IllegalArgumentException("class label '" + label + "' appears twice in " + labels);
            }
        }
        for (int i = 0; i < images.size(); i++) {
            if (!known.contains(images.get(i).label())) {
                throw new IllegalArgumentException("image " + i + " has label '" + images.get(i).label()
                        + "', which is not one of " + labels);
            }
        }
    }

    public int size() {
        return images.size();
    }

    /** @throws IllegalArgumentException if {@code label} is not a class of this dataset */
    public int classIndex(String label) {
        int i = labels.indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException("unknown class '" + label + "', classes are " + labels);
        }
        return i;
    }

    /** Images per class in label order, including classes with no images. */
    public Map<String, Integer> countsPerClass() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String label : labels) {
            counts.put(label, 0);
        }
        for (LabelledImage image : images) {
            counts.merge(image.label(), 1, Integer::sum);
        }
        return Collections.unmodifiableMap(counts);
    }

    /**
     * Only the images of {@code keep}; the label list shrinks to those classes in their original order, so class
     * ids are renumbered.
     *
     * @throws IllegalArgumentException if {@code keep} names a class this dataset does not have, or is empty
     */
    public Dataset withClasses(Collection<String> keep) {
        Set<String> wanted = new HashSet<>(keep);
        for (String label : wanted) {
            classIndex(label);
        }
        List<String> kept = labels.stream().filter(wanted::contains).toList();
        List<LabelledImage> keptImages = images.stream().filter(im -> wanted.contains(im.label())).toList();
        return new Dataset(kept, keptImages);
    }

    /**
     * Up to {@code n} images of each class, chosen by a seeded shuffle of that class; a class with fewer keeps all
     * of them. Under one seed a larger {@code n} selects a superset, so learning curves over N nest.
     *
     * @param n images per class; {@code n <= 0} or {@link Integer#MAX_VALUE} keeps everything
     */
    public Dataset samplePerClass(int n, long seed) {
        if (n <= 0 || n == Integer.MAX_VALUE) {
            return this;
        }
        boolean[] chosen = new boolean[images.size()];
        for (Map.Entry<String, List<Integer>> e : indicesByClass().entrySet()) {
            List<Integer> members = e.getValue();
            int[] order = Shuffling.permutation(members.size(), Shuffling.classSeed(seed, e.getKey()));
            for (int i = 0; i < Math.min(n, members.size()); i++) {
                chosen[members.get(order[i])] = true;
            }
        }
        return new Dataset(labels, select(chosen, true));
    }

    /**
     * Splits every class separately so both parts keep the class proportions. A class's holdout share is
     * {@code round(count * holdoutFraction)}, clamped so that a class with at least two images has at least one
     * in each part; a class with a single image stays in train.
     *
     * @param holdoutFraction strictly between 0 and 1
     */
    public Split stratifiedSplit(double holdoutFraction, long seed) {
        if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
            throw new IllegalArgumentException("holdoutFraction must be strictly between 0 and 1, was "
                    + holdoutFraction);
        }
        boolean[] holdout = new boolean[images.size()];
        for (Map.Entry<String, List<Integer>> e : indicesByClass().entrySet()) {
            List<Integer> members = e.getValue();
            int count = members.size();
            int take = count < 2 ? 0 : Math.min(count - 1, Math.max(1, (int) Math.round(count * holdoutFraction)));
            int[] order = Shuffling.permutation(count, Shuffling.classSeed(seed, e.getKey()));
            for (int i = 0; i < take; i++) {
                holdout[members.get(order[i])] = true;
            }
        }
        return new Split(new Dataset(labels, select(holdout, false)), new Dataset(labels, select(holdout, true)));
    }

    /** This dataset's images followed by {@code other}'s; labels are this list followed by {@code other}'s new ones. */
    public Dataset concat(Dataset other) {
        Set<String> union = new LinkedHashSet<>(labels);
        union.addAll(other.labels);
        List<LabelledImage> all = new ArrayList<>(images.size() + other.images.size());
        all.addAll(images);
        all.addAll(other.images);
        return new Dataset(List.copyOf(union), all);
    }

    /** Summarises instead of listing every image, so logs and assertion messages stay readable. */
    @Override
    public String toString() {
        return "Dataset[" + images.size() + " images, classes " + countsPerClass() + "]";
    }

    private Map<String, List<Integer>> indicesByClass() {
        Map<String, List<Integer>> byClass = new LinkedHashMap<>();
        for (String label : labels) {
            byClass.put(label, new ArrayList<>());
        }
        for (int i = 0; i < images.size(); i++) {
            byClass.get(images.get(i).label()).add(i);
        }
        return byClass;
    }

    private List<LabelledImage> select(boolean[] flags, boolean wanted) {
        List<LabelledImage> out = new ArrayList<>();
        for (int i = 0; i < flags.length; i++) {
            if (flags[i] == wanted) {
                out.add(images.get(i));
            }
        }
        return out;
    }
}
