package dev.streamclassify.model.image;

/** Bounds checked before and while decoding, so a hostile image cannot exhaust memory. */
public record DecodeLimits(int maxBytes, long maxPixels) {

    public static final DecodeLimits DEFAULT = new DecodeLimits(4 * 1024 * 1024, 16_000_000L);

    public DecodeLimits {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be positive");
        }
    }
}
