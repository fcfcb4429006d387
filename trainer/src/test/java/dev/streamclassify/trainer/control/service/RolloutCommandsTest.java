package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.catalog.Canary;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.catalog.Shadow;
import dev.streamclassify.model.testing.TestKeys;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import dev.streamclassify.trainer.publish.ModelPublisher;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** shadow and canary commands are validated like activate, land on the models topic, and an activation ends both. */
class RolloutCommandsTest {

    private static final List<String> LABELS = List.of("Bag", "Trouser");

    @TempDir
    Path cacheDir;

    @Test
    void shadowAndCanaryAreWrittenOnlyForServableVersionsAndActivateEndsBoth() throws Exception {
        try (ControlFixture kafka = new ControlFixture("rollout");
             Backbone backbone = TestModels.tinyBackbone(4);
             Backbone foreign = TestModels.tinyBackbone(40);
             TrainerService service = new TrainerService(TrainerServiceConfig.of(kafka.settings(cacheDir)), backbone)) {
            service.start();
            try (ModelPublisher publisher = new ModelPublisher(kafka.bootstrap, kafka.models, TestKeys.SIGNER)) {
                for (long v = 1; v <= 3; v++) {
                    publisher.publish(TestModels.version(backbone, "default", v, LABELS, v));
                }
                publisher.publish(TestModels.version(foreign, "default", 4, LABELS, 4));
            }
            outcome(kafka, "activate-1", "{\"command\":\"activate\",\"model\":\"default\",\"version\":1}", State.SUCCEEDED, "activated");

            outcome(kafka, "shadow-active", "{\"command\":\"shadow\",\"model\":\"default\",\"versions\":[1]}", State.REJECTED, "is the active version");
            outcome(kafka, "shadow-foreign", "{\"command\":\"shadow\",\"model\":\"default\",\"versions\":[2,4]}", State.REJECTED, "foreign-backbone");
            outcome(kafka, "canary-unknown", "{\"command\":\"canary\",\"model\":\"default\",\"version\":9,\"percent\":10}", State.REJECTED, "has no version 9");
            outcome(kafka, "canary-too-big", "{\"command\":\"canary\",\"model\":\"default\",\"version\":3,\"percent\":101}", State.REJECTED, "'percent' must be an integer in [0, 100]");
            outcome(kafka, "shadow-dup", "{\"command\":\"shadow\",\"model\":\"default\",\"versions\":[2,2]}", State.REJECTED, "distinct");
            // only the tombstones activate-1 wrote: a refused command writes nothing
            assertThat(kafka.modelRecords()).filteredOn(r -> r.value() != null)
                    .extracting(ConsumerRecord::key).doesNotContain(ModelsTopic.shadowKey("default"), ModelsTopic.canaryKey("default"));

            outcome(kafka, "shadow-2", "{\"command\":\"shadow\",\"model\":\"default\",\"versions\":[2]}", State.SUCCEEDED, "versions [2] score every image");
            outcome(kafka, "canary-3", "{\"command\":\"canary\",\"model\":\"default\",\"version\":3,\"percent\":20}", State.SUCCEEDED, "default:v3 serves 20%");
            assertThat(Shadow.fromJson(last(kafka, ModelsTopic.shadowKey("default")).value()).versions()).containsExactly(2L);
            Canary canary = Canary.fromJson(last(kafka, ModelsTopic.canaryKey("default")).value());
            assertThat(canary.version()).isEqualTo(3);
            assertThat(canary.percent()).isEqualTo(20);
            assertThat(canary.requestId()).isEqualTo("canary-3");

            outcome(kafka, "promote-3", "{\"command\":\"activate\",\"model\":\"default\",\"version\":3}", State.SUCCEEDED, "default:v3 activated (was v1)");
            assertThat(last(kafka, ModelsTopic.shadowKey("default")).value()).as("shadow tombstone").isNull();
            assertThat(last(kafka, ModelsTopic.canaryKey("default")).value()).as("canary tombstone").isNull();
        }
    }

    private static void outcome(ControlFixture kafka, String requestId, String json, State state, String naming) throws Exception {
        kafka.send(requestId, json);
        StatusEvent outcome = kafka.awaitOutcome(requestId);
        assertThat(outcome.state()).as(outcome.message()).isEqualTo(state);
        assertThat(outcome.message()).contains(naming);
    }

    private static ConsumerRecord<String, byte[]> last(ControlFixture kafka, String key) {
        List<ConsumerRecord<String, byte[]>> all = kafka.modelRecords().stream().filter(r -> r.key().equals(key)).toList();
        assertThat(all).as(key).isNotEmpty();
        return all.get(all.size() - 1);
    }
}
