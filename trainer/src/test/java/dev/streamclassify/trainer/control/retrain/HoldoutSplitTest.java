package dev.streamclassify.trainer.control.retrain;

import dev.streamclassify.model.image.RawImage;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.LabelledImage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class HoldoutSplitTest {

    private static List<LabelledImage> images(String label, int n, long seed) {
        Random r = new Random(seed);
        List<LabelledImage> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] px = new byte[16];
            r.nextBytes(px);
            out.add(new LabelledImage(label, new RawImage(4, 4, 1, px)));
        }
        return out;
    }

    private static Set<String> hashes(Dataset d) {
        return d.images().stream().map(LabelledImage::contentHash).collect(Collectors.toSet());
    }

    @Test
    void sameImagesGiveTheSameSplitWhateverTheirOrder() {
        List<LabelledImage> all = new ArrayList<>(images("a", 50, 1));
        all.addAll(images("b", 50, 2));
        List<LabelledImage> reversed = new ArrayList<>(all);
        java.util.Collections.reverse(reversed);

        Dataset.Split one = HoldoutSplit.split(new Dataset(List.of("a", "b"), all), 0.2);
        Dataset.Split two = HoldoutSplit.split(new Dataset(List.of("a", "b"), reversed), 0.2);

        assertThat(hashes(one.holdout())).isEqualTo(hashes(two.holdout()));
    }

    @Test
    void growingTheDataKeepsTheOldHoldoutImagesInTheHoldout() {
        List<LabelledImage> a = new ArrayList<>(images("a", 40, 1));
        a.addAll(images("b", 40, 2));
        List<LabelledImage> ab = new ArrayList<>(a);
        ab.addAll(images("a", 60, 3));
        ab.addAll(images("b", 60, 4));
        ab.addAll(images("c", 30, 5));

        Dataset.Split small = HoldoutSplit.split(new Dataset(List.of("a", "b"), a), 0.25);
        Dataset.Split large = HoldoutSplit.split(new Dataset(List.of("a", "b", "c"), ab), 0.25);

        assertThat(hashes(large.holdout())).containsAll(hashes(small.holdout()));
        assertThat(hashes(large.train())).containsAll(hashes(small.train()));
    }

    @Test
    void eachClassKeepsRoughlyItsShareWithAtLeastOneTrainingImage() {
        List<LabelledImage> all = new ArrayList<>(images("big", 1000, 7));
        all.addAll(images("tiny", 2, 8));
        all.addAll(images("single", 1, 9));

        Dataset.Split split = HoldoutSplit.split(new Dataset(List.of("big", "tiny", "single"), all), 0.99);

        assertThat(split.holdout().countsPerClass().get("big")).isBetween(980, 999);
        assertThat(split.train().countsPerClass().get("single")).isEqualTo(1);
        assertThat(split.holdout().countsPerClass().get("tiny")).isEqualTo(1);
        assertThat(split.train().countsPerClass().get("tiny")).isEqualTo(1);
        assertThat(split.train().size() + split.holdout().size()).isEqualTo(all.size());
    }

    @Test
    void positionIsUniformInTheUnitInterval() {
        assertThat(HoldoutSplit.position("0000000000000" + "f".repeat(51))).isEqualTo(0.0);
        assertThat(HoldoutSplit.position("f".repeat(64))).isLessThan(1.0).isGreaterThan(0.999);
        assertThat(HoldoutSplit.inHoldout("4".repeat(64), 0.2)).isFalse();
        assertThat(HoldoutSplit.inHoldout("2".repeat(64), 0.2)).isTrue();
    }
}
