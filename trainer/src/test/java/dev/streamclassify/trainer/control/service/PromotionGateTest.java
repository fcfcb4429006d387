package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.testing.TestKeys;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import dev.streamclassify.trainer.publish.ModelPublisher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.util.List;
import java.util.Map;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class PromotionGateTest {

    @TempDir
    Path cacheDir;

    @Test
    void refusedVersionPinsTheServingVersionWhenNoActivationRecordExists() throws Exception {
        try (ControlFixture kafka = new ControlFixture("gate");
             Backbone backbone = TestModels.tinyBackbone(4)) {
            Map<String, Object> settings = kafka.settings(cacheDir);
            settings.put(TrainerServiceConfig.PROMOTION_MIN_DELTA, 1.0);
            try (TrainerService service = new TrainerService(TrainerServiceConfig.of(settings), backbone)) {
                service.start();
                // published by hand, never activated: streams-app serves the highest version, this one
                try (ModelPublisher publisher = new ModelPublisher(kafka.bootstrap, kafka.models, TestKeys.SIGNER)) {
                    publisher.publish(TestModels.version(backbone, "default", 4, List.of("Bag", "Trouser"), 1));
                }
                kafka.produceImages(TestData.slice(List.of("Trouser", "Bag"), 0, 10));
                kafka.send("gated", TestData.retrain(kafka.images));

                StatusEvent outcome = kafka.awaitOutcome("gated");

                assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
                assertThat(outcome.modelVersion()).isEqualTo(5L);
                assertThat(outcome.message()).contains("default:v5 kept, not activated", "< active v4", "+ 1.0000");
                assertThat(outcome.metrics().activeVersion()).isEqualTo(4L);
                assertThat(kafka.versions("default")).containsExactly(4L, 5L);
                assertThat(kafka.activation("default")).hasValueSatisfying(a -> {
                    assertThat(a.version()).isEqualTo(4);
                    assertThat(a.requestId()).isEqualTo("gated");
                });
            }
        }
    }
}
