package dev.streamclassify.model.image;

import java.util.Arrays;

/**
 * Decoded pixels, interleaved row-major (height x width x channels), unsigned bytes.
 * The array is owned by the record: callers must not mutate it after construction.
 */
public record RawImage(int width, int height, int channels, byte[] pixels) {

    public RawImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, was " + width + "x" + height);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, was " + channels);
        }
        if (pixels == null || pixels.length != width * height * channels) {
            throw new IllegalArgumentException("pixel buffer must hold width*height*channels bytes");
        }
    }

    /** Unsigned value of channel {@code c} at ({@code x}, {@code y}). */
    public int at(int x, int y, int c) {
        return pixels[(y * width + x) * channels + c] & 0xFF;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawImage r && r.width == width && r.height == height && r.channels == channels
                && Arrays.equals(r.pixels, pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * width + height) + channels) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "RawImage[" + width + "x" + height + "x" + channels + "]";
    }
}
