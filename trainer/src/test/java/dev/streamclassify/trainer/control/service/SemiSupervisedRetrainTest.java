package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.trainer.control.intake.RunMetrics;
import dev.streamclassify.model.artifact.SemiSupervisedFigures;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.image.ImageEncoder;
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

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7's acceptance: 5 labelled images per class, plus the unlabelled images the stream brings, give a version
 * that beats the labels-only version on the same labelled holdout, through the control topic of a real broker.
 * Classes 5-9 of Fashion-MNIST on the shipped backbone (pre-trained on classes 0-4 only).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SemiSupervisedRetrainTest {

    private static final List<String> TARGET = TestData.FewLabels.TARGET;
    private static final double HOLDOUT = TestData.FewLabels.HOLDOUT;
    private static final int LABELLED_PER_CLASS = 5;
    private static final int HOLDOUT_PER_CLASS = 40;
    private static final int UNLABELLED = 1000;

    private ControlFixture kafka;
    private Backbone backbone;
    private TrainerService service;
    private String streamImages;
    private List<LabelledImage> labelled;
    private List<LabelledImage> unlabelled;

    @BeforeAll
    void start(@TempDir Path cacheDir) throws Exception {
        TestData.FewLabels images = TestData.FewLabels.pick(HOLDOUT, LABELLED_PER_CLASS, HOLDOUT_PER_CLASS, UNLABELLED);
        labelled = images.labelled();
        unlabelled = images.unlabelled();
        kafka = new ControlFixture("semi");
        Map<String, Object> settings = TestData.FewLabels.settings(kafka, cacheDir);
        streamImages = TestData.FewLabels.streamTopic(kafka);
        backbone = Backbones.loadDefault();
        service = new TrainerService(TrainerServiceConfig.of(settings), backbone);
        service.start();
    }

    @AfterAll
    void stop() throws Exception {
        ControlFixture.closeInOrder(service, backbone, kafka);
    }

    @Test
    @Order(1)
    void labelsOnlyRetrainActivatesVersion1() throws Exception {
        StatusEvent outcome = kafka.retrainOn("labels-only", labelled);

        assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
        assertThat(outcome.modelVersion()).isEqualTo(1L);
        assertThat(outcome.metrics().trainImages()).isEqualTo(TARGET.size() * LABELLED_PER_CLASS);
        assertThat(outcome.metrics().holdoutImages()).isEqualTo(TARGET.size() * HOLDOUT_PER_CLASS);
        assertThat(outcome.metrics().semiSupervised()).isNull();
    }

    @Test
    @Order(2)
    void retrainWithTheUnlabelledStreamBeatsLabelsOnlyOnTheSameHoldout() throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < unlabelled.size(); i++) {
                producer.send(new ProducerRecord<>(streamImages, "u" + i, ImageEncoder.png(unlabelled.get(i).image())));
                if (i == UNLABELLED / 2) {
                    // hostile records in the middle of the stream: skipped and counted, not fatal
                    producer.send(new ProducerRecord<>(streamImages, "text", "not an image".getBytes(StandardCharsets.UTF_8)));
                    producer.send(new ProducerRecord<>(streamImages, "empty", new byte[0]));
                    // an image that is also a labelled holdout image must never be pseudo-labelled
                    producer.send(new ProducerRecord<>(streamImages, "leak", ImageEncoder.png(labelled.get(labelled.size() - 1).image())));
                }
            }
            producer.flush();
        }
        StatusEvent outcome = kafka.retrainWith("semi",
                "\"unlabelled\":{\"topic\":\"" + streamImages + "\",\"max\":" + (UNLABELLED + 3) + "}");

        assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
        assertThat(outcome.modelVersion()).isEqualTo(2L);
        assertThat(outcome.message()).contains("default:v2 activated", ">= active v1");
        RunMetrics m = outcome.metrics();
        assertThat(m.activeVersion()).isEqualTo(1L);
        assertThat(m.holdoutAccuracy()).as(outcome.message()).isGreaterThan(m.activeHoldoutAccuracy() + 0.02);
        assertThat(m.trainImages()).isEqualTo(TARGET.size() * LABELLED_PER_CLASS);
        assertThat(m.holdoutImages()).isEqualTo(TARGET.size() * HOLDOUT_PER_CLASS);
        assertThat(m.semiSupervised()).isEqualTo("self-training");
        assertThat(m.unlabelledSource()).isEqualTo("topic");
        assertThat(m.poolOffsets()).isNull();
        assertThat(m.unlabelledPool()).isEqualTo(UNLABELLED);
        assertThat(m.unlabelledSkipped()).isEqualTo(3);
        assertThat(m.pseudoLabelsPerRound()).hasSize(4).isSorted().allSatisfy(n -> assertThat(n).isPositive());
        // the version itself carries the same figures, for whoever compares versions later
        SemiSupervisedFigures figures = kafka.publishedVersion(2).metrics().semiSupervised();
        assertThat(figures).isEqualTo(new SemiSupervisedFigures("self-training", TARGET.size() * LABELLED_PER_CLASS, UNLABELLED,
                m.pseudoLabelsPerRound()));
        assertThat(kafka.publishedVersion(1).metrics().semiSupervised()).isNull();
    }

    @Test
    @Order(3)
    void unlabelledSourceOtherThanTheImagesTopicIsRejected() throws Exception {
        StatusEvent outcome = kafka.retrainWith("bad-topic", "\"unlabelled\":{\"topic\":\"" + kafka.control + "\"}");

        assertThat(outcome.state()).isEqualTo(State.REJECTED);
        assertThat(outcome.message()).contains("unlabelled.topic must be '" + streamImages + "'");
        assertThat(kafka.versions("default")).containsExactly(1L, 2L);
    }

    @Test
    @Order(4)
    void theStreamPoolIsRejectedAsSourceWhileItIsOff() throws Exception {
        StatusEvent outcome = kafka.retrainWith("pool-off", "\"unlabelled\":{\"pool\":true}");

        assertThat(outcome.state()).isEqualTo(State.REJECTED);
        assertThat(outcome.message()).contains("the stream feature pool is off (pool.max.images is 0)");
        assertThat(kafka.versions("default")).containsExactly(1L, 2L);
    }
}
