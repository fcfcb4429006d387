package dev.streamclassify.trainer.features;

import dev.streamclassify.model.backbone.Pooling;

/**
 * Average pooling applied to features cached at a spatial cut ({@code pool=none}, channels-last {@code [h, w, c]}
 * rows), so one featurization serves every pooling of an experiment. Cells are the same as the backbone's pooling
 * vertex ({@code k} must divide {@code h} and {@code w}), output order {@code [cell row, cell column, channel]}.
 */
public final class SpatialPooling {

    private SpatialPooling() {
    }

    public static float[][] apply(float[][] rows, long[] hwc, Pooling pooling) {
        if (pooling.grid() == 0) {
            return rows;
        }
        int h = (int) hwc[0];
        int w = (int) hwc[1];
        int c = (int) hwc[2];
        int k = pooling.grid() < 0 ? 1 : pooling.grid();
        if (h % k != 0 || w % k != 0) {
            throw new IllegalArgumentException("pool " + pooling + " does not tile a " + h + "x" + w + " map");
        }
        int ch = h / k;
        int cw = w / k;
        float[][] out = new float[rows.length][k * k * c];
        for (int n = 0; n < rows.length; n++) {
            float[] in = rows[n];
            float[] o = out[n];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int cell = ((y / ch) * k + x / cw) * c;
                    int at = (y * w + x) * c;
                    for (int j = 0; j < c; j++) {
                        o[cell + j] += in[at + j];
                    }
                }
            }
            float inv = 1f / (ch * cw);
            for (int j = 0; j < o.length; j++) {
                o[j] *= inv;
            }
        }
        return out;
    }
}
