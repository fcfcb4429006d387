package dev.streamclassify.trainer.features;

import dev.streamclassify.model.backbone.Pooling;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SpatialPoolingTest {

    /** A 4x4 map with 2 channels, channels-last: channel 0 = y * 4 + x, channel 1 = 100. */
    private static float[][] map() {
        float[] row = new float[4 * 4 * 2];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                row[(y * 4 + x) * 2] = y * 4 + x;
                row[(y * 4 + x) * 2 + 1] = 100;
            }
        }
        return new float[][]{row};
    }

    @Test
    void gridAveragesEachCellPerChannelInRowMajorCellOrder() {
        float[] pooled = SpatialPooling.apply(map(), new long[]{4, 4, 2}, Pooling.parse("2x2"))[0];

        // top-left cell holds 0, 1, 4, 5 -> 2.5; top-right 2, 3, 6, 7 -> 4.5; bottom-left 10.5; bottom-right 12.5
        assertThat(pooled).containsExactly(new float[]{2.5f, 100, 4.5f, 100, 10.5f, 100, 12.5f, 100}, within(1e-6f));
    }

    @Test
    void globalIsTheMeanOfTheWholeMap() {
        assertThat(SpatialPooling.apply(map(), new long[]{4, 4, 2}, Pooling.GLOBAL)[0]).containsExactly(new float[]{7.5f, 100}, within(1e-6f));
    }

    @Test
    void noneKeepsTheRowsAndAGridThatDoesNotTileIsRefused() {
        float[][] rows = map();
        assertThat(SpatialPooling.apply(rows, new long[]{4, 4, 2}, Pooling.NONE)).isSameAs(rows);
        assertThatThrownBy(() -> SpatialPooling.apply(rows, new long[]{4, 4, 2}, Pooling.parse("3x3"))).hasMessageContaining("does not tile");
    }
}
