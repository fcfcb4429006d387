package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.signing.SigningKeys;
import dev.streamclassify.model.signing.VersionSignature;
import dev.streamclassify.model.signing.VersionSigner;
import dev.streamclassify.model.testing.TestKeys;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import dev.streamclassify.trainer.publish.ModelPublisher;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The trainer signs what it publishes and activates only versions that streams-app would serve. */
class VersionTrustTest {

    private static final List<String> LABELS = List.of("Bag", "Trouser");

    @TempDir
    Path cacheDir;

    @Test
    void activatesOnlyVersionsThatVerifyAndFitTheBackboneAndSignsWhatItPublishes() throws Exception {
        try (ControlFixture kafka = new ControlFixture("trust");
             Backbone backbone = TestModels.tinyBackbone(4);
             Backbone foreign = TestModels.tinyBackbone(40);
             TrainerService service = new TrainerService(TrainerServiceConfig.of(kafka.settings(cacheDir)), backbone)) {
            service.start();
            try (ModelPublisher signed = new ModelPublisher(kafka.bootstrap, kafka.models, TestKeys.SIGNER);
                 ModelPublisher unsigned = new ModelPublisher(kafka.bootstrap, kafka.models, Map.of(), Clock.systemUTC(), Optional.empty());
                 ModelPublisher stranger = new ModelPublisher(kafka.bootstrap, kafka.models, new VersionSigner(SigningKeys.generate()))) {
                signed.publish(TestModels.version(backbone, "default", 1, LABELS, 1));
                signed.publish(TestModels.version(foreign, "default", 2, LABELS, 2));
                unsigned.publish(TestModels.version(backbone, "default", 3, LABELS, 3));
                stranger.publish(TestModels.version(backbone, "default", 4, LABELS, 4));
            }

            assertOutcome(kafka, "activate-1", 1, State.SUCCEEDED, "default:v1 activated");
            assertOutcome(kafka, "activate-2", 2, State.REJECTED, "foreign-backbone");
            assertOutcome(kafka, "activate-3", 3, State.REJECTED, "unsigned");
            assertOutcome(kafka, "activate-4", 4, State.REJECTED, "untrusted-key");
            assertThat(kafka.activation("default")).hasValueSatisfying(a -> assertThat(a.version()).isEqualTo(1));

            kafka.produceImages(TestData.slice(LABELS, 0, 10));
            kafka.send("retrain", TestData.retrain(kafka.images));
            StatusEvent retrained = kafka.awaitOutcome("retrain");
            assertThat(retrained.state()).as(retrained.message()).isEqualTo(State.SUCCEEDED);

            ConsumerRecord<String, byte[]> published = kafka.modelRecords().stream()
                    .filter(r -> r.key().equals(ModelsTopic.versionKey("default", retrained.modelVersion()))).findFirst().orElseThrow();
            VersionSignature signature = VersionSignature.fromHeaders(
                    published.headers().lastHeader(VersionSignature.KEY_ID_HEADER).value(),
                    published.headers().lastHeader(VersionSignature.HEADER).value());
            TestKeys.TRUSTED.verify(published.key(), published.value(), signature);
        }
    }

    private static void assertOutcome(ControlFixture kafka, String requestId, long version, State state, String naming) throws Exception {
        kafka.send(requestId, "{\"command\":\"activate\",\"model\":\"default\",\"version\":" + version + "}");
        StatusEvent outcome = kafka.awaitOutcome(requestId);
        assertThat(outcome.state()).as(outcome.message()).isEqualTo(state);
        assertThat(outcome.message()).contains(naming);
    }
}
