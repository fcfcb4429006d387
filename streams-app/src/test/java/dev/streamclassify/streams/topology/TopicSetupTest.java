package dev.streamclassify.streams.topology;

import dev.streamclassify.streams.wire.PredictionEvent;
import dev.streamclassify.streams.wire.Topic;
import dev.streamclassify.kafka.testkit.Topics;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.testing.ClassifyFixture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Topic limits on the real broker: every record the service may write fits the topic it goes to. */
class TopicSetupTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void sizesThePredictionAndDeadLetterTopicsForWhatTheServiceMayWrite() throws Exception {
        try (ClassifyFixture fixture = ClassifyFixture.create("sizes")) {
            StreamsAppConfig config = fixture.config(Map.of());

            assertThat(maxMessageBytes(config, config.predictionsTopic())).isEqualTo(PredictionEvent.MAX_BYTES);
            assertThat(maxMessageBytes(config, config.dlqTopic())).isEqualTo(config.maxRecordBytes());
            assertThat(maxMessageBytes(config, config.imagesTopic())).isEqualTo(config.maxRecordBytes());
        }
    }

    @Test
    void raisesTheBufferChangelogLimitWhenImageMaxBytesGrew() throws Exception {
        try (ClassifyFixture fixture = ClassifyFixture.create("changelog")) {
            StreamsAppConfig before = fixture.config(Map.of(StreamsAppConfig.IMAGE_MAX_BYTES, "100000"));
            // as Kafka Streams created it on an earlier start with the smaller limit
            Topics.create(fixture.bootstrap(), List.of(new NewTopic(TopicSetup.bufferChangelog(before), Optional.of(1), Optional.empty())
                    .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(before.maxRecordBytes())))));
            StreamsAppConfig after = fixture.config(Map.of(StreamsAppConfig.IMAGE_MAX_BYTES, "8000000"));

            assertThat(TopicSetup.alignBufferChangelog(after.adminProperties(), after, TIMEOUT)).isTrue();

            assertThat(maxMessageBytes(after, TopicSetup.bufferChangelog(after))).isEqualTo(after.maxRecordBytes());
            assertThat(TopicSetup.alignBufferChangelog(after.adminProperties(), after, TIMEOUT)).as("already right").isFalse();
            assertThat(TopicSetup.alignBufferChangelog(before.adminProperties(), before, TIMEOUT)).as("never lowered").isFalse();
        }
    }

    private static long maxMessageBytes(StreamsAppConfig config, String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = Admin.create(config.adminProperties())) {
            return Long.parseLong(admin.describeConfigs(List.of(r)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(r).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());
        }
    }
}
