package dev.streamclassify.streams;

import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.testing.ChildApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StreamsAppMainTest {

    @TempDir
    Path logs;

    @Test
    void refusesToStartWithABadSettingAndNamesIt() throws Exception {
        try (ChildApp app = ChildApp.start(Map.of(StreamsAppConfig.BATCH_MAX_SIZE, "0"), logs.resolve("bad-setting.log"))) {
            assertThat(app.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(app.logTail()).contains("Invalid configuration", "batch.max.size", "CLASSIFY_BATCH_MAX_SIZE");
        }
    }

    @Test
    void refusesToStartWithABackboneItCannotLoad() throws Exception {
        try (ChildApp app = ChildApp.start(Map.of(StreamsAppConfig.BACKBONE, "file:" + logs.resolve("missing.json")),
                logs.resolve("bad-backbone.log"))) {
            assertThat(app.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(app.logTail()).contains("Cannot load backbone", "missing.json");
        }
    }
}
