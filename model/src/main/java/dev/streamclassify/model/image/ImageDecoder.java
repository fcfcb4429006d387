package dev.streamclassify.model.image;

import dev.streamclassify.model.image.ImageRejectedException.Reason;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;

/**
 * Decodes PNG, JPEG, BMP and GIF bytes into {@link RawImage}s. The header is read first so that the pixel
 * bound is enforced before any pixel buffer is allocated. Thread-safe.
 */
public final class ImageDecoder {

    private final DecodeLimits limits;

    public ImageDecoder(DecodeLimits limits) {
        this.limits = limits;
    }

    public ImageDecoder() {
        this(DecodeLimits.DEFAULT);
    }

    public RawImage decode(byte[] encoded) throws ImageRejectedException {
        if (encoded == null || encoded.length == 0) {
            throw new ImageRejectedException(Reason.EMPTY, "image has no bytes");
        }
        if (encoded.length > limits.maxBytes()) {
            throw new ImageRejectedException(Reason.TOO_LARGE,
                    "image has " + encoded.length + " bytes, limit is " + limits.maxBytes());
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageRejectedException(Reason.UNSUPPORTED_FORMAT,
                        "not a PNG, JPEG, BMP or GIF image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels <= 0) {
                    throw new ImageRejectedException(Reason.CORRUPT, "image header declares no pixels");
                }
                if (pixels > limits.maxPixels()) {
                    throw new ImageRejectedException(Reason.TOO_MANY_PIXELS,
                            "image has " + pixels + " pixels, limit is " + limits.maxPixels());
                }
                return toRaw(reader.read(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new ImageRejectedException(Reason.CORRUPT, "cannot decode image: " + e.getMessage(), e);
        }
    }

    /** Keeps one channel for grayscale sources and three (RGB, alpha dropped) for everything else. */
    static RawImage toRaw(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        boolean gray = img.getColorModel().getNumColorComponents() == 1 && img.getType() != BufferedImage.TYPE_BYTE_INDEXED;
        if (gray) {
            byte[] px = new byte[w * h];
            var raster = img.getRaster();
            int bits = img.getColorModel().getComponentSize(0);
            int shift = Math.max(0, bits - 8);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    px[y * w + x] = (byte) (raster.getSample(x, y, 0) >> shift);
                }
            }
            return new RawImage(w, h, 1, px);
        }
        byte[] px = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int argb = row[x];
                int i = (y * w + x) * 3;
                px[i] = (byte) (argb >> 16);
                px[i + 1] = (byte) (argb >> 8);
                px[i + 2] = (byte) argb;
            }
        }
        return new RawImage(w, h, 3, px);
    }
}
