package dev.streamclassify.trainer.dataset;

import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.image.RawImage;

import java.util.Locale;
import java.util.Optional;

/**
 * Bounds one training set, so that no command can make the trainer exhaust its heap and die again on every
 * redelivery: at most {@code maxImages} images and {@code maxPixels} pixel values (width x height x channels) held.
 * Images are shrunk to the backbone's input on admission ({@link Preprocessor#fit}), so what is held is what the
 * backbone will see, not the decoded size. Not thread-safe: one budget per load.
 */
public final class DatasetBudget {

    /** The training set would exceed a bound; the message names it, for the command's status. */
    public static final class Exceeded extends RuntimeException {
        Exceeded(String message) {
            super(message);
        }
    }

    private final int maxImages;
    private final long maxPixels;
    private final Optional<Preprocessor> fit;
    private int images;
    private long pixels;

    /** @param fit shrinks admitted images to the backbone's input; empty keeps them as decoded */
    public DatasetBudget(int maxImages, long maxPixels, Optional<Preprocessor> fit) {
        if (maxImages < 1 || maxPixels < 1) {
            throw new IllegalArgumentException("bounds must be positive");
        }
        this.maxImages = maxImages;
        this.maxPixels = maxPixels;
        this.fit = fit;
    }

    /** No bounds, images kept as decoded: for the command line, where the operator owns the machine. */
    public static DatasetBudget unlimited() {
        return new DatasetBudget(Integer.MAX_VALUE, Long.MAX_VALUE, Optional.empty());
    }

    /**
     * Refuses a source before anything is decoded when it offers more candidates than the set may hold.
     *
     * @param what e.g. "records in the requested range"
     */
    public void checkCandidates(long candidates, String what) {
        if (candidates > maxImages) {
            throw new Exceeded(String.format(Locale.ROOT, "training set too large: %d %s, more than the limit of %d images "
                    + "(training.max.images)", candidates, what, maxImages));
        }
    }

    /** The image as it will be held (shrunk to the backbone's input), counted against the bounds. */
    public RawImage admit(RawImage decoded) {
        RawImage held = fit.map(f -> f.fit(decoded)).orElse(decoded);
        long size = (long) held.width() * held.height() * held.channels();
        if (images + 1 > maxImages) {
            throw new Exceeded("training set too large: more than the limit of " + maxImages + " images (training.max.images)");
        }
        if (pixels + size > maxPixels) {
            throw new Exceeded(String.format(Locale.ROOT, "training set too large: more than the limit of %d pixel values "
                    + "held (training.max.pixels) after %d images", maxPixels, images));
        }
        images++;
        pixels += size;
        return held;
    }

    public int images() {
        return images;
    }

    public long pixels() {
        return pixels;
    }
}
