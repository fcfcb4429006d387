package dev.streamclassify.model.image;

/**
 * The one preprocessing path of the product, used by trainer and streams-app alike: convert channels, resize
 * (bilinear) and normalise one image into a channels-first float array. Per-image only; batches are formed by
 * {@link dev.streamclassify.model.inference.Batch}. Thread-safe.
 */
public final class Preprocessor {

    private final PreprocessingSpec spec;
    private final ImageDecoder decoder;

    public Preprocessor(PreprocessingSpec spec, ImageDecoder decoder) {
        this.spec = spec;
        this.decoder = decoder;
    }

    public Preprocessor(PreprocessingSpec spec) {
        this(spec, new ImageDecoder());
    }

    public PreprocessingSpec spec() {
        return spec;
    }

    /** Decodes then preprocesses; the typed exception says why an image was refused. */
    public float[] fromEncoded(byte[] encoded) throws ImageRejectedException {
        return apply(decoder.decode(encoded));
    }

    /** @return channels-first ({@code c, h, w}) normalised values of length {@link PreprocessingSpec#valuesPerImage()} */
    public float[] apply(RawImage image) {
        RawImage converted = convertChannels(image, spec.channels());
        int h = spec.height();
        int w = spec.width();
        int ch = spec.channels();
        float[] out = new float[h * w * ch];
        boolean sameSize = converted.width() == w && converted.height() == h;
        double sx = (double) converted.width() / w;
        double sy = (double) converted.height() / h;
        for (int c = 0; c < ch; c++) {
            double scale = spec.scale();
            double mean = spec.mean().get(c);
            double std = spec.std().get(c);
            int plane = c * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = sameSize ? converted.at(x, y, c) : bilinear(converted, (x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5, c);
                    out[plane + y * w + x] = (float) ((v * scale - mean) / std);
                }
            }
        }
        return out;
    }

    /**
     * The image at no more than the spec's input size, as 8-bit pixels: images larger than the input in either
     * dimension are converted to the spec's channels and resized with the same sampling {@link #apply} uses (the
     * only difference is rounding to whole 8-bit values, at most half a grey level); others are returned as they are.
     * Lets a consumer that must hold many images (the trainer's training sets) keep them at the size the backbone
     * sees instead of their decoded size.
     */
    public RawImage fit(RawImage image) {
        int w = spec.width();
        int h = spec.height();
        if (image.width() <= w && image.height() <= h) {
            return image;
        }
        RawImage converted = convertChannels(image, spec.channels());
        int ch = converted.channels();
        double sx = (double) converted.width() / w;
        double sy = (double) converted.height() / h;
        byte[] px = new byte[w * h * ch];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < ch; c++) {
                    double v = bilinear(converted, (x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5, c);
                    px[(y * w + x) * ch + c] = (byte) Math.min(255, Math.round(v));
                }
            }
        }
        return new RawImage(w, h, ch, px);
    }

    private static double bilinear(RawImage img, double fx, double fy, int c) {
        int maxX = img.width() - 1;
        int maxY = img.height() - 1;
        fx = Math.min(Math.max(fx, 0), maxX);
        fy = Math.min(Math.max(fy, 0), maxY);
        int x0 = (int) fx;
        int y0 = (int) fy;
        int x1 = Math.min(x0 + 1, maxX);
        int y1 = Math.min(y0 + 1, maxY);
        double dx = fx - x0;
        double dy = fy - y0;
        double top = img.at(x0, y0, c) * (1 - dx) + img.at(x1, y0, c) * dx;
        double bottom = img.at(x0, y1, c) * (1 - dx) + img.at(x1, y1, c) * dx;
        return top * (1 - dy) + bottom * dy;
    }

    /** Gray to RGB replicates the plane; RGB to gray uses ITU-R BT.601 luma. */
    static RawImage convertChannels(RawImage img, int channels) {
        if (img.channels() == channels) {
            return img;
        }
        int n = img.width() * img.height();
        byte[] src = img.pixels();
        if (channels == 3) {
            byte[] px = new byte[n * 3];
            for (int i = 0; i < n; i++) {
                px[3 * i] = px[3 * i + 1] = px[3 * i + 2] = src[i];
            }
            return new RawImage(img.width(), img.height(), 3, px);
        }
        byte[] px = new byte[n];
        for (int i = 0; i < n; i++) {
            double luma = 0.299 * (src[3 * i] & 0xFF) + 0.587 * (src[3 * i + 1] & 0xFF) + 0.114 * (src[3 * i + 2] & 0xFF);
            px[i] = (byte) Math.round(luma);
        }
        return new RawImage(img.width(), img.height(), 1, px);
    }
}
