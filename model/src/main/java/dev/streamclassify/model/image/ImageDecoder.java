package dev.streamclassify.model.image;

import dev.streamclassify.model.image.ImageRejectedException.Reason;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Decodes PNG, JPEG, BMP and GIF bytes into {@link RawImage}s, and nothing else: ImageIO would also run its TIFF and
 * WBMP readers (more decoder surface, formats the contract does not name). The header is read first so that the pixel
 * and decoded-size bounds hold before any pixel buffer is allocated. A decoder warning (ImageIO fills a truncated JPEG
 * with grey and only warns) and a decoder Error are refusals too. Thread-safe.
 */
public final class ImageDecoder {

    /** ImageIO format names of the readers we let run. */
    private static final Set<String> FORMATS = Set.of("png", "jpeg", "bmp", "gif");

    /**
     * Decoded raster bytes per pixel we accept at the full pixel limit (8-bit RGBA); a 16-bit or many-channel image is
     * allowed proportionally fewer pixels, so no image decodes to more than {@code maxPixels * 4} bytes.
     */
    static final int BYTES_PER_PIXEL_BUDGET = 4;

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
        // in memory: ImageIO.createImageInputStream would (with ImageIO's default useCache) copy every image to a temporary
        // file first, which made a 28x28 PNG take 165-240 us to decode instead of 15-18 (docs/benchmarks.md)
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            ImageReader reader = allowedReader(in);
            try {
                reader.setInput(in, true, true);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                checkSize(reader);
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new ImageRejectedException(Reason.CORRUPT, "image decodes only partly: " + String.join("; ", warnings));
                }
                return toRaw(image);
            } finally {
                reader.dispose();
            }
        } catch (ImageRejectedException e) {
            throw e;
        } catch (Exception | Error e) {
            // decoders throw Errors too (e.g. on malformed JPEG tables); one image must never take the caller down
            throw new ImageRejectedException(Reason.CORRUPT, "cannot decode image: " + e, e);
        }
    }

    private static ImageReader allowedReader(ImageInputStream in) throws ImageRejectedException {
        for (Iterator<ImageReader> readers = ImageIO.getImageReaders(in); readers.hasNext(); ) {
            ImageReader reader = readers.next();
            String format;
            try {
                format = reader.getFormatName().toLowerCase(Locale.ROOT);
            } catch (IOException e) {
                format = "";
            }
            if (FORMATS.contains(format)) {
                return reader;
            }
            reader.dispose();
        }
        throw new ImageRejectedException(Reason.UNSUPPORTED_FORMAT, "not a PNG, JPEG, BMP or GIF image");
    }

    private void checkSize(ImageReader reader) throws IOException, ImageRejectedException {
        long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
        if (pixels <= 0) {
            throw new ImageRejectedException(Reason.CORRUPT, "image header declares no pixels");
        }
        if (pixels > limits.maxPixels()) {
            throw new ImageRejectedException(Reason.TOO_MANY_PIXELS,
                    "image has " + pixels + " pixels, limit is " + limits.maxPixels());
        }
        Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
        if (types == null || !types.hasNext()) {
            throw new ImageRejectedException(Reason.CORRUPT, "image declares no decodable pixel type");
        }
        int bits = 0;
        for (int size : types.next().getSampleModel().getSampleSize()) {
            bits += size;
        }
        long bytesPerPixel = Math.max(1, (bits + 7) / 8);
        if (pixels * bytesPerPixel > limits.maxPixels() * BYTES_PER_PIXEL_BUDGET) {
            throw new ImageRejectedException(Reason.TOO_MANY_PIXELS, "image has " + pixels + " pixels of " + bytesPerPixel
                    + " bytes, limit is " + limits.maxPixels() * BYTES_PER_PIXEL_BUDGET + " decoded bytes");
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
