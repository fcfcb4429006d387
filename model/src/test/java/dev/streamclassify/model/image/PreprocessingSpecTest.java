package dev.streamclassify.model.image;

import dev.streamclassify.model.format.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PreprocessingSpecTest {

    private static final List<Double> ONE_ZERO = List.of(0.0);
    private static final List<Double> ONE_ONE = List.of(1.0);

    @Test
    void unitScaledAndImageNetAreValid() {
        assertThat(PreprocessingSpec.unitScaled(28, 28, 1).valuesPerImage()).isEqualTo(784);
        assertThat(PreprocessingSpec.unitScaled(32, 16, 3).mean()).containsExactly(0.0, 0.0, 0.0);
        assertThat(PreprocessingSpec.imageNet(224, 224).valuesPerImage()).isEqualTo(224 * 224 * 3);
    }

    @Test
    void refusesNonPositiveSizes() {
        assertRefused(() -> new PreprocessingSpec(0, 28, 1, 1, ONE_ZERO, ONE_ONE), "input size");
        assertRefused(() -> new PreprocessingSpec(28, -1, 1, 1, ONE_ZERO, ONE_ONE), "input size");
    }

    @Test
    void refusesChannelCountsOtherThanOneOrThree() {
        assertRefused(() -> new PreprocessingSpec(28, 28, 2, 1, List.of(0.0, 0.0), List.of(1.0, 1.0)), "channels");
        assertRefused(() -> new PreprocessingSpec(28, 28, 4, 1, List.of(0.0, 0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0, 1.0)), "channels");
    }

    @Test
    void refusesScalesThatAreNotPositiveAndFinite() {
        for (double scale : new double[]{0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertRefused(() -> new PreprocessingSpec(28, 28, 1, scale, ONE_ZERO, ONE_ONE), "scale");
        }
    }

    @Test
    void refusesStatisticsWithoutOneValuePerChannel() {
        assertRefused(() -> new PreprocessingSpec(28, 28, 3, 1, ONE_ZERO, List.of(1.0, 1.0, 1.0)), "one value per channel");
        assertRefused(() -> new PreprocessingSpec(28, 28, 1, 1, ONE_ZERO, List.of(1.0, 1.0)), "one value per channel");
    }

    @Test
    void refusesStdThatIsNotPositiveAndFinite() {
        for (double std : new double[]{0, -0.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertRefused(() -> new PreprocessingSpec(28, 28, 1, 1, ONE_ZERO, List.of(std)), "std");
        }
    }

    @Test
    void refusesMeanThatIsNotFinite() {
        for (double mean : new double[]{Double.NaN, Double.NEGATIVE_INFINITY}) {
            assertRefused(() -> new PreprocessingSpec(28, 28, 1, 1, List.of(mean), ONE_ONE), "mean");
        }
    }

    @Test
    void refusesMissingStatistics() {
        assertThatThrownBy(() -> new PreprocessingSpec(28, 28, 1, 1, null, ONE_ONE)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void survivesAJsonRoundTripAsItDoesInEveryManifest() throws Exception {
        var spec = new PreprocessingSpec(227, 200, 3, 1.0 / 255, List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225));

        var back = Json.MAPPER.readValue(Json.MAPPER.writeValueAsBytes(spec), PreprocessingSpec.class);

        assertThat(back).isEqualTo(spec);
    }

    private static void assertRefused(Runnable construction, String naming) {
        assertThatThrownBy(construction::run).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(naming);
    }
}
