package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A retrain that would exceed the training-set bounds is rejected with the reason, nothing is published, and the
 * commands behind it on the control partition still run: no command can make the trainer crash and loop.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainingBoundsTest {

    private ControlFixture kafka;
    private Backbone backbone;
    private TrainerService service;

    @BeforeAll
    void startService(@TempDir Path cacheDir, @TempDir Path root) throws Exception {
        // 2 x 12 images: more than the bound of 20
        TestData.writeFolder(root.resolve("many"), TestData.slice(List.of("Sneaker", "Pullover"), 0, 12));
        TestData.writeFolder(root.resolve("few"), TestData.slice(List.of("Sneaker", "Pullover"), 0, 8));
        kafka = new ControlFixture("bounds");
        backbone = TestModels.tinyBackbone(5);
        Map<String, Object> settings = kafka.settings(cacheDir);
        settings.put(TrainerServiceConfig.DATA_ROOT, root.toString());
        settings.put(TrainerServiceConfig.TRAINING_MAX_IMAGES, 20);
        service = new TrainerService(TrainerServiceConfig.of(settings), backbone);
        service.start();
    }

    @AfterAll
    void stopService() throws Exception {
        ControlFixture.closeInOrder(service, backbone, kafka);
    }

    @Test
    void oversizedRetrainsAreRejectedWithTheReasonAndTheNextCommandStillRuns() throws Exception {
        kafka.produceImages(TestData.slice(List.of("Trouser", "Bag"), 0, 11));
        kafka.send("too-many-records", TestData.retrain(kafka.images));
        kafka.send("too-many-files", "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"path\":\"many\"}}");
        kafka.send("small-enough", "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"path\":\"few\"}}");

        StatusEvent records = kafka.awaitOutcome("too-many-records");
        StatusEvent files = kafka.awaitOutcome("too-many-files");
        StatusEvent small = kafka.awaitOutcome("small-enough");

        assertThat(records.state()).isEqualTo(State.REJECTED);
        assertThat(records.message()).contains("22 records in the requested range, more than the limit of 20 images (training.max.images)");
        assertThat(files.state()).isEqualTo(State.REJECTED);
        assertThat(files.message()).contains("24 image files").contains("limit of 20 images");
        assertThat(small.state()).as(small.message()).isEqualTo(State.SUCCEEDED);
        assertThat(small.modelVersion()).isEqualTo(1L);
        assertThat(kafka.versions("default")).containsExactly(1L);
    }
}
