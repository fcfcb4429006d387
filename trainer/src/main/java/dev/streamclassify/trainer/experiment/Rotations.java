package dev.streamclassify.trainer.experiment;

import dev.streamclassify.model.image.RawImage;

/** Rotated copies of images, the labels of the rotation-prediction pretext task. Stateless. */
final class Rotations {

    private Rotations() {
    }

    /** {@code img} turned 90 degrees clockwise: width and height swap. */
    static RawImage quarterTurn(RawImage img) {
        int w = img.width();
        int h = img.height();
        int c = img.channels();
        byte[] src = img.pixels();
        byte[] out = new byte[src.length];
        // the pixel at (x, y) goes to (h - 1 - y, x) of an image h wide
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(src, (y * w + x) * c, out, (x * h + (h - 1 - y)) * c, c);
            }
        }
        return new RawImage(h, w, c, out);
    }
}
