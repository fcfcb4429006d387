package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import dev.streamclassify.trainer.control.retrain.HoldoutSplit;
import dev.streamclassify.trainer.dataset.LabelledImage;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control loop as a user drives it, one step after another on one service: train, grow the data, get refused
 * by the gate, roll back. Each step builds on the models topic the previous steps left.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RetrainLoopTest {

    private static final List<String> ABC = List.of("Trouser", "Bag", "Sandal");
    private static final List<String> ABCD = List.of("Trouser", "Bag", "Sandal", "T-shirt/top");
    private static final double HOLDOUT = 0.3;

    private ControlFixture kafka;
    private Backbone backbone;
    private TrainerService service;
    private final List<LabelledImage> datasetA = TestData.slice(ABC, 0, 12);
    private final List<LabelledImage> datasetB = concat(TestData.slice(ABC, 12, 12), TestData.slice(List.of("T-shirt/top"), 0, 24));
    private long endOfAB;

    @BeforeAll
    void startService(@TempDir Path cacheDir) throws Exception {
        kafka = new ControlFixture("loop");
        backbone = TestModels.tinyBackbone(11);
        service = new TrainerService(TrainerServiceConfig.of(kafka.settings(cacheDir)), backbone);
        service.start();
    }

    @AfterAll
    void stopService() throws Exception {
        ControlFixture.closeInOrder(service, backbone, kafka);
    }

    @Test
    @Order(1)
    void retrainOnDatasetAPublishesAndActivatesVersion1() throws Exception {
        kafka.produceImages(datasetA);
        StatusEvent outcome = kafka.retrainWith("retrain-a", "\"epochs\":10,\"fineTuneLayers\":0");

        assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
        assertThat(outcome.modelVersion()).isEqualTo(1L);
        assertThat(outcome.message()).contains("default:v1 activated");
        assertThat(outcome.metrics().activated()).isTrue();
        assertThat(outcome.metrics().featurized()).isEqualTo(TestData.hashes(datasetA).size());
        assertThat(outcome.metrics().fromCache()).isZero();
        assertThat(outcome.metrics().trainImages() + outcome.metrics().holdoutImages()).isEqualTo(datasetA.size());
        assertThat(outcome.metrics().holdoutAccuracy()).isGreaterThan(0.5);
        assertThat(kafka.versions("default")).containsExactly(1L);
        assertThat(kafka.activation("default")).hasValueSatisfying(a -> {
            assertThat(a.version()).isEqualTo(1);
            assertThat(a.requestId()).isEqualTo("retrain-a");
        });
    }

    @Test
    @Order(2)
    void progressOfARetrainComesInOrderAndNeverDecreases() {
        List<StatusEvent> events = kafka.eventsOf("retrain-a");

        assertThat(events.get(0).state()).isEqualTo(State.ACCEPTED);
        assertThat(events.get(events.size() - 1).state()).isEqualTo(State.SUCCEEDED);
        assertThat(events.subList(1, events.size() - 1)).isNotEmpty().allSatisfy(e -> assertThat(e.state()).isEqualTo(State.RUNNING));
        assertThat(events).extracting(StatusEvent::progress).allSatisfy(p -> assertThat(p).isBetween(0.0, 1.0)).isSorted();
        assertThat(events).extracting(StatusEvent::timestamp).isSorted();
        assertThat(events).anySatisfy(e -> assertThat(e.epoch()).isNotNull());
        assertThat(events.get(events.size() - 1).progress()).isEqualTo(1.0);
    }

    @Test
    @Order(3)
    void retrainOnTheSupersetActivatesVersion2AndFeaturizesOnlyTheNewImages() throws Exception {
        endOfAB = kafka.produceImages(datasetB);
        kafka.send("retrain-ab", TestData.retrain(kafka.images));

        StatusEvent outcome = kafka.awaitOutcome("retrain-ab");

        assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
        assertThat(outcome.modelVersion()).isEqualTo(2L);
        assertThat(outcome.message()).contains("default:v2 activated", ">= active v1");
        assertThat(outcome.metrics().activeVersion()).isEqualTo(1L);
        assertThat(outcome.metrics().featurized()).isEqualTo(TestData.hashes(datasetB).size());
        assertThat(outcome.metrics().fromCache()).isEqualTo(datasetA.size());
        assertThat(outcome.metrics().imagesPerClass()).containsEntry("T-shirt/top", 24).containsEntry("Bag", 24);
        assertThat(kafka.activation("default")).hasValueSatisfying(a -> assertThat(a.version()).isEqualTo(2));
    }

    @Test
    @Order(4)
    void gateKeepsAVersionTrainedOnShuffledLabelsUnactivated() throws Exception {
        List<LabelledImage> fresh = TestData.slice(ABCD, 40, 15);
        long end = kafka.produceImages(shuffleTrainingLabels(fresh));
        kafka.send("retrain-shuffled", "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"" + kafka.images
                + "\",\"fromOffset\":" + endOfAB + ",\"toOffset\":" + end + "}}");

        StatusEvent outcome = kafka.awaitOutcome("retrain-shuffled");

        assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
        assertThat(outcome.modelVersion()).isEqualTo(3L);
        assertThat(outcome.message()).contains("default:v3 kept, not activated", "< active v2");
        assertThat(outcome.metrics().activated()).isFalse();
        assertThat(outcome.metrics().trainImages() + outcome.metrics().holdoutImages()).isEqualTo(fresh.size());
        assertThat(outcome.metrics().holdoutAccuracy()).isLessThan(outcome.metrics().activeHoldoutAccuracy());
        assertThat(kafka.versions("default")).containsExactly(1L, 2L, 3L);
        assertThat(kafka.activation("default")).hasValueSatisfying(a -> assertThat(a.version()).isEqualTo(2));
    }

    @Test
    @Order(5)
    void activateRollsBackToVersion1() throws Exception {
        kafka.send("rollback-1", "{\"command\":\"activate\",\"model\":\"default\",\"version\":1}");

        StatusEvent outcome = kafka.awaitOutcome("rollback-1");

        assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
        assertThat(outcome.modelVersion()).isEqualTo(1L);
        assertThat(outcome.message()).isEqualTo("default:v1 activated (was v2)");
        assertThat(kafka.activation("default")).hasValueSatisfying(a -> {
            assertThat(a.version()).isEqualTo(1);
            assertThat(a.requestId()).isEqualTo("rollback-1");
        });
    }

    @Test
    @Order(6)
    void activateOfAnUnknownVersionIsRejectedAndChangesNothing() throws Exception {
        int records = kafka.modelRecords().size();
        kafka.send("activate-9", "{\"command\":\"activate\",\"model\":\"default\",\"version\":9}");
        kafka.send("activate-other", "{\"command\":\"activate\",\"model\":\"other\",\"version\":1}");

        StatusEvent unknownVersion = kafka.awaitOutcome("activate-9");
        StatusEvent unknownModel = kafka.awaitOutcome("activate-other");

        assertThat(unknownVersion.state()).isEqualTo(State.REJECTED);
        assertThat(unknownVersion.message()).isEqualTo("default has no version 9; retained versions: [1, 2, 3]");
        assertThat(unknownModel.state()).isEqualTo(State.REJECTED);
        assertThat(unknownModel.message()).contains("unknown model 'other'");
        assertThat(kafka.modelRecords()).hasSize(records);
    }

    @Test
    @Order(7)
    void metricsAndProbesAnswerOverHttp() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://localhost:" + service.httpPort();

        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(base + "/ready")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("trainer_commands_total{command=\"retrain\",outcome=\"succeeded\"} 3.0")
                .contains("trainer_commands_total{command=\"activate\",outcome=\"succeeded\"} 1.0")
                .contains("trainer_commands_total{command=\"activate\",outcome=\"rejected\"} 2.0")
                .contains("trainer_active_version{model=\"default\"} 1.0")
                .contains("trainer_holdout_accuracy{model=\"default\"}")
                .contains("trainer_featurized_images_total " + (double) (TestData.hashes(datasetA).size() + TestData.hashes(datasetB).size() + 60))
                .contains("trainer_feature_cache_hits_total")
                .contains("trainer_training_seconds_count{outcome=\"succeeded\"} 3")
                .contains("javacpp_bytes ", "javacpp_physical_bytes ", "javacpp_max_bytes ");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"UP\"");
    }

    /** Training labels shuffled among the images the split trains on; holdout images keep their true label. */
    private static List<LabelledImage> shuffleTrainingLabels(List<LabelledImage> images) {
        List<Integer> train = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            if (!HoldoutSplit.inHoldout(images.get(i).contentHash(), HOLDOUT)) {
                train.add(i);
            }
        }
        List<String> labels = new ArrayList<>(train.stream().map(i -> images.get(i).label()).toList());
        Collections.shuffle(labels, new Random(3));
        List<LabelledImage> out = new ArrayList<>(images);
        for (int k = 0; k < train.size(); k++) {
            out.set(train.get(k), new LabelledImage(labels.get(k), images.get(train.get(k)).image()));
        }
        return out;
    }

    private static List<LabelledImage> concat(List<LabelledImage> a, List<LabelledImage> b) {
        List<LabelledImage> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
