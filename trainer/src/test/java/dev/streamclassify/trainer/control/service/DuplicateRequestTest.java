package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import dev.streamclassify.model.testing.TestKeys;
import dev.streamclassify.trainer.publish.ModelPublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A request id runs once: sent twice, redelivered, or replayed to a restarted trainer. */
class DuplicateRequestTest {

    @TempDir
    Path cacheDir;

    private ControlFixture kafka;
    private Backbone backbone;

    @BeforeEach
    void setUp() throws Exception {
        kafka = new ControlFixture("dup");
        backbone = TestModels.tinyBackbone(3);
    }

    @AfterEach
    void tearDown() {
        backbone.close();
        kafka.close();
    }

    @Test
    void sameRequestIdTwiceRunsOnceEvenAfterARestartThatForgotTheCommittedOffsets() throws Exception {
        Map<String, Object> settings = kafka.settings(cacheDir);
        try (TrainerService service = new TrainerService(TrainerServiceConfig.of(settings), backbone)) {
            service.start();
            kafka.produceImages(TestData.slice(List.of("Trouser", "Bag"), 0, 10));
            kafka.send("twice", TestData.retrain(kafka.images));
            kafka.send("twice", TestData.retrain(kafka.images));
            kafka.send("after", "{\"command\":\"activate\",\"model\":\"default\",\"version\":1}");

            // commands run in order on the one control partition: once "after" is done, both copies were handled
            assertThat(kafka.awaitOutcome("after").state()).isEqualTo(State.SUCCEEDED);
        }
        assertRanOnce();

        // a new group starts from offset 0: every control record is delivered again
        settings.put(TrainerServiceConfig.GROUP_ID, kafka.group + "-replay");
        try (TrainerService restarted = new TrainerService(TrainerServiceConfig.of(settings), backbone)) {
            restarted.start();
            kafka.send("twice", TestData.retrain(kafka.images));
            kafka.send("marker", "{\"command\":\"activate\",\"model\":\"default\",\"version\":1}");

            assertThat(kafka.awaitOutcome("marker").state()).isEqualTo(State.SUCCEEDED);
        }
        assertRanOnce();
        assertThat(kafka.eventsOf("after")).filteredOn(e -> e.state() == State.SUCCEEDED).hasSize(1);
    }

    @Test
    void retrainInterruptedByShutdownIsNotCommittedAndRunsAgainAfterRestart() throws Exception {
        Map<String, Object> endless = kafka.settings(cacheDir);
        endless.put(TrainerServiceConfig.TRAINING_MIN_UPDATES, 100_000_000);
        try (TrainerService service = new TrainerService(TrainerServiceConfig.of(endless), backbone)) {
            service.start();
            kafka.produceImages(TestData.slice(List.of("Trouser", "Bag"), 0, 10));
            kafka.send("long", TestData.retrain(kafka.images));

            kafka.awaitEvent(e -> e.requestId().equals("long") && e.epoch() != null, "head training to begin");
        }
        assertThat(kafka.eventsOf("long")).noneSatisfy(e -> assertThat(e.state().terminal()).isTrue());

        try (TrainerService restarted = new TrainerService(TrainerServiceConfig.of(kafka.settings(cacheDir)), backbone)) {
            restarted.start();

            StatusEvent outcome = kafka.awaitOutcome("long");

            assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
            assertThat(outcome.modelVersion()).isEqualTo(1L);
        }
        assertThat(kafka.eventsOf("long")).filteredOn(e -> e.state() == State.ACCEPTED).hasSize(2);
        assertThat(kafka.versions("default")).containsExactly(1L);
    }

    @Test
    void rerunAfterACrashBetweenPublishAndItsOutcomeDoesNotPublishASecondVersion() throws Exception {
        try (TrainerService service = new TrainerService(TrainerServiceConfig.of(kafka.settings(cacheDir)), backbone)) {
            service.start();
            // what a run that crashed right after publishing left behind: its version, marked with its request id, and no outcome
            try (ModelPublisher earlierRun = new ModelPublisher(kafka.bootstrap, kafka.models, TestKeys.SIGNER)) {
                earlierRun.publish(TestModels.version(backbone, "default", 1, List.of("Bag", "Trouser"), 5), "crashed");
            }
            kafka.produceImages(TestData.slice(List.of("Trouser", "Bag"), 0, 10));
            kafka.send("crashed", TestData.retrain(kafka.images));

            StatusEvent outcome = kafka.awaitOutcome("crashed");

            assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
            assertThat(outcome.modelVersion()).isEqualTo(1L);
            assertThat(outcome.message()).contains("published by an earlier run of this request");
        }
        assertThat(kafka.versions("default")).containsExactly(1L);
    }

    private void assertRanOnce() {
        List<StatusEvent> events = kafka.eventsOf("twice");
        assertThat(events).filteredOn(e -> e.state() == State.ACCEPTED).hasSize(1);
        assertThat(events).filteredOn(e -> e.state().terminal()).singleElement()
                .satisfies(e -> assertThat(e.state()).isEqualTo(State.SUCCEEDED));
        assertThat(kafka.versions("default")).containsExactly(1L);
    }
}
