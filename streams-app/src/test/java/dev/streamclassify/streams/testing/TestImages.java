package dev.streamclassify.streams.testing;

import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.image.RawImage;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/** Encoded images for tests: valid PNGs of random pixels, and the usual kinds of bad input. */
public final class TestImages {

    private TestImages() {
    }

    /** A 28x28 grayscale PNG of random pixels: what the tiny test backbone takes. */
    public static byte[] png(long seed) {
        return png(28, 28, seed);
    }

    public static byte[] png(int width, int height, long seed) {
        byte[] px = new byte[width * height];
        new Random(seed).nextBytes(px);
        return ImageEncoder.png(new RawImage(width, height, 1, px));
    }

    /** Starts like a PNG, ends before the pixels: the decoder reports it as corrupt. */
    public static byte[] truncatedPng(long seed) {
        byte[] png = png(seed);
        return Arrays.copyOf(png, 40);
    }

    /** Bytes of no image format at all. */
    public static byte[] notAnImage() {
        return "this is not an image".getBytes(StandardCharsets.UTF_8);
    }
}
