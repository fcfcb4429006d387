package dev.streamclassify.model.image;

import dev.streamclassify.model.image.ImageRejectedException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import javax.imageio.spi.IIORegistry;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

class ImageDecoderTest {

    private final ImageDecoder decoder = new ImageDecoder();

    @ParameterizedTest
    @ValueSource(strings = {"png", "bmp", "gif"})
    void decodesLosslessColourFormatsPixelForPixel(String format) throws Exception {
        RawImage original = TestImages.quadrants(37, 13);

        RawImage decoded = decoder.decode(ImageEncoder.encode(original, format));

        assertThat(decoded).isEqualTo(original);
    }

    @Test
    void decodesJpegColourCloseToTheOriginal() throws Exception {
        RawImage original = TestImages.quadrants(40, 20);

        RawImage decoded = decoder.decode(ImageEncoder.encode(original, "jpeg"));

        assertThat(decoded.channels()).isEqualTo(3);
        assertThat(decoded.width()).isEqualTo(40);
        assertThat(decoded.height()).isEqualTo(20);
        for (int[] xy : new int[][]{{10, 5}, {30, 5}, {10, 15}, {30, 15}}) {
            for (int c = 0; c < 3; c++) {
                assertThat(decoded.at(xy[0], xy[1], c)).as("pixel %s channel %d", Arrays.toString(xy), c)
                        .isCloseTo(original.at(xy[0], xy[1], c), within(12));
            }
        }
    }

    @Test
    void keepsGrayscalePngAsOneExactChannel() throws Exception {
        RawImage gray = TestImages.pattern(29, 17, 1);

        RawImage decoded = decoder.decode(ImageEncoder.png(gray));

        assertThat(decoded.channels()).isEqualTo(1);
        assertThat(decoded).isEqualTo(gray);
    }

    @Test
    void keepsGrayscaleJpegAsOneChannel() throws Exception {
        RawImage decoded = decoder.decode(ImageEncoder.encode(TestImages.flat(16, 8, 90), "jpeg"));

        assertThat(decoded.channels()).isEqualTo(1);
        assertThat(decoded.at(8, 4, 0)).isCloseTo(90, within(2));
    }

    @Test
    void keepsTheHighByteOfSixteenBitGray() throws Exception {
        RawImage decoded = decoder.decode(TestImages.png16BitGray(0x8000, 0xFFFF, 0x00FF, 0x1234));

        assertThat(decoded.channels()).isEqualTo(1);
        assertThat(decoded.pixels()).containsExactly((byte) 0x80, (byte) 0xFF, (byte) 0x00, (byte) 0x12);
    }

    @Test
    void decodesASinglePixelImage() throws Exception {
        RawImage one = TestImages.flat(1, 1, 10, 20, 30);

        assertThat(decoder.decode(ImageEncoder.png(one))).isEqualTo(one);
    }

    @ParameterizedTest
    @NullAndEmptySource
    void refusesNoBytesAsEmpty(byte[] bytes) {
        assertRefused(decoder, bytes, Reason.EMPTY);
    }

    @Test
    void refusesMoreBytesThanTheLimitAsTooLarge() throws Exception {
        byte[] png = ImageEncoder.png(TestImages.pattern(37, 13, 3));

        assertRefused(new ImageDecoder(new DecodeLimits(png.length - 1, 1_000_000)), png, Reason.TOO_LARGE);
        assertThat(new ImageDecoder(new DecodeLimits(png.length, 1_000_000)).decode(png).width()).isEqualTo(37);
    }

    @Test
    void refusesAHugeDeclaredSizeFromTheHeaderAlone() {
        // No IDAT chunk at all: had the decoder tried to read pixels it would have said "corrupt".
        byte[] header = TestImages.pngHeaderOnly(100_000, 100_000);

        ImageRejectedException e = assertRefused(decoder, header, Reason.TOO_MANY_PIXELS);
        assertThat(e).hasMessageContaining("10000000000");
    }

    @Test
    void refusesARealImageOverThePixelLimitAndAcceptsOneAtIt() throws Exception {
        byte[] png = ImageEncoder.png(TestImages.pattern(300, 17, 3));

        assertRefused(new ImageDecoder(new DecodeLimits(1 << 20, 300 * 17 - 1)), png, Reason.TOO_MANY_PIXELS);
        assertThat(new ImageDecoder(new DecodeLimits(1 << 20, 300 * 17)).decode(png).height()).isEqualTo(17);
    }

