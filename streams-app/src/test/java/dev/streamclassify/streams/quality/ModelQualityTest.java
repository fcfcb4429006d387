package dev.streamclassify.streams.quality;

import dev.streamclassify.streams.wire.ModelQuality;
import dev.streamclassify.streams.wire.ModelQuality.LabelledPair;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ModelQualityTest {

    @Test
    void computesAccuracyPrecisionRecallAndConfusion() {
        List<LabelledPair> pairs = List.of(new LabelledPair("cat", "cat"), new LabelledPair("cat", "dog"),
                new LabelledPair("dog", "dog"), new LabelledPair("dog", "dog"), new LabelledPair("cat", "bird"));

        ModelQuality q = ModelQuality.of("default", 3, pairs, 1000, 5, Instant.EPOCH);

        assertThat(q.accuracy()).isEqualTo(3.0 / 5);
        assertThat(q.correct()).isEqualTo(3);
        assertThat(q.perClass().get("cat").precision()).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(q.perClass().get("cat").recall()).isEqualTo(1.0);
        assertThat(q.perClass().get("dog").precision()).isEqualTo(1.0);
        assertThat(q.perClass().get("dog").recall()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(q.perClass().get("bird").precision()).as("never predicted").isNull();
        assertThat(q.perClass().get("bird").recall()).isEqualTo(0.0);
        assertThat(q.confusion()).isEqualTo(Map.of("cat", Map.of("cat", 1L), "dog", Map.of("cat", 1L, "dog", 2L), "bird", Map.of("cat", 1L)));
    }

    @Test
    void theWindowKeepsOnlyTheLatestPairs() {
        VersionWindow w = VersionWindow.empty("default", 1);
        for (int i = 0; i < 5; i++) {
            w = w.plus(new LabelledPair("p" + i, "a" + i), 3);
        }

        assertThat(w.pairs()).extracting(LabelledPair::predicted).containsExactly("p2", "p3", "p4");
        assertThat(w.labelledSinceStart()).isEqualTo(5);
    }

    @Test
    void readsLabelsFromJsonOrHeaderAndRefusesTheRest() throws Exception {
        assertThat(LabelFeedback.parse(bytes("{\"label\":\"Sandal\",\"source\":\"review\"}"), null))
                .isEqualTo(new LabelFeedback("Sandal", "review"));
        assertThat(LabelFeedback.parse(null, bytes("Bag"))).isEqualTo(new LabelFeedback("Bag", null));
        assertThatThrownBy(() -> LabelFeedback.parse(bytes("{\"label\":"), null)).hasMessageContaining("malformed JSON");
        assertThatThrownBy(() -> LabelFeedback.parse(bytes("{\"label\":7}"), null)).hasMessageContaining("string 'label'");
        assertThatThrownBy(() -> LabelFeedback.parse(bytes("{\"label\":\"   \"}"), null)).hasMessageContaining("1 to 200");
        assertThatThrownBy(() -> LabelFeedback.parse(null, new byte[]{(byte) 0xff})).hasMessageContaining("not UTF-8");
        assertThatThrownBy(() -> LabelFeedback.parse(new byte[5000], null)).hasMessageContaining("limit");
        assertThatThrownBy(() -> LabelFeedback.parse(null, null)).hasMessageContaining("no label");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
