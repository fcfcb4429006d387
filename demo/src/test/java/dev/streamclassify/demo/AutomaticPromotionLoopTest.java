package dev.streamclassify.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamclassify.kafka.testkit.EmbeddedKafkaBroker;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.streams.StreamsApp;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import dev.streamclassify.trainer.control.service.TrainerService;
import dev.streamclassify.trainer.publish.ModelPublisher;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Automatic promotion through the whole loop on a real broker: v1 active, v2 shadowed (both through the trainer's
 * control commands), images, then labels that agree with v2. streams-app proposes v2 with a status event saying why,
 * the trainer validates and activates it like any command, and streams-app ends up serving v2 with the shadow ended.
 */
class AutomaticPromotionLoopTest {

    static final List<String> LABELS = List.of("Sandal", "Sneaker", "Bag", "Ankle boot");
    static final int MIN_LABELLED = 60;
    static final double MARGIN = 0.1;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void aShadowThatBeatsTheActiveVersionOnLiveLabelsIsActivatedByTheTrainerWithTheReasonOnTrainingStatus() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
             Backbone backbone = Backbones.loadDefault()) {
            LoopFixture loop = new LoopFixture(broker.bootstrapServers(), Map.of(), work);
            StreamsAppConfig config = loop.streamsApp(Map.of(), Map.of(
                    StreamsAppConfig.PROMOTION_ENABLED, true,
                    StreamsAppConfig.PROMOTION_MIN_LABELLED, MIN_LABELLED,
                    StreamsAppConfig.PROMOTION_MIN_MARGIN, MARGIN,
                    StreamsAppConfig.QUALITY_EMIT_INTERVAL_MS, 200));
            try (StreamsApp app = new StreamsApp(config, backbone);
                 TrainerService trainer = new TrainerService(loop.trainer(), backbone);
                 ModelPublisher publisher = loop.publisher();
                 KafkaProducer<String, byte[]> producer = loop.producer()) {
                app.start();
                trainer.start();
                publisher.publish(TestModels.version(backbone, "default", 1, LABELS, 7), "publish-1");
                publisher.publish(TestModels.version(backbone, "default", 2, LABELS, 8), "publish-2");
                LoopFixture.command(producer, "activate-1", "{\"command\":\"activate\",\"model\":\"default\",\"version\":1}");
                assertThat(loop.awaitOutcome("activate-1").state()).isEqualTo(State.SUCCEEDED);
                LoopFixture.command(producer, "shadow-2", "{\"command\":\"shadow\",\"model\":\"default\",\"versions\":[2]}");
                assertThat(loop.awaitOutcome("shadow-2").state()).isEqualTo(State.SUCCEEDED);
                LoopFixture.await("v1 served with v2 as shadow", () -> app.currentModel().map(m -> m.version() == 1).orElse(false)
                        && app.meterRegistry().get(ClassifyMetrics.SHADOW_HEADS).gauge().value() == 1);

                Set<String> ids = LoopFixture.produceImages(producer, "live-", LoopFixture.images(LABELS.subList(0, 2), 0, MIN_LABELLED));
                producer.flush();
                Map<String, String> v1 = labels(loop.read("predictions", rs -> keys(rs).containsAll(ids), "v1's predictions"), ids);
                Map<String, String> v2 = labels(loop.read("predictions-shadow", rs -> keys(rs).containsAll(ids), "v2's shadow predictions"), ids);
                long agree = ids.stream().filter(id -> v1.get(id).equals(v2.get(id))).count();
                assertThat((double) agree / ids.size()).as("v1 differs from v2 on enough images for the margin").isLessThan(1 - MARGIN);

                // the truth, as a reviewer would send it: v2 is right every time, v1 where it agrees
                for (String id : ids) {
                    producer.send(new ProducerRecord<>("labels", id,
                            ("{\"label\":\"" + v2.get(id) + "\",\"source\":\"review\"}").getBytes(StandardCharsets.UTF_8)));
                }
                producer.flush();

                List<ConsumerRecord<String, byte[]>> status = loop.read("training-status",
                        rs -> rs.stream().anyMatch(r -> r.key().startsWith("auto-promote-") && state(r).equals("succeeded")),
                        "the trainer's success for an automatic promotion");
                List<ConsumerRecord<String, byte[]>> promotion = status.stream().filter(r -> r.key().startsWith("auto-promote-")).toList();
                String requestId = promotion.get(0).key();
                assertThat(requestId).startsWith("auto-promote-default-v2-over-v1-");
                assertThat(promotion).allSatisfy(r -> assertThat(r.key()).isEqualTo(requestId));
                // streams-app's reason first, then the trainer's own events for the same request
                JsonNode why = JSON.readTree(promotion.get(0).value());
                assertThat(why.path("state").asText()).isEqualTo("accepted");
                // decided as soon as both windows held enough labels, which may be before the last label arrived
                assertThat(why.path("message").asText()).contains("default:v2 live accuracy 1.0000 over", "beats active v1's");
                JsonNode evidence = why.path("metrics");
                assertThat(evidence.path("toLiveAccuracy").asDouble()).isEqualTo(1.0);
                assertThat(evidence.path("toLabelled").asLong()).isBetween((long) MIN_LABELLED, (long) ids.size());
                assertThat(evidence.path("fromLabelled").asLong()).isBetween((long) MIN_LABELLED, (long) ids.size());
                assertThat(evidence.path("fromLiveAccuracy").asDouble()).isLessThanOrEqualTo(1 - MARGIN);
                assertThat(promotion.stream().map(AutomaticPromotionLoopTest::state).toList()).endsWith("succeeded");
                StatusEvent outcome = loop.awaitOutcome(requestId);
                assertThat(outcome.state()).isEqualTo(State.SUCCEEDED);

                LoopFixture.await("streams-app serves v2 and the shadow has ended",
                        () -> app.currentModel().map(m -> m.version() == 2).orElse(false)
                                && app.meterRegistry().get(ClassifyMetrics.SHADOW_HEADS).gauge().value() == 0);
            }
        }
    }

    private static Set<String> keys(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(ConsumerRecord::key).collect(java.util.stream.Collectors.toSet());
    }

    private static Map<String, String> labels(List<ConsumerRecord<String, byte[]>> records, Set<String> ids) throws Exception {
        Map<String, String> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            if (ids.contains(r.key())) {
                out.put(r.key(), JSON.readTree(r.value()).path("label").asText());
            }
        }
        return out;
    }

    private static String state(ConsumerRecord<String, byte[]> r) {
        try {
            return JSON.readTree(r.value()).path("state").asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
