package dev.streamclassify.demo;

import dev.streamclassify.trainer.dataset.FashionMnist;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's first command, end to end on a real broker: what it prints must be what happened. */
class DemoTest {

    @Test
    void streamsEveryImageAndMatchesTheTrainersOfflineAccuracyForBothVersions() throws Exception {
        var text = new ByteArrayOutputStream();
        Demo.Result r = Demo.run(new Demo.Options(10, 100, FashionMnist.CLASS_NAMES.subList(5, 10), 7),
                new PrintStream(text, true, StandardCharsets.UTF_8));

        assertThat(r.images()).isEqualTo(1000);
        assertThat(r.predictionsPerVersion()).isEqualTo(Map.of(1L, 500, 2L, 500));
        assertThat(r.streamedAccuracy()).isEqualTo(r.offlineAccuracy());
        assertThat(r.offlineAccuracy().get(1L)).isGreaterThan(0.5);
        assertThat(r.offlineAccuracy().get(2L)).isGreaterThan(r.offlineAccuracy().get(1L));
        assertThat(r.deadLetters()).isEqualTo(Map.of("corrupt", 1, "empty", 1, "unsupported-format", 1));
        assertThat(text.toString(StandardCharsets.UTF_8)).contains("streams-app now serves default:v2").contains("\"imageId\":\"a-");
    }
}
