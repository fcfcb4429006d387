package dev.streamclassify.trainer.dataset;

import dev.streamclassify.model.image.RawImage;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FractalDatasetTest {

    @Test
    void countsShapesAndLabels() {
        Dataset d = FractalDataset.generate(7, 5, 28, 1);
        assertThat(d.labels()).hasSize(7).first().isEqualTo("fractal-000");
        assertThat(d.size()).isEqualTo(35);
        assertThat(d.countsPerClass().values()).allMatch(n -> n == 5);
        for (LabelledImage im : d.images()) {
            RawImage r = im.image();
            assertThat(r.width()).isEqualTo(28);
            assertThat(r.height()).isEqualTo(28);
            assertThat(r.channels()).isEqualTo(1);
        }
    }

    @Test
    void deterministicPerSeedAndDifferentAcrossSeeds() {
        Dataset a = FractalDataset.generate(4, 3, 28, 42);
        Dataset b = FractalDataset.generate(4, 3, 28, 42);
        Dataset c = FractalDataset.generate(4, 3, 28, 43);
        assertThat(a).isEqualTo(b);
        assertThat(a.images()).isNotEqualTo(c.images());
    }

    @Test
    void largerRequestsExtendSmallerOnes() {
        Dataset small = FractalDataset.generate(3, 2, 28, 9);
        Dataset large = FractalDataset.generate(5, 4, 28, 9);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 2; i++) {
                assertThat(large.images().get(c * 4 + i)).isEqualTo(small.images().get(c * 2 + i));
            }
        }
    }

    @Test
    void imagesAreNotBlankNorFullAndInstancesVary() {
        Dataset d = FractalDataset.generate(20, 4, 28, 5);
        Set<String> distinct = new HashSet<>();
        for (LabelledImage im : d.images()) {
            int lit = 0;
            for (byte p : im.image().pixels()) {
                if ((p & 0xFF) > 0) {
                    lit++;
                }
            }
            assertThat(lit).as("lit pixels of %s", im.label()).isBetween(15, 28 * 28 - 50);
            distinct.add(im.contentHash());
        }
        assertThat(distinct).hasSize(d.size());
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> FractalDataset.generate(0, 1, 28, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FractalDataset.generate(1, 0, 28, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
