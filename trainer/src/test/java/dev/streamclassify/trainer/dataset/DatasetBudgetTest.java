package dev.streamclassify.trainer.dataset;

import dev.streamclassify.model.image.ImageDecoder;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.image.RawImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A training set is held at the backbone's input size and within its bounds, whatever the images are. */
class DatasetBudgetTest {

    private static final PreprocessingSpec INPUT = PreprocessingSpec.unitScaled(28, 28, 1);
    private static final Preprocessor FIT = new Preprocessor(INPUT);

    @TempDir
    Path root;

    @Test
    void holdsLargeImagesAtTheBackbonesInputSizeAndFeedsTheBackboneTheSameValues() {
        DatasetBudget budget = new DatasetBudget(10, 10 * 28 * 28, Optional.of(FIT));
        RawImage large = TestImages.colour(560, 420, 1);

        RawImage held = budget.admit(large);

        assertThat(held.width()).isEqualTo(28);
        assertThat(held.height()).isEqualTo(28);
        assertThat(held.channels()).isEqualTo(1);
        assertThat(budget.pixels()).isEqualTo(28 * 28);
        float[] fromLarge = FIT.apply(large);
        float[] fromHeld = FIT.apply(held);
        for (int i = 0; i < fromLarge.length; i++) {
            // rounding to whole grey levels is the only difference: at most half a level of 255
            assertThat(Math.abs(fromLarge[i] - fromHeld[i])).isLessThanOrEqualTo(0.5f / 255 + 1e-6f);
        }
    }

    @Test
    void refusesTheImageThatWouldExceedThePixelBound() {
        DatasetBudget budget = new DatasetBudget(1000, 3 * 28 * 28, Optional.of(FIT));
        for (int i = 0; i < 3; i++) {
            budget.admit(TestImages.gray(1000, 1000, i));
        }

        assertThatThrownBy(() -> budget.admit(TestImages.gray(1000, 1000, 9)))
                .isInstanceOf(DatasetBudget.Exceeded.class).hasMessageContaining("training.max.pixels");
        assertThat(budget.images()).isEqualTo(3);
    }

    @Test
    void refusesAFolderWithTooManyImageFilesBeforeDecodingAny() throws Exception {
        for (String label : new String[] {"a", "b"}) {
            Path dir = Files.createDirectories(root.resolve(label));
            for (int i = 0; i < 3; i++) {
                // not decodable: a loader that decoded before counting would skip these instead of refusing the folder
                Files.write(dir.resolve(i + ".png"), new byte[] {1, 2, 3});
            }
        }
        Files.write(root.resolve("a").resolve("real.png"), ImageEncoder.png(TestImages.gray(28, 28, 1)));

        assertThatThrownBy(() -> ImageFolderDataset.load(root, new ImageDecoder(), new DatasetBudget(5, Long.MAX_VALUE, Optional.of(FIT))))
                .isInstanceOf(DatasetBudget.Exceeded.class)
                .hasMessageContaining("7 image files").hasMessageContaining("limit of 5 images");
    }
}
