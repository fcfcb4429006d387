package dev.streamclassify.model.image;

import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Encodes {@link RawImage}s, for producers of image events (demo, tests, dataset export). */
public final class ImageEncoder {

    private ImageEncoder() {
    }

    /** @param format an ImageIO format name: "png", "jpeg", "bmp" or "gif" */
    public static byte[] encode(RawImage image, String format) {
        BufferedImage img = toBufferedImage(image, !"png".equals(format) && image.channels() == 1 && !"jpeg".equals(format));
        var out = new ByteArrayOutputStream();
        // in memory, not through ImageIO's default temporary-file cache (see ImageDecoder)
        try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            if (!ImageIO.write(img, format, stream)) {
                throw new IllegalArgumentException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] png(RawImage image) {
        return encode(image, "png");
    }

    static BufferedImage toBufferedImage(RawImage image, boolean forceRgb) {
        int w = image.width();
        int h = image.height();
        if (image.channels() == 1 && !forceRgb) {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            img.getRaster().setDataElements(0, 0, w, h, image.pixels());
            return img;
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = image.at(x, y, 0);
                int g = image.channels() == 3 ? image.at(x, y, 1) : r;
                int b = image.channels() == 3 ? image.at(x, y, 2) : r;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }
}
