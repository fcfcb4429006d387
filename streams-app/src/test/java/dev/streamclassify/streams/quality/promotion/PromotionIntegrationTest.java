package dev.streamclassify.streams.quality.promotion;

import dev.streamclassify.model.format.Json;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.streams.StreamsApp;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.internal.JsonSerde;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
import dev.streamclassify.streams.quality.Judged;
import dev.streamclassify.streams.wire.ModelQuality;
import dev.streamclassify.streams.testing.ClassifyFixture;
import dev.streamclassify.streams.testing.Conditions;
import dev.streamclassify.streams.testing.OfflinePredictions;
import dev.streamclassify.streams.testing.TestImages;
import dev.streamclassify.streams.testing.TopicReader;
import dev.streamclassify.streams.wire.PredictionEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Automatic promotion on the real broker: version 1 active, 2 as shadow, labels that agree with version 2. Below
 * {@code promotion.min.labelled} labels nothing is proposed; once both versions have that many, exactly one activate
 * command for version 2 goes to the control topic, after a status event that gives the versions, accuracies and counts.
 */
class PromotionIntegrationTest {

    static final Duration TIMEOUT = Duration.ofSeconds(90);
    static final int IMAGES = 160;
    static final int MIN_LABELLED = 100;
    static final int FIRST_LABELS = 60;
    static final double MARGIN = 0.1;

    @Test
    void proposesTheShadowOnceItBeatsTheActiveVersionOverEnoughLabelsAndNotBefore() throws Exception {
        try (Backbone backbone = TestModels.tinyBackbone(11);
             ClassifyFixture fixture = ClassifyFixture.create("promotion")) {
            Map<Long, ModelVersion> versions = Map.of(
                    1L, TestModels.version(backbone, ClassifyFixture.MODEL, 1, ClassifyFixture.LABELS, 101),
                    2L, TestModels.version(backbone, ClassifyFixture.MODEL, 2, ClassifyFixture.LABELS, 102));
            versions.values().forEach(fixture::publish);
            fixture.activate(1);
            fixture.shadow(List.of(2L));
            Map<String, byte[]> images = TestImages.byId(IMAGES, 0);
            // the truth is what version 2 says: it is right every time, version 1 only where it agrees
            Map<String, String> truth = OfflinePredictions.of(backbone, versions, images).get(2L);
            Map<String, String> v1 = OfflinePredictions.of(backbone, versions, images).get(1L);
            long v1Correct = truth.keySet().stream().filter(id -> truth.get(id).equals(v1.get(id))).count();
            assertThat((double) v1Correct / IMAGES).as("the versions differ enough for the test").isLessThan(1 - MARGIN - 0.05);

            StreamsAppConfig config = fixture.config(Map.of(
                    StreamsAppConfig.QUALITY_EMIT_INTERVAL_MS, "100",
                    StreamsAppConfig.PROMOTION_ENABLED, "true",
                    StreamsAppConfig.PROMOTION_MIN_LABELLED, Integer.toString(MIN_LABELLED),
                    StreamsAppConfig.PROMOTION_MIN_MARGIN, Double.toString(MARGIN)));
            try (StreamsApp app = new StreamsApp(config, backbone).start();
                 TopicReader<PredictionEvent> predictions = fixture.predictions();
                 TopicReader<ModelQuality> quality = fixture.modelQuality();
                 TopicReader<byte[]> control = fixture.bytes(config.controlTopic());
                 TopicReader<byte[]> status = fixture.bytes(config.statusTopic())) {
                Conditions.await("v1 active with v2 as shadow", TIMEOUT, () -> app.readiness().ok()
                        && app.meterRegistry().get(ClassifyMetrics.SHADOW_HEADS).gauge().value() == 1);
                int n = 0;
                for (var e : images.entrySet()) {
                    fixture.sendImage(n++ % 3, e.getKey(), e.getValue());
                }
                fixture.flush();
                predictions.awaitCount(IMAGES, TIMEOUT);

                // too few labels: figures for both versions, but no proposal
                List<String> ids = new ArrayList<>(images.keySet());
                ids.subList(0, FIRST_LABELS).forEach(id -> label(fixture, id, truth.get(id)));
                fixture.flush();
                awaitLabelled(quality, 1, FIRST_LABELS);
                awaitLabelled(quality, 2, FIRST_LABELS);

                // enough labels: version 2 (accuracy 1.0) beats version 1 by more than the margin
                ids.subList(FIRST_LABELS, IMAGES).forEach(id -> label(fixture, id, truth.get(id)));
                fixture.flush();
                List<ConsumerRecord<String, byte[]>> commands = control.awaitCount(1, TIMEOUT);
                awaitLabelled(quality, 1, IMAGES);
                awaitLabelled(quality, 2, IMAGES);
                assertThat(control.readToEnd(TIMEOUT)).as("exactly one proposal, none below %d labels", MIN_LABELLED).hasSize(1);
                ConsumerRecord<String, byte[]> command = commands.get(0);
                assertThat(command.key()).startsWith("auto-promote-default-v2-over-v1-");
                assertThat(Json.MAPPER.readTree(command.value()).toString())
                        .isEqualTo("{\"command\":\"activate\",\"model\":\"default\",\"version\":2}");

                List<ConsumerRecord<String, byte[]>> events = status.readToEnd(TIMEOUT);
                assertThat(events).hasSize(1);
                assertThat(events.get(0).key()).isEqualTo(command.key());
                JsonNode why = Json.MAPPER.readTree(events.get(0).value());
                assertThat(why.path("requestId").asText()).isEqualTo(command.key());
                assertThat(why.path("modelVersion").asLong()).isEqualTo(2);
                JsonNode m = why.path("metrics");
                assertThat(m.path("fromVersion").asLong()).isEqualTo(1);
                assertThat(m.path("toVersion").asLong()).isEqualTo(2);
                assertThat(m.path("toLiveAccuracy").asDouble()).isEqualTo(1.0);
                assertThat(m.path("toLabelled").asLong()).isBetween((long) MIN_LABELLED, (long) IMAGES);
                long fromLabelled = m.path("fromLabelled").asLong();
                assertThat(fromLabelled).isBetween((long) MIN_LABELLED, (long) IMAGES);
                assertThat(m.path("fromLiveAccuracy").asDouble()).isLessThanOrEqualTo(1.0 - MARGIN);
                assertThat(why.path("message").asText()).contains("v2 live accuracy 1.0000", "active v1's");
                assertThat(app.meterRegistry().get(PromotionJudge.PROMOTIONS).tag("version", "2").counter().count()).isEqualTo(1);
                try (TopicReader<byte[]> trainingImages = fixture.bytes(config.trainingImagesTopic())) {
                    assertThat(trainingImages.readToEnd(TIMEOUT)).as("labelled images are not forwarded unless asked").isEmpty();
                }
            }
        }
    }

    private static void label(ClassifyFixture fixture, String id, String label) {
        fixture.sendLabel(id, ("{\"label\":\"" + label + "\",\"source\":\"test\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static void awaitLabelled(TopicReader<ModelQuality> quality, long version, int labelled) {
        String key = Judged.key(ClassifyFixture.MODEL, version);
        quality.awaitUntil(key + " over " + labelled + " labels", TIMEOUT,
                records -> records.stream().anyMatch(r -> r.key().equals(key) && r.value().labelled() == labelled));
    }
}
