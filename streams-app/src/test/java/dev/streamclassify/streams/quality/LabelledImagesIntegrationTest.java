package dev.streamclassify.streams.quality;

import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.streams.StreamsApp;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.testing.ClassifyFixture;
import dev.streamclassify.streams.testing.Conditions;
import dev.streamclassify.streams.testing.TestImages;
import dev.streamclassify.streams.testing.TopicReader;
import dev.streamclassify.streams.wire.PredictionEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code quality.forward.labelled.images} on, each image whose label matched its predictions goes on to the
 * training-images topic in the trainer's format: key = image id, value = the image bytes as sent, header
 * {@code label}. Labels that match nothing forward nothing.
 */
class LabelledImagesIntegrationTest {

    static final Duration TIMEOUT = Duration.ofSeconds(90);
    static final int IMAGES = 30;
    static final int LABELLED = 20;

    @Test
    void forwardsTheBytesOfEveryLabelledImageWithItsLabelAndNothingForUnmatchedLabels() throws Exception {
        try (Backbone backbone = TestModels.tinyBackbone(11);
             ClassifyFixture fixture = ClassifyFixture.create("labelled-images")) {
            fixture.serveFirstVersion(backbone, ClassifyFixture.LABELS);
            // as k8s/ runs it: a static member named after its pod (the forwarder's own group-less consumer must cope)
            StreamsAppConfig config = fixture.config(Map.of(StreamsAppConfig.QUALITY_FORWARD_LABELLED_IMAGES, "true",
                    "kafka.group.instance.id", "streams-app-0"));
            Map<String, byte[]> images = TestImages.byId(IMAGES, 500);
            try (StreamsApp app = new StreamsApp(config, backbone).start();
                 TopicReader<PredictionEvent> predictions = fixture.predictions();
                 TopicReader<byte[]> trainingImages = fixture.bytes(config.trainingImagesTopic())) {
                Conditions.await("the app to be ready", TIMEOUT, () -> app.readiness().ok(), () -> app.readiness().detail());
                int n = 0;
                for (var e : images.entrySet()) {
                    fixture.sendImage(n++ % 3, e.getKey(), e.getValue());
                }
                fixture.flush();
                predictions.awaitCount(IMAGES, TIMEOUT);

                Map<String, String> labelled = new LinkedHashMap<>();
                images.keySet().stream().limit(LABELLED).forEach(id -> labelled.put(id, ClassifyFixture.LABELS.get(Math.floorMod(id.hashCode(), ClassifyFixture.LABELS.size()))));
                labelled.forEach((id, label) -> fixture.sendLabel(id, json("{\"label\":\"" + label + "\",\"source\":\"review\"}")));
                fixture.sendLabel("never-seen", json("{\"label\":\"cat\"}"));
                fixture.flush();

                List<ConsumerRecord<String, byte[]>> forwarded = trainingImages.awaitCount(LABELLED, TIMEOUT);
                Conditions.await("every label counted", TIMEOUT, () -> labels(app, "matched") == LABELLED && labels(app, "unmatched") == 1);
                assertThat(trainingImages.readToEnd(TIMEOUT)).hasSize(LABELLED);
                assertThat(forwarded.stream().map(ConsumerRecord::key).collect(Collectors.toSet())).isEqualTo(labelled.keySet());
                assertThat(forwarded).allSatisfy(r -> {
                    assertThat(r.value()).as(r.key()).isEqualTo(images.get(r.key()));
                    assertThat(header(r, "label")).as(r.key()).isEqualTo(labelled.get(r.key()));
                    assertThat(header(r, "label.source")).isEqualTo("review");
                });
                assertThat(app.meterRegistry().get(QualityMetrics.LABELLED_IMAGES).tag("outcome", "forwarded").counter().count())
                        .isEqualTo(LABELLED);
            }
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static double labels(StreamsApp app, String outcome) {
        return app.meterRegistry().get(QualityMetrics.LABELS).tag("outcome", outcome).counter().count();
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
