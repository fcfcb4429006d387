package dev.streamclassify.trainer.dataset;

import dev.streamclassify.model.image.RawImage;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One training example: a class name and its decoded pixels. Immutable as long as nobody mutates the pixel
 * array of {@link RawImage}, which that record already forbids.
 */
public record LabelledImage(String label, RawImage image) {

    public LabelledImage {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(image, "image");
        if (label.isBlank()) {
            throw new IllegalArgumentException("label must not be blank");
        }
    }

    /**
     * Lowercase hex SHA-256 of the width, height and channels (big-endian ints) followed by the pixels: the
     * identity of an image independent of its label and encoding, used to find duplicates and leaks between
     * splits. Computed on each call (a record cannot cache it); one digest over a few KB is cheap.
     */
    public String contentHash() {
        return contentHash(image);
    }

    /** {@link #contentHash()} of an image that has no label (yet), e.g. one from the stream. */
    public static String contentHash(RawImage image) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
        sha.update(ByteBuffer.allocate(12).putInt(image.width()).putInt(image.height()).putInt(image.channels())
                .array());
        sha.update(image.pixels());
        return HexFormat.of().formatHex(sha.digest());
    }
}
