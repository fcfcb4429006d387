package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.kafka.testkit.Await;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FailoverTest {

    @TempDir
    Path cacheDir;

    @Test
    void standbyTrainerOfTheGroupTakesOverWhenTheActiveOneStops() throws Exception {
        try (ControlFixture kafka = new ControlFixture("failover");
             Backbone backbone = TestModels.tinyBackbone(8)) {
            Map<String, Object> settings = kafka.settings(cacheDir);
            TrainerService first = new TrainerService(TrainerServiceConfig.of(settings), backbone);
            TrainerService second = new TrainerService(TrainerServiceConfig.of(settings), backbone);
            try (first; second) {
                first.start();
                second.start();
                kafka.produceImages(TestData.slice(List.of("Trouser", "Bag"), 0, 10));
                kafka.send("train-once", TestData.retrain(kafka.images));
                assertThat(kafka.awaitOutcome("train-once").state()).isEqualTo(State.SUCCEEDED);

                TrainerService active = Await.until("one trainer to hold the control partition", Duration.ofSeconds(30), left -> {
                    if (first.ready() == second.ready()) {
                        throw new IllegalStateException("ready: first " + first.ready() + ", second " + second.ready());
                    }
                    return first.ready() ? first : second;
                });
                TrainerService standby = active == first ? second : first;
                active.close();
                kafka.send("after-failover", "{\"command\":\"activate\",\"model\":\"default\",\"version\":1}");

                StatusEvent outcome = kafka.awaitOutcome("after-failover");

                assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
                assertThat(standby.ready()).isTrue();
                assertThat(kafka.eventsOf("train-once")).filteredOn(e -> e.state().terminal()).hasSize(1);
                assertThat(kafka.versions("default")).containsExactly(1L);
            }
        }
    }
}
