package dev.streamclassify.model.image;

import java.util.Arrays;
import java.util.List;

/**
 * What a backbone expects as input: size, channels and per-channel normalisation
 * {@code (pixel * scale - mean[c]) / std[c]}. Travels inside every model version so that the serving side
 * can refuse a head trained for another input.
 */
public record PreprocessingSpec(int height, int width, int channels, double scale, List<Double> mean, List<Double> std) {

    public PreprocessingSpec {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("input size must be positive, was " + height + "x" + width);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, was " + channels);
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be positive and finite");
        }
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        if (mean.size() != channels || std.size() != channels) {
            throw new IllegalArgumentException("mean and std need one value per channel");
        }
        for (double s : std) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("std values must be positive and finite");
            }
        }
        for (double m : mean) {
            if (!Double.isFinite(m)) {
                throw new IllegalArgumentException("mean values must be finite");
            }
        }
    }

    /** Pixels scaled to [0, 1], no centring: what our own backbones are trained on. */
    public static PreprocessingSpec unitScaled(int height, int width, int channels) {
        List<Double> zeros = Arrays.asList(new Double[channels]);
        List<Double> ones = Arrays.asList(new Double[channels]);
        for (int c = 0; c < channels; c++) {
            zeros.set(c, 0.0);
            ones.set(c, 1.0);
        }
        return new PreprocessingSpec(height, width, channels, 1.0 / 255.0, zeros, ones);
    }

    /** ImageNet statistics on [0, 1] pixels, as the DL4J/Keras ImageNet zoo models were trained. */
    public static PreprocessingSpec imageNet(int height, int width) {
        return new PreprocessingSpec(height, width, 3, 1.0 / 255.0,
                List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225));
    }

    public int valuesPerImage() {
        return height * width * channels;
    }
}
