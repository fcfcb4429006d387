package dev.streamclassify.model.inference;

import dev.streamclassify.model.image.PreprocessingSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchTest {

    private static final PreprocessingSpec RGB_2X3 = PreprocessingSpec.unitScaled(2, 3, 3);

    @Test
    void stacksImagesIntoChannelsFirstBatch() {
        float[] first = sequence(0);
        float[] second = sequence(100);

        INDArray batch = Batch.of(RGB_2X3, List.of(first, second));

        assertThat(batch.shape()).containsExactly(2, 3, 2, 3);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 3; x++) {
                    int i = c * 6 + y * 3 + x;
                    assertThat(batch.getFloat(0, c, y, x)).isEqualTo(first[i]);
                    assertThat(batch.getFloat(1, c, y, x)).isEqualTo(second[i]);
                }
            }
        }
    }

    @Test
    void refusesAnImageOfTheWrongSizeNamingIt() {
        assertThatThrownBy(() -> Batch.of(RGB_2X3, List.of(sequence(0), new float[17])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("image 1")
                .hasMessageContaining("17")
                .hasMessageContaining("18");
    }

    @Test
    void refusesAnEmptyList() {
        assertThatThrownBy(() -> Batch.of(RGB_2X3, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one image");
    }

    private static float[] sequence(int start) {
        float[] v = new float[RGB_2X3.valuesPerImage()];
        for (int i = 0; i < v.length; i++) {
            v[i] = start + i;
        }
        return v;
    }
}
