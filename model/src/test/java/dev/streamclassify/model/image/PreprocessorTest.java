package dev.streamclassify.model.image;

import dev.streamclassify.model.image.ImageRejectedException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

class PreprocessorTest {

    /** Identity normalisation: output values are the (resized, converted) pixel values themselves. */
    private static PreprocessingSpec raw(int height, int width, int channels) {
        List<Double> zeros = channels == 1 ? List.of(0.0) : List.of(0.0, 0.0, 0.0);
        List<Double> ones = channels == 1 ? List.of(1.0) : List.of(1.0, 1.0, 1.0);
        return new PreprocessingSpec(height, width, channels, 1.0, zeros, ones);
    }

    @ParameterizedTest(name = "{0}x{1}x{2} -> {3}x{4}x{5}")
    @CsvSource({
            "1, 1, 1, 28, 28, 1",
            "37, 13, 3, 28, 28, 1",
            "300, 17, 3, 28, 28, 1",
            "1, 1, 3, 32, 32, 3",
            "37, 13, 1, 32, 32, 3",
            "300, 17, 3, 7, 5, 3"})
    void resizesAnySizeToTheSpec(int w, int h, int c, int specH, int specW, int specC) {
        PreprocessingSpec spec = PreprocessingSpec.unitScaled(specH, specW, specC);

        float[] out = new Preprocessor(spec).apply(TestImages.pattern(w, h, c));

        assertThat(out).hasSize(spec.valuesPerImage());
        for (float v : out) {
            assertThat(v).isBetween(0f, 1f);
        }
    }

    @Test
    void decodesAndPreprocessesEncodedBytesInOneCall() throws Exception {
        byte[] jpeg = ImageEncoder.encode(TestImages.pattern(37, 13, 3), "jpeg");

        assertThat(new Preprocessor(PreprocessingSpec.unitScaled(28, 28, 1)).fromEncoded(jpeg)).hasSize(784);
    }

    @Test
    void passesRefusalsOfTheDecoderThrough() {
        var pre = new Preprocessor(PreprocessingSpec.unitScaled(28, 28, 1));

        ImageRejectedException e = catchThrowableOfType(ImageRejectedException.class, () -> pre.fromEncoded(new byte[0]));

        assertThat(e.reason()).isEqualTo(Reason.EMPTY);
    }

    @Test
    void writesChannelsFirst() {
        float[] out = new Preprocessor(raw(2, 3, 3)).apply(TestImages.flat(3, 2, 10, 20, 30));

        assertThat(out).containsExactly(10, 10, 10, 10, 10, 10, 20, 20, 20, 20, 20, 20, 30, 30, 30, 30, 30, 30);
    }

    @Test
    void keepsRowMajorOrderWithinAPlane() {
        RawImage img = TestImages.pattern(3, 2, 1);

        float[] out = new Preprocessor(raw(2, 3, 1)).apply(img);

        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                assertThat(out[y * 3 + x]).isEqualTo(img.at(x, y, 0));
            }
        }
    }

    @Test
    void normalisesEachChannelWithScaleMeanAndStd() {
        var spec = new PreprocessingSpec(1, 2, 3, 1.0 / 255.0, List.of(0.5, 0.25, 0.1), List.of(0.5, 0.25, 0.2));
        RawImage img = new RawImage(2, 1, 3, new byte[]{0, (byte) 128, (byte) 255, 51, 102, (byte) 204});

        float[] out = new Preprocessor(spec).apply(img);

        double[][] pixels = {{0, 51}, {128, 102}, {255, 204}};
        for (int c = 0; c < 3; c++) {
            for (int x = 0; x < 2; x++) {
                double expected = (pixels[c][x] / 255.0 - spec.mean().get(c)) / spec.std().get(c);
                assertThat(out[c * 2 + x]).as("channel %d x %d", c, x).isCloseTo((float) expected, within(1e-6f));
            }
        }
    }

    @Test
    void appliesImageNetStatistics() {
        float[] out = new Preprocessor(PreprocessingSpec.imageNet(1, 1)).apply(TestImages.flat(1, 1, 255, 0, 128));

        assertThat(out[0]).isCloseTo((float) ((1.0 - 0.485) / 0.229), within(1e-5f));
        assertThat(out[1]).isCloseTo((float) ((0.0 - 0.456) / 0.224), within(1e-5f));
        assertThat(out[2]).isCloseTo((float) ((128 / 255.0 - 0.406) / 0.225), within(1e-5f));
    }

    @Test
    void upscalesBilinearlyWithPixelCentresAligned() {
        float[] out = new Preprocessor(raw(1, 4, 1)).apply(TestImages.row(0, 100));

        assertThat(out).containsExactly(new float[]{0, 25, 75, 100}, within(1e-4f));
    }

    @Test
    void downscalesBilinearlyWithPixelCentresAligned() {
        float[] out = new Preprocessor(raw(1, 2, 1)).apply(TestImages.row(0, 100, 200, 40));

        assertThat(out).containsExactly(new float[]{50, 120}, within(1e-4f));
    }

    @Test
    void interpolatesInBothDirections() {
        // 2x2 gray [[0, 100], [200, 40]] upscaled to 4x4: the centre four are the 1/4-3/4 blends.
        RawImage img = new RawImage(2, 2, 1, new byte[]{0, 100, (byte) 200, 40});

        float[] out = new Preprocessor(raw(4, 4, 1)).apply(img);

        double top = 0.75 * 0 + 0.25 * 100;
        double bottom = 0.75 * 200 + 0.25 * 40;
        assertThat(out[4 + 1]).isCloseTo((float) (0.75 * top + 0.25 * bottom), within(1e-4f));
        assertThat(out[0]).isEqualTo(0f);
        assertThat(out[15]).isEqualTo(40f);
    }

    @Test
    void stretchesASinglePixelEverywhere() {
        float[] out = new Preprocessor(raw(5, 3, 3)).apply(TestImages.flat(1, 1, 9, 99, 199));

        for (int i = 0; i < 15; i++) {
            assertThat(out[i]).isEqualTo(9f);
            assertThat(out[15 + i]).isEqualTo(99f);
            assertThat(out[30 + i]).isEqualTo(199f);
        }
    }

    @Test
    void replicatesGrayIntoThreeChannels() {
        float[] out = new Preprocessor(raw(1, 2, 3)).apply(TestImages.row(77, 5));

        assertThat(out).containsExactly(77, 5, 77, 5, 77, 5);
    }

    @Test
    void convertsColourToGrayWithBt601Luma() {
        RawImage img = new RawImage(4, 1, 3, new byte[]{
                (byte) 200, 100, 50,
                (byte) 255, 0, 0,
                0, (byte) 255, 0,
                (byte) 255, (byte) 255, (byte) 255});

        float[] out = new Preprocessor(raw(1, 4, 1)).apply(img);

        assertThat(out).containsExactly(
                Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50),
                Math.round(0.299 * 255),
                Math.round(0.587 * 255),
                255);
    }
}
