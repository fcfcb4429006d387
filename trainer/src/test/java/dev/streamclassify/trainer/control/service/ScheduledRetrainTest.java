package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import dev.streamclassify.trainer.dataset.LabelledImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ScheduledRetrainTest {

    @TempDir
    Path cacheDir;

    @Test
    void retrainsOnceTheConfiguredNumberOfLabelledImagesArrivedAndSkipsBadRecords() throws Exception {
        try (ControlFixture kafka = new ControlFixture("schedule");
             Backbone backbone = TestModels.tinyBackbone(9)) {
            Map<String, Object> settings = kafka.settings(cacheDir);
            settings.put(TrainerServiceConfig.SCHEDULE_NEW_IMAGES, 12);
            try (TrainerService service = new TrainerService(TrainerServiceConfig.of(settings), backbone)) {
                service.start();
                List<LabelledImage> images = TestData.slice(List.of("Trouser", "Sneaker"), 0, 6);
                kafka.produceRaw("garbage", "not an image".getBytes(StandardCharsets.UTF_8), "Trouser");
                kafka.produceRaw("no-label", ImageEncoder.png(images.get(0).image()), null);
                kafka.produceImages(images.subList(0, 11));

                // the undecodable record carries a label, so the 12th labelled record is the 11th image, at offset 12
                StatusEvent outcome = kafka.awaitOutcome("schedule-12");

                assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
                assertThat(outcome.modelVersion()).isEqualTo(1L);
                assertThat(outcome.metrics().skippedImages()).isEqualTo(1);
                assertThat(outcome.metrics().unlabelledImages()).isEqualTo(1);
                assertThat(outcome.metrics().imagesPerClass()).containsOnly(Map.entry("Sneaker", 5), Map.entry("Trouser", 6));
                assertThat(kafka.activation("default")).hasValueSatisfying(a -> assertThat(a.requestId()).isEqualTo("schedule-12"));
            }
        }
    }
}
