package dev.streamclassify.model.image;

import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/** A GIF reader (by name) that fails the way a buggy native-ish decoder can: with an Error, not an exception. */
final class ErrorThrowingGifReader extends ImageReader {

    static final byte[] MAGIC = "ERRGIF-test-only".getBytes(StandardCharsets.US_ASCII);

    private ErrorThrowingGifReader(ImageReaderSpi spi) {
        super(spi);
    }

    @Override
    public int getNumImages(boolean allowSearch) {
        return 1;
    }

    @Override
    public int getWidth(int imageIndex) {
        return 2;
    }

    @Override
    public int getHeight(int imageIndex) {
        return 2;
    }

    @Override
    public Iterator<ImageTypeSpecifier> getImageTypes(int imageIndex) {
        return List.of(ImageTypeSpecifier.createFromBufferedImageType(BufferedImage.TYPE_INT_RGB)).iterator();
    }

    @Override
    public IIOMetadata getStreamMetadata() {
        return null;
    }

    @Override
    public IIOMetadata getImageMetadata(int imageIndex) {
        return null;
    }

    @Override
    public BufferedImage read(int imageIndex, ImageReadParam param) {
        throw new StackOverflowError("decoder recursed too deep");
    }

    static final class Spi extends ImageReaderSpi {

        Spi() {
            super("test", "1", new String[]{"gif"}, new String[0], new String[0], ErrorThrowingGifReader.class.getName(),
                    new Class<?>[]{ImageInputStream.class}, null, false, null, null, null, null, false, null, null, null, null);
        }

        @Override
        public boolean canDecodeInput(Object source) throws IOException {
            ImageInputStream in = (ImageInputStream) source;
            byte[] head = new byte[MAGIC.length];
            in.mark();
            try {
                in.readFully(head);
            } catch (IOException e) {
                return false;
            } finally {
                in.reset();
            }
            return Arrays.equals(head, MAGIC);
        }

        @Override
        public ImageReader createReaderInstance(Object extension) {
            return new ErrorThrowingGifReader(this);
        }

        @Override
        public String getDescription(Locale locale) {
            return "test reader that throws an Error";
        }
    }
}
