package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.trainer.control.intake.RunMetrics;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.artifact.SemiSupervisedFigures;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import dev.streamclassify.trainer.control.retrain.HoldoutSplit;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.dataset.LabelledImage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7's acceptance: 5 labelled images per class, plus the unlabelled images the stream brings, give a version
 * that beats the labels-only version on the same labelled holdout, through the control topic of a real broker.
 * Classes 5-9 of Fashion-MNIST on the shipped backbone (pre-trained on classes 0-4 only).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SemiSupervisedRetrainTest {

    private static final List<String> TARGET = List.of("Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    private static final double HOLDOUT = 0.3;
    private static final int LABELLED_PER_CLASS = 5;
    private static final int HOLDOUT_PER_CLASS = 40;
    private static final int UNLABELLED = 1000;

    private ControlFixture kafka;
    private Backbone backbone;
    private TrainerService service;
    private String streamImages;
    private final List<LabelledImage> labelled = new ArrayList<>();
    private final List<LabelledImage> unlabelled = new ArrayList<>();

    @BeforeAll
    void start(@TempDir Path cacheDir) throws Exception {
        pickImages();
        kafka = new ControlFixture("semi");
        streamImages = "stream-" + kafka.images;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap))) {
            admin.createTopics(List.of(new NewTopic(streamImages, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> settings = kafka.settings(cacheDir);
        settings.put(TrainerServiceConfig.IMAGES_TOPIC, streamImages);
        settings.put(TrainerServiceConfig.HOLDOUT_FRACTION, HOLDOUT);
        settings.put(TrainerServiceConfig.TRAINING_BATCH_SIZE, 64);
        settings.put(TrainerServiceConfig.TRAINING_MIN_UPDATES, 150);
        backbone = Backbones.loadDefault();
        service = new TrainerService(TrainerServiceConfig.of(settings), backbone);
        service.start();
    }

    /**
     * Per class: 5 images the hash split trains on and 40 it holds out (so the labelled training set really is 5 per
     * class), and unlabelled images that are none of those.
     */
    private void pickImages() {
        Dataset pool = FashionMnist.sampleTrain().withClasses(TARGET);
        for (String c : TARGET) {
            int train = 0;
            int held = 0;
            for (LabelledImage img : pool.images()) {
                if (!img.label().equals(c)) {
                    continue;
                }
                boolean inHoldout = HoldoutSplit.inHoldout(img.contentHash(), HOLDOUT);
                if (inHoldout && held < HOLDOUT_PER_CLASS) {
                    labelled.add(img);
                    held++;
                } else if (!inHoldout && train < LABELLED_PER_CLASS) {
                    labelled.add(img);
                    train++;
                }
            }
        }
        Set<String> used = new HashSet<>();
        labelled.forEach(i -> used.add(i.contentHash()));
        pool.images().stream().filter(i -> !used.contains(i.contentHash())).limit(UNLABELLED).forEach(unlabelled::add);
    }

    @AfterAll
    void stop() throws Exception {
        ControlFixture.closeInOrder(service, backbone, kafka);
    }

    @Test
    @Order(1)
    void labelsOnlyRetrainActivatesVersion1() throws Exception {
        kafka.produceImages(labelled);
        kafka.send("labels-only", TestData.retrain(kafka.images));

        StatusEvent outcome = kafka.awaitOutcome("labels-only");

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
        kafka.send("semi", "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"" + kafka.images
                + "\"},\"unlabelled\":{\"topic\":\"" + streamImages + "\",\"max\":" + (UNLABELLED + 3) + "}}");

        StatusEvent outcome = kafka.awaitOutcome("semi");

        assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
        assertThat(outcome.modelVersion()).isEqualTo(2L);
        assertThat(outcome.message()).contains("default:v2 activated", ">= active v1");
        RunMetrics m = outcome.metrics();
        assertThat(m.activeVersion()).isEqualTo(1L);
        assertThat(m.holdoutAccuracy()).as(outcome.message()).isGreaterThan(m.activeHoldoutAccuracy() + 0.02);
        assertThat(m.trainImages()).isEqualTo(TARGET.size() * LABELLED_PER_CLASS);
        assertThat(m.holdoutImages()).isEqualTo(TARGET.size() * HOLDOUT_PER_CLASS);
        assertThat(m.semiSupervised()).isEqualTo("self-training");
        assertThat(m.unlabelledPool()).isEqualTo(UNLABELLED);
        assertThat(m.unlabelledSkipped()).isEqualTo(3);
        assertThat(m.pseudoLabelsPerRound()).hasSize(4).isSorted().allSatisfy(n -> assertThat(n).isPositive());
        // the version itself carries the same figures, for whoever compares versions later
        SemiSupervisedFigures figures = publishedVersion(2).metrics().semiSupervised();
        assertThat(figures).isEqualTo(new SemiSupervisedFigures("self-training", TARGET.size() * LABELLED_PER_CLASS, UNLABELLED,
                m.pseudoLabelsPerRound()));
        assertThat(publishedVersion(1).metrics().semiSupervised()).isNull();
    }

    private ModelVersion publishedVersion(long version) throws Exception {
        for (var r : kafka.modelRecords()) {
            if (ModelsTopic.parse(r.key()).filter(k -> k instanceof ModelsTopic.VersionKey v && v.version() == version).isPresent()) {
                return new ModelVersionCodec().decode(r.value());
            }
        }
        throw new AssertionError("version " + version + " was not published");
    }

    @Test
    @Order(3)
    void unlabelledSourceOtherThanTheImagesTopicIsRejected() throws Exception {
        kafka.send("bad-topic", "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"" + kafka.images
                + "\"},\"unlabelled\":{\"topic\":\"" + kafka.control + "\"}}");

        StatusEvent outcome = kafka.awaitOutcome("bad-topic");

        assertThat(outcome.state()).isEqualTo(State.REJECTED);
        assertThat(outcome.message()).contains("unlabelled.topic must be '" + streamImages + "'");
        assertThat(kafka.versions("default")).containsExactly(1L, 2L);
    }
}
