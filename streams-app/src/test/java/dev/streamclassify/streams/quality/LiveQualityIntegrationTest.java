package dev.streamclassify.streams.quality;

import dev.streamclassify.streams.wire.ModelQuality;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.catalog.Canary;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.streams.StreamsApp;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
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
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The acceptance test of live quality on the real broker: version 1 active, 2 as shadow, 3 as a 20% canary; images,
 * then delayed labels; the model-quality records of each version must match the accuracy computed offline on the same
 * images; activating 3 ends shadow and canary.
 */
class LiveQualityIntegrationTest {

    static final Duration TIMEOUT = Duration.ofSeconds(90);
    static final int IMAGES = 600;
    static final long ACTIVE = 1;
    static final long SHADOW = 2;
    static final long CANARY = 3;

    @Test
    void liveAccuracyOfActiveShadowAndCanaryMatchesOfflineAccuracyAndActivateEndsTheRollout() throws Exception {
        try (Backbone backbone = TestModels.tinyBackbone(11);
             ClassifyFixture fixture = ClassifyFixture.create("live-quality")) {
            Map<Long, ModelVersion> versions = new HashMap<>();
            for (long v = 1; v <= 3; v++) {
                versions.put(v, TestModels.version(backbone, ClassifyFixture.MODEL, v, ClassifyFixture.LABELS, 100 + v));
                fixture.publish(versions.get(v));
            }
            fixture.activate(ACTIVE);
            fixture.shadow(List.of(SHADOW));
            fixture.canary(CANARY, 20);
            Map<String, byte[]> images = TestImages.byId(IMAGES, 0);
            Map<Long, Map<String, String>> offline = OfflinePredictions.of(backbone, versions, images);
            // truth: half the images as the canary sees them, the rest spread over the labels, so the versions differ
            Map<String, String> truth = new HashMap<>();
            images.keySet().forEach(id -> truth.put(id, Math.floorMod(id.hashCode(), 2) == 0 ? offline.get(CANARY).get(id)
                    : ClassifyFixture.LABELS.get(Math.floorMod(id.hashCode() / 2, ClassifyFixture.LABELS.size()))));

            try (StreamsApp app = new StreamsApp(fixture.config(Map.of(StreamsAppConfig.QUALITY_EMIT_INTERVAL_MS, "100")), backbone).start();
                 TopicReader<PredictionEvent> predictions = fixture.predictions();
                 TopicReader<PredictionEvent> shadows = fixture.shadowPredictions();
                 TopicReader<ModelQuality> quality = fixture.modelQuality()) {
                Conditions.await("v1 active with v3 as canary and v2 as shadow", TIMEOUT, () -> app.readiness().ok()
                        && gauge(app, ClassifyMetrics.CANARY_VERSION) == CANARY && gauge(app, ClassifyMetrics.SHADOW_HEADS) == 1);

                int n = 0;
                for (var e : images.entrySet()) {
                    fixture.sendImage(n++ % 3, e.getKey(), e.getValue());
                }
                fixture.flush();
                List<ConsumerRecord<String, PredictionEvent>> served = predictions.awaitCount(IMAGES, TIMEOUT);

                // each prediction names the version that made it; the canary serves the ids its stable hash picks
                Canary split = new Canary(ClassifyFixture.MODEL, CANARY, 20, "r", Instant.now());
                assertThat(served).allSatisfy(r -> {
                    long expected = split.selects(r.key()) ? CANARY : ACTIVE;
                    assertThat(r.value().model().version()).as(r.key()).isEqualTo(expected);
                    assertThat(r.value().label()).as(r.key()).isEqualTo(offline.get(expected).get(r.key()));
                });
                double canaryShare = 100.0 * served.stream().filter(r -> r.value().model().version() == CANARY).count() / IMAGES;
                assertThat(canaryShare).isBetween(17.0, 23.0);
                // the shadow scores every image, on its own topic only
                List<ConsumerRecord<String, PredictionEvent>> shadowed = shadows.awaitCount(IMAGES, TIMEOUT);
                assertThat(shadowed).allSatisfy(r -> {
                    assertThat(r.value().model().version()).isEqualTo(SHADOW);
                    assertThat(r.value().label()).isEqualTo(offline.get(SHADOW).get(r.key()));
                });
                assertThat(served).noneMatch(r -> r.value().model().version() == SHADOW);

                // labels arrive later, with some that can never match
                truth.forEach((id, label) -> fixture.sendLabel(id, json("{\"label\":\"" + label + "\",\"source\":\"test\"}")));
                fixture.sendLabel("never-seen", json("{\"label\":\"cat\"}"));
                fixture.sendLabel("img-0", json("{\"label\":"));
                fixture.sendLabel(null, json("{\"label\":\"cat\"}"));
                fixture.flush();

                for (long v = 1; v <= 3; v++) {
                    long version = v;
                    long correct = truth.entrySet().stream().filter(e -> e.getValue().equals(offline.get(version).get(e.getKey()))).count();
                    ModelQuality q = awaitQuality(quality, version);
                    assertThat(q.correct()).as("v%d correct", version).isEqualTo(correct);
                    assertThat(q.accuracy()).as("v%d accuracy", version).isEqualTo((double) correct / IMAGES);
                    assertThat(q.confusion().values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum())
                            .isEqualTo(IMAGES);
                    assertThat(q.perClass()).containsOnlyKeys(ClassifyFixture.LABELS.stream().filter(l -> q.confusion().containsKey(l)
                            || q.confusion().values().stream().anyMatch(m -> m.containsKey(l))).toList());
                    assertThat(app.meterRegistry().get(QualityMetrics.LIVE_ACCURACY).tag("version", Long.toString(version)).gauge().value())
                            .isEqualTo((double) correct / IMAGES);
                }
                assertThat(awaitQuality(quality, CANARY).accuracy()).as("the canary agrees with half the truth by construction")
                        .isGreaterThan(awaitQuality(quality, ACTIVE).accuracy());
                assertThat(counter(app, "matched")).isEqualTo(IMAGES);
                Conditions.await("the hostile labels counted", TIMEOUT, () -> counter(app, "invalid") == 2 && counter(app, "unmatched") == 1);

                // promoting the canary ends shadow and canary: everything is served by v3, nothing is shadowed
                fixture.activate(CANARY);
                Conditions.await("v3 active without canary or shadow", TIMEOUT, () -> app.currentModel().map(m -> m.version() == CANARY).orElse(false)
                        && gauge(app, ClassifyMetrics.CANARY_VERSION) == 0 && gauge(app, ClassifyMetrics.SHADOW_HEADS) == 0);
                for (int i = 0; i < 30; i++) {
                    fixture.sendImage(i % 3, "after-" + i, TestImages.png(10_000 + i));
                }
                fixture.flush();
                List<ConsumerRecord<String, PredictionEvent>> after = predictions.awaitCount(IMAGES + 30, TIMEOUT)
                        .stream().filter(r -> r.key().startsWith("after-")).toList();
                assertThat(after).hasSize(30).allSatisfy(r -> assertThat(r.value().model().version()).isEqualTo(CANARY));
                assertThat(shadows.readToEnd(TIMEOUT)).hasSize(IMAGES);
            }
        }
    }

    private static ModelQuality awaitQuality(TopicReader<ModelQuality> quality, long version) {
        String key = Judged.key(ClassifyFixture.MODEL, version);
        List<ConsumerRecord<String, ModelQuality>> seen = quality.awaitUntil("model-quality of " + key + " over every image", TIMEOUT,
                records -> records.stream().anyMatch(r -> r.key().equals(key) && r.value().labelled() == IMAGES));
        return seen.stream().filter(r -> r.key().equals(key) && r.value().labelled() == IMAGES).reduce((a, b) -> b).orElseThrow().value();
    }

    private static double gauge(StreamsApp app, String name) {
        return app.meterRegistry().get(name).gauge().value();
    }

    private static double counter(StreamsApp app, String outcome) {
        return app.meterRegistry().get(QualityMetrics.LABELS).tag("outcome", outcome).counter().count();
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
