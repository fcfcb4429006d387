package dev.streamclassify.streams.testing;

import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.image.RawImage;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Encoded images for tests: valid PNGs of random pixels, and the usual kinds of bad input. */
public final class TestImages {

    private TestImages() {
    }

    /** A 28x28 grayscale PNG of random pixels: what the tiny test backbone takes. */
    public static byte[] png(long seed) {
        return png(28, 28, seed);
    }

    /** {@code count} PNGs keyed {@code img-0, img-1, ...} in that order, the i-th drawn from seed {@code firstSeed + i}. */
    public static Map<String, byte[]> byId(int count, long firstSeed) {
        Map<String, byte[]> images = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            images.put("img-" + i, png(firstSeed + i));
        }
        return images;
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
