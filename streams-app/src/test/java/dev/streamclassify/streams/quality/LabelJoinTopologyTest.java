package dev.streamclassify.streams.quality;

import dev.streamclassify.model.testing.WireSchemas;
import dev.streamclassify.streams.testing.SchemaChecked;
import dev.streamclassify.streams.wire.HeadVotes;
import dev.streamclassify.streams.wire.ModelQuality;
import dev.streamclassify.streams.internal.JsonSerde;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** Label feedback alone on the TopologyTestDriver: matching, expiry, hostile labels, and the per-version window. */
class LabelJoinTopologyTest {

    static final Instant START = Instant.parse("2026-11-30T00:00:00Z");

    @TempDir
    Path stateDir;

    final MutableClock clock = new MutableClock(START);
    SimpleMeterRegistry registry;
    TopologyTestDriver driver;
    TestInputTopic<String, HeadVotes> votes;
    TestInputTopic<String, byte[]> labels;
    TestOutputTopic<String, ModelQuality> quality;

    @BeforeEach
    void start() {
        registry = new SimpleMeterRegistry();
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, HeadVotes> in = builder.stream("votes", Consumed.with(Serdes.String(), new JsonSerde<>(HeadVotes.class)));
        QualityTopology.add(builder, in, new dev.streamclassify.streams.wire.Topic<>("labels", Serdes.String(), Serdes.ByteArray()),
                new dev.streamclassify.streams.wire.Topic<>("model-quality", Serdes.String(), new JsonSerde<>(ModelQuality.class)),
                new QualitySettings(Duration.ofHours(1), 3, Duration.ofSeconds(1)), new QualityMetrics(registry), clock);
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "label-join-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), p, START);
        votes = driver.createInputTopic("votes", Serdes.String().serializer(), new JsonSerde<>(HeadVotes.class).serializer());
        labels = driver.createInputTopic("labels", Serdes.String().serializer(), Serdes.ByteArray().serializer());
        quality = driver.createOutputTopic("model-quality", Serdes.String().deserializer(),
                SchemaChecked.values(WireSchemas.MODEL_QUALITY, new JsonSerde<>(ModelQuality.class).deserializer()));
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void vote(String id, String active, String shadow) {
        votes.pipeInput(id, new HeadVotes("default", 1, 1, Map.of(1L, active, 2L, shadow), clock.instant()));
    }

    private void label(String id, String json) {
        labels.pipeInput(id, json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    private double labelsCounted(String outcome) {
        return registry.get(QualityMetrics.LABELS).tag("outcome", outcome).counter().count();
    }

    @Test
    void judgesEveryHeadOnceItsLabelArrivesAndKeepsOnlyTheLatestWindow() {
        vote("a", "cat", "dog");
        vote("b", "cat", "cat");
        vote("c", "dog", "dog");
        vote("d", "dog", "cat");
        clock.advance(Duration.ofMinutes(5));
        label("a", "{\"label\":\"cat\"}");
        label("b", "{\"label\":\"cat\"}");
        label("c", "{\"label\":\"cat\"}");
        label("d", "{\"label\":\"cat\"}");
        driver.advanceWallClockTime(Duration.ofSeconds(1));

        Map<String, ModelQuality> latest = quality.readKeyValuesToMap();
        // window of 3: a is gone; b, c, d remain
        assertThat(latest.get("default:v1").accuracy()).isEqualTo(1.0 / 3);
        assertThat(latest.get("default:v1").labelledSinceStart()).isEqualTo(4);
        assertThat(latest.get("default:v2").accuracy()).isEqualTo(2.0 / 3);
        assertThat(labelsCounted("matched")).isEqualTo(4);
        assertThat(registry.get(QualityMetrics.LIVE_ACCURACY).tag("version", "2").gauge().value()).isEqualTo(2.0 / 3);
    }

    @Test
    void countsUnmatchedExpiredAndInvalidLabelsWithoutJudging() {
        vote("old", "cat", "cat");
        clock.advance(Duration.ofHours(2));
        label("old", "{\"label\":\"cat\"}");
        label("unknown", "{\"label\":\"cat\"}");
        label("old", "{\"label\":\"cat\"}");
        label("x", "not json");
        label("y", null);
        label(null, "{\"label\":\"cat\"}");
        driver.advanceWallClockTime(Duration.ofSeconds(1));

        assertThat(labelsCounted("expired")).isEqualTo(1);
        assertThat(labelsCounted("unmatched")).isEqualTo(2);
        assertThat(labelsCounted("invalid")).isEqualTo(3);
        assertThat(labelsCounted("matched")).isZero();
        assertThat(quality.isEmpty()).isTrue();
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
