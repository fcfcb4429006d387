package dev.streamclassify.trainer.control.service;

import dev.streamclassify.kafka.testkit.Await;
import dev.streamclassify.model.artifact.SemiSupervisedFigures;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.trainer.control.intake.RunMetrics;
import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import dev.streamclassify.trainer.dataset.LabelledImage;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stream feature pool on a real broker: images produced to the images topic (some before the service starts, the
 * rest while it runs) end up as features in the pool, refused records are counted by reason, and a retrain with
 * {@code "unlabelled":{"pool":true}} learns from those features without re-reading the topic or running the backbone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StreamPoolRetrainTest {

    private static final double HOLDOUT = TestData.FewLabels.HOLDOUT;
    private static final int LABELLED_PER_CLASS = 5;
    private static final int HOLDOUT_PER_CLASS = 40;
    private static final int UNLABELLED = 1000;
    /** Produced before the service starts: the pool refills them from the topic's last offsets. */
    private static final int BEFORE_START = 300;
    private static final int POOL_MAX = 1200;
    private static final Duration POOL_TIMEOUT = Duration.ofSeconds(60);

    private ControlFixture kafka;
    private Backbone backbone;
    private TrainerService service;
    private String streamImages;
    private KafkaProducer<String, byte[]> producer;
    private List<LabelledImage> labelled;
    private List<LabelledImage> unlabelled;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(@TempDir Path cacheDir) throws Exception {
        TestData.FewLabels images = TestData.FewLabels.pick(HOLDOUT, LABELLED_PER_CLASS, HOLDOUT_PER_CLASS, UNLABELLED);
        labelled = images.labelled();
        unlabelled = images.unlabelled();
        kafka = new ControlFixture("pool");
        Map<String, Object> settings = TestData.FewLabels.settings(kafka, cacheDir);
        streamImages = TestData.FewLabels.streamTopic(kafka);
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap), new StringSerializer(),
                new ByteArraySerializer());
        produceUnlabelled(0, BEFORE_START);
        settings.put(TrainerServiceConfig.POOL_MAX_IMAGES, POOL_MAX);
        backbone = Backbones.loadDefault();
        service = new TrainerService(TrainerServiceConfig.of(settings), backbone);
        service.start();
    }

    @AfterAll
    void stop() throws Exception {
        ControlFixture.closeInOrder(producer, service, backbone, kafka);
    }

    private void produceUnlabelled(int from, int to) {
        for (int i = from; i < to; i++) {
            producer.send(new ProducerRecord<>(streamImages, "u" + i, ImageEncoder.png(unlabelled.get(i).image())));
        }
        producer.flush();
    }

    private String metrics() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + service.httpPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    @Order(1)
    void streamImagesLandInThePoolAndRefusedOnesAreCountedByReason() throws Exception {
        produceUnlabelled(BEFORE_START, UNLABELLED / 2);
        // hostile records in the middle of the stream: skipped and counted, not fatal
        producer.send(new ProducerRecord<>(streamImages, "text", "not an image".getBytes(StandardCharsets.UTF_8)));
        producer.send(new ProducerRecord<>(streamImages, "empty", new byte[0]));
        producer.send(new ProducerRecord<>(streamImages, "again", ImageEncoder.png(unlabelled.get(0).image())));
        // an image that is also a labelled holdout image: pooled, but a retrain must leave it out
        producer.send(new ProducerRecord<>(streamImages, "leak", ImageEncoder.png(labelled.get(labelled.size() - 1).image())));
        produceUnlabelled(UNLABELLED / 2, UNLABELLED);

        Await.until("the pool to hold every distinct stream image", POOL_TIMEOUT, remaining -> {
            String m = metrics();
            if (!m.contains("trainer_pool_images " + (double) (UNLABELLED + 1)) || !m.contains("trainer_pool_added_total " + (double) (UNLABELLED + 1))) {
                throw new IllegalStateException("not yet: " + m.lines().filter(l -> l.startsWith("trainer_pool_images")).toList());
            }
            return m;
        });

        // scraped again: one scrape reads the gauges one by one while the last batch may still be landing
        assertThat(metrics())
                .contains("trainer_pool_skipped_total{reason=\"unsupported-format\"} 1.0")
                .contains("trainer_pool_skipped_total{reason=\"empty\"} 1.0")
                .contains("trainer_pool_skipped_total{reason=\"duplicate\"} 1.0")
                .contains("trainer_pool_evicted_total{reason=\"count\"} 0.0")
                .contains("trainer_pool_following 1.0")
                .contains("trainer_pool_bytes " + (double) ((UNLABELLED + 1) * (4L * backbone.info().featureSize() + 200)))
                .contains("trainer_pool_oldest_image_age_seconds ", "trainer_pool_newest_image_age_seconds ");
    }

    @Test
    @Order(2)
    void labelsOnlyRetrainActivatesVersion1() throws Exception {
        StatusEvent outcome = kafka.retrainOn("labels-only", labelled);

        assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
        assertThat(outcome.modelVersion()).isEqualTo(1L);
    }

    @Test
    @Order(3)
    void retrainFromThePoolLearnsFromItsFeaturesWithoutRunningTheBackboneAndBeatsLabelsOnly() throws Exception {
        StatusEvent outcome = kafka.retrainWith("pool", "\"unlabelled\":{\"pool\":true}");

        assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
        assertThat(outcome.modelVersion()).isEqualTo(2L);
        assertThat(outcome.message()).contains("default:v2 activated");
        RunMetrics m = outcome.metrics();
        assertThat(m.unlabelledSource()).isEqualTo("pool");
        assertThat(m.semiSupervised()).isEqualTo("self-training");
        assertThat(m.unlabelledPool()).isEqualTo(UNLABELLED);
        assertThat(m.unlabelledSkipped()).as("the labelled image in the stream").isEqualTo(1);
        // labelled images come from the feature cache (version 1 featurized them), the pool's are already features
        assertThat(m.featurized()).isZero();
        assertThat(m.poolOffsets()).containsOnlyKeys("0", "1").allSatisfy((partition, range) ->
                assertThat(range).hasSize(2).satisfies(r -> assertThat(r.get(0)).isLessThanOrEqualTo(r.get(1))));
        assertThat(m.poolOffsets().values().stream().mapToLong(r -> r.get(1) - r.get(0) + 1).sum())
                .as("offsets spanned by the pooled images").isGreaterThanOrEqualTo(UNLABELLED);
        assertThat(m.holdoutAccuracy()).as(outcome.message()).isGreaterThan(m.activeHoldoutAccuracy());
        assertThat(m.pseudoLabelsPerRound()).hasSize(4).allSatisfy(n -> assertThat(n).isPositive());
        SemiSupervisedFigures figures = kafka.publishedVersion(2).metrics().semiSupervised();
        assertThat(figures.unlabelledImages()).isEqualTo(UNLABELLED);
        assertThat(figures.labelledImages()).isEqualTo(TestData.FewLabels.TARGET.size() * LABELLED_PER_CLASS);
    }

    @Test
    @Order(4)
    void poolCombinedWithAnotherSourceIsRejectedWithItsReasonAndCounted() throws Exception {
        StatusEvent outcome = kafka.retrainWith("both", "\"unlabelled\":{\"pool\":true,\"topic\":\"" + streamImages + "\"}");

        assertThat(outcome.state()).isEqualTo(State.REJECTED);
        assertThat(outcome.message()).contains("unlabelled must have exactly one of 'topic', 'path' and 'pool'");
        assertThat(kafka.versions("default")).containsExactly(1L, 2L);
        assertThat(metrics()).contains("trainer_commands_total{command=\"retrain\",outcome=\"rejected\"} 1.0");
    }
}
