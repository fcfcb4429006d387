package dev.streamclassify.trainer.dataset;

import dev.streamclassify.model.image.RawImage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.streamclassify.trainer.dataset.TestImages.counts;
import static dev.streamclassify.trainer.dataset.TestImages.gray;
import static dev.streamclassify.trainer.dataset.TestImages.interleaved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatasetTest {

    private final Dataset abc = interleaved(counts("A", 50, "B", 30, "C", 20));

    @Test
    void samplingIsDeterministicPerSeedAndGivesNPerClass() {
        Dataset first = abc.samplePerClass(10, 7);

        assertThat(abc.samplePerClass(10, 7)).isEqualTo(first);
        assertThat(first.countsPerClass()).containsExactly(
                entry("A", 10), entry("B", 10), entry("C", 10));
        assertThat(first.labels()).isEqualTo(abc.labels());
        assertThat(abc.samplePerClass(10, 8).images()).isNotEqualTo(first.images());
    }

    @Test
    void samplingKeepsTheSourceOrderOfTheChosenImages() {
        List<LabelledImage> sample = abc.samplePerClass(10, 7).images();

        assertThat(abc.images()).containsSubsequence(sample);
    }

    @Test
    void samplingKeepsAllImagesOfAClassSmallerThanN() {
        assertThat(abc.samplePerClass(25, 1).countsPerClass()).containsExactly(
                entry("A", 25), entry("B", 25), entry("C", 20));
    }

    @Test
    void samplingWithZeroOrMaxValueKeepsEverything() {
        assertThat(abc.samplePerClass(0, 1)).isEqualTo(abc);
        assertThat(abc.samplePerClass(-3, 1)).isEqualTo(abc);
        assertThat(abc.samplePerClass(Integer.MAX_VALUE, 1)).isEqualTo(abc);
    }

    @Test
    void largerSampleUnderOneSeedContainsTheSmallerOne() {
        assertThat(abc.samplePerClass(15, 3).images()).containsAll(abc.samplePerClass(5, 3).images());
    }

    @Test
    void samplingAClassDoesNotDependOnWhichOtherClassesArePresent() {
        assertThat(abc.samplePerClass(5, 11).withClasses(List.of("B")))
                .isEqualTo(abc.withClasses(List.of("B")).samplePerClass(5, 11));
    }

    @Test
    void stratifiedSplitKeepsClassProportionsAndIsDisjoint() {
        Dataset d = interleaved(counts("A", 100, "B", 50, "C", 20));

        Dataset.Split split = d.stratifiedSplit(0.2, 5);

        assertThat(split.holdout().countsPerClass()).containsExactly(entry("A", 20), entry("B", 10), entry("C", 4));
        assertThat(split.train().countsPerClass()).containsExactly(entry("A", 80), entry("B", 40), entry("C", 16));
        assertThat(split.train().labels()).isEqualTo(d.labels());
        assertThat(split.holdout().labels()).isEqualTo(d.labels());
        Set<String> trainHashes = hashes(split.train());
        Set<String> holdoutHashes = hashes(split.holdout());
        assertThat(trainHashes).doesNotContainAnyElementsOf(holdoutHashes);
        Set<String> union = new HashSet<>(trainHashes);
        union.addAll(holdoutHashes);
        assertThat(union).isEqualTo(hashes(d));
        assertThat(d.stratifiedSplit(0.2, 5)).isEqualTo(split);
        assertThat(d.stratifiedSplit(0.2, 6)).isNotEqualTo(split);
    }

    @Test
    void stratifiedSplitPutsEveryClassWithTwoImagesInBothParts() {
        Dataset d = interleaved(counts("A", 3, "B", 2, "C", 1));

        Dataset.Split split = d.stratifiedSplit(0.1, 1);

        assertThat(split.holdout().countsPerClass()).containsExactly(entry("A", 1), entry("B", 1), entry("C", 0));
        assertThat(split.train().countsPerClass()).containsExactly(entry("A", 2), entry("B", 1), entry("C", 1));
    }

    @Test
    void stratifiedSplitRejectsAFractionOutsideZeroToOne() {
        for (double bad : new double[] {0, 1, -0.1, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> abc.stratifiedSplit(bad, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("holdoutFraction");
        }
    }

    @Test
    void withClassesKeepsTheOriginalOrderOfLabelsAndImages() {
        Dataset d = interleaved(counts("A", 3, "B", 3, "C", 3, "D", 3));

        Dataset kept = d.withClasses(List.of("D", "B"));

        assertThat(kept.labels()).containsExactly("B", "D");
        assertThat(kept.classIndex("D")).isEqualTo(1);
        assertThat(kept.images()).extracting(LabelledImage::label).containsExactly("B", "D", "B", "D", "B", "D");
        assertThat(d.images()).containsSubsequence(kept.images());
    }

    @Test
    void withClassesRejectsAClassTheDatasetDoesNotHave() {
        assertThatThrownBy(() -> abc.withClasses(List.of("A", "Z")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'Z'");
    }

    @Test
    void concatAppendsImagesAndOnlyTheNewLabels() {
        Dataset other = new Dataset(List.of("C", "D"), List.of(new LabelledImage("D", gray(2, 2, 99))));

        Dataset joined = abc.concat(other);

        assertThat(joined.labels()).containsExactly("A", "B", "C", "D");
        assertThat(joined.size()).isEqualTo(abc.size() + 1);
        assertThat(joined.images().subList(0, abc.size())).isEqualTo(abc.images());
        assertThat(joined.images().get(abc.size())).isEqualTo(other.images().get(0));
    }

    @Test
    void countsPerClassListsClassesWithoutImagesAsZero() {
        Dataset d = new Dataset(List.of("A", "B"), List.of(new LabelledImage("B", gray(2, 2, 1))));

        assertThat(d.countsPerClass()).containsExactly(entry("A", 0), entry("B", 1));
    }

    @Test
    void rejectsDuplicateEmptyOrUnknownLabels() {
        List<LabelledImage> none = List.of();
        assertThatThrownBy(() -> new Dataset(List.of("A", "B", "A"), none)).hasMessageContaining("'A' appears twice");
        assertThatThrownBy(() -> new Dataset(List.of(), none)).hasMessageContaining("at least one class");
        assertThatThrownBy(() -> new Dataset(List.of("A"), List.of(new LabelledImage("B", gray(2, 2, 1)))))
                .hasMessageContaining("'B'");
        assertThatThrownBy(() -> abc.classIndex("Z")).hasMessageContaining("unknown class 'Z'");
    }

    @Test
    void isNotChangedByLaterChangesToTheListsItWasBuiltFrom() {
        List<String> labels = new ArrayList<>(List.of("A"));
        List<LabelledImage> images = new ArrayList<>(List.of(new LabelledImage("A", gray(2, 2, 1))));
        Dataset d = new Dataset(labels, images);

        labels.add("B");
        images.clear();

        assertThat(d.labels()).containsExactly("A");
        assertThat(d.size()).isEqualTo(1);
    }

    @Test
    void contentHashIsSha256OverBigEndianShapeThenPixels() {
        assertThat(new LabelledImage("x", new RawImage(1, 1, 1, new byte[] {0})).contentHash())
                .isEqualTo("bb0372ef14634f797286edc70188649f2632c494b6ecb770b4ab8e83699fb77b");
        assertThat(new LabelledImage("x", new RawImage(2, 1, 3, new byte[] {1, 2, 3, 4, 5, 6})).contentHash())
                .isEqualTo("bbda419b6b5032d09f670d2fdfc00599391dfd8d051303061d1006ed0d17ff3a");
    }

    @Test
    void contentHashIgnoresTheLabelButNotTheShape() {
        byte[] px = {1, 2, 3, 4, 5, 6};
        String wide = new LabelledImage("a", new RawImage(3, 2, 1, px)).contentHash();

        assertThat(new LabelledImage("b", new RawImage(3, 2, 1, px.clone())).contentHash()).isEqualTo(wide);
        assertThat(new LabelledImage("a", new RawImage(2, 3, 1, px)).contentHash()).isNotEqualTo(wide);
    }

    private static Set<String> hashes(Dataset d) {
        Set<String> out = new HashSet<>();
        d.images().forEach(im -> out.add(im.contentHash()));
        return out;
    }

    private static Map.Entry<String, Integer> entry(String label, int count) {
        return Map.entry(label, count);
    }
}
