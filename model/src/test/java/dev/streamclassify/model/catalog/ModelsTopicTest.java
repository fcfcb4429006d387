package dev.streamclassify.model.catalog;

import dev.streamclassify.model.catalog.ModelsTopic.ActivationKey;
import dev.streamclassify.model.catalog.ModelsTopic.VersionKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

class ModelsTopicTest {

    @Test
    void versionKeyRoundTrips() {
        String key = ModelsTopic.versionKey("fashion-v2.small_1", 42);

        assertThat(key).isEqualTo("version/fashion-v2.small_1/0000000000000000042");
        assertThat(ModelsTopic.parse(key)).contains(new VersionKey("fashion-v2.small_1", 42));
    }

    @Test
    void largestVersionRoundTrips() {
        assertThat(ModelsTopic.parse(ModelsTopic.versionKey("m", Long.MAX_VALUE))).contains(new VersionKey("m", Long.MAX_VALUE));
    }

    @Test
    void versionKeysSortLikeTheirVersions() {
        assertThat(ModelsTopic.versionKey("m", 9)).isLessThan(ModelsTopic.versionKey("m", 10));
    }

    @Test
    void shadowAndCanaryKeysRoundTrip() {
        assertThat(ModelsTopic.shadowKey("default")).isEqualTo("shadow/default");
        assertThat(ModelsTopic.parse("shadow/default")).contains(new ModelsTopic.ShadowKey("default"));
        assertThat(ModelsTopic.canaryKey("default")).isEqualTo("canary/default");
        assertThat(ModelsTopic.parse("canary/default")).contains(new ModelsTopic.CanaryKey("default"));
        assertThat(ModelsTopic.parse("mirror/default")).isEmpty();
    }

    @Test
    void activationKeyRoundTrips() {
        String key = ModelsTopic.activationKey("default");

        assertThat(key).isEqualTo("active/default");
        assertThat(ModelsTopic.parse(key)).contains(new ActivationKey("default"));
    }

    @Test
    void unpaddedVersionDigitsStillParse() {
        assertThat(ModelsTopic.parse("version/m/7")).contains(new VersionKey("m", 7));
    }

    @Test
    void versionKeyUsesAsciiDigitsWhateverTheDefaultLocale() {
        Locale before = Locale.getDefault();
        try {
            for (String tag : new String[]{"ar-SA", "th-TH-u-nu-thai", "hi-IN-u-nu-deva"}) {
                Locale.setDefault(Locale.forLanguageTag(tag));
                String key = ModelsTopic.versionKey("m", 5);
                assertThat(key).as(tag).isEqualTo("version/m/0000000000000000005");
                assertThat(ModelsTopic.parse(key)).as(tag).contains(new VersionKey("m", 5));
            }
        } finally {
            Locale.setDefault(before);
        }
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
            "version/x/abc",
            "version/../1",
            "version/./1",
            "version/x/../1",
            "version//1",
            "version/x/",
            "version/x",
            "version/x/1/2",
            "version/x/0",
            "version/x/0000000000000000000",
            "version/x/-1",
            "version/x/+1",
            "version/x/1.0",
            "version/x/ 1",
            "version/x/99999999999999999999",
            "version/x/9999999999999999999",
            "version/-x/1",
            "version/x y/1",
            "version/x\u00e9/1",
            "VERSION/x/1",
            "active/",
            "active",
            "active/..",
            "active/a/b",
            "active/-a",
            "active/a b",
            "/active/a",
            "something-else",
            "version/x/\u0661"})
    void hostileKeysParseToEmpty(String key) {
        assertThat(ModelsTopic.parse(key)).isEmpty();
    }

    @Test
    void overlongModelNamesParseToEmpty() {
        String longest = "a".repeat(64);
        String tooLong = "a".repeat(65);

        assertThat(ModelsTopic.parse("active/" + longest)).contains(new ActivationKey(longest));
        assertThat(ModelsTopic.parse("active/" + tooLong)).isEmpty();
        assertThat(ModelsTopic.parse(ModelsTopic.versionKey(tooLong, 1))).isEmpty();
        assertThat(ModelsTopic.parse("active/" + "a".repeat(100_000))).isEmpty();
    }
}