    @Test
    void refusesGarbageAsUnsupportedFormat() {
        assertRefused(decoder, "this is not an image, just text".getBytes(StandardCharsets.US_ASCII), Reason.UNSUPPORTED_FORMAT);
    }

    @Test
    void refusesATruncatedPngAsCorrupt() {
        byte[] png = ImageEncoder.png(TestImages.pattern(64, 64, 3));

        assertRefused(decoder, Arrays.copyOf(png, png.length / 2), Reason.CORRUPT);
        assertRefused(decoder, Arrays.copyOf(png, 20), Reason.CORRUPT);
    }

    @Test
    void refusesATruncatedJpegThatImageIoWouldFillWithGreyAsCorrupt() {
        byte[] jpeg = ImageEncoder.encode(TestImages.pattern(64, 64, 3), "jpeg");

        ImageRejectedException e = assertRefused(decoder, Arrays.copyOf(jpeg, jpeg.length * 3 / 4), Reason.CORRUPT);

        assertThat(e).hasMessageContaining("partly");
    }

    @Test
    void refusesTiffAlthoughImageIoCouldReadIt() {
        assertRefused(decoder, ImageEncoder.encode(TestImages.pattern(16, 16, 3), "tiff"), Reason.UNSUPPORTED_FORMAT);
    }

    @Test
    void refusesWbmpAlthoughImageIoCouldReadIt() {
        // type 0, fixed header 0, width 8, height 2, one byte per row
        byte[] wbmp = {0, 0, 8, 2, (byte) 0xF0, 0x0F};

        assertRefused(decoder, wbmp, Reason.UNSUPPORTED_FORMAT);
    }

    @Test
    void boundsDecodedBytesPerPixelNotJustPixels() throws Exception {
        int side = 10;
        DecodeLimits limits = new DecodeLimits(1 << 20, side * side);

        byte[] rgba16 = TestImages.png(side, side, 16, 6, new byte[side * (1 + side * 8)]);
        byte[] rgba8 = TestImages.png(side, side, 8, 6, new byte[side * (1 + side * 4)]);

        assertThat(assertRefused(new ImageDecoder(limits), rgba16, Reason.TOO_MANY_PIXELS)).hasMessageContaining("8 bytes");
        assertThat(new ImageDecoder(limits).decode(rgba8).width()).isEqualTo(side);
    }

    @Test
    void aDecoderErrorIsARefusalNotACrash() {
        ErrorThrowingGifReader.Spi spi = new ErrorThrowingGifReader.Spi();
        IIORegistry.getDefaultInstance().registerServiceProvider(spi);
        try {
            ImageRejectedException e = assertRefused(decoder, ErrorThrowingGifReader.MAGIC, Reason.CORRUPT);

            assertThat(e.getCause()).isInstanceOf(StackOverflowError.class);
        } finally {
            IIORegistry.getDefaultInstance().deregisterServiceProvider(spi);
        }
    }

    @Test
    void refusesAPngDeclaringNoPixelsAsCorrupt() {
        assertRefused(decoder, TestImages.pngHeaderOnly(0, 10), Reason.CORRUPT);
    }

    @Test
    void reasonCodesAreTheShortStableNamesUsedInHeaders() {
        assertThat(Arrays.stream(Reason.values()).map(Reason::code))
                .containsExactly("empty", "too-large", "too-many-pixels", "unsupported-format", "corrupt");
    }

    @Test
    void decodeLimitsRefuseNonPositiveBounds() {
        assertThatThrownBy(() -> new DecodeLimits(0, 10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBytes");
        assertThatThrownBy(() -> new DecodeLimits(10, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPixels");
    }

    private static ImageRejectedException assertRefused(ImageDecoder decoder, byte[] bytes, Reason reason) {
        ImageRejectedException e = catchThrowableOfType(ImageRejectedException.class, () -> decoder.decode(bytes));
        assertThat(e).as("refusal of %d bytes", bytes == null ? 0 : bytes.length).isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
        return e;
    }
}
