package dev.streamclassify.demo;

import dev.streamclassify.kafka.testkit.EmbeddedKafkaBroker;
import dev.streamclassify.kafka.testkit.SaslSsl;
import dev.streamclassify.kafka.testkit.TestCertificates;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.testing.TestKeys;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.streams.StreamsApp;
import dev.streamclassify.trainer.cli.TrainerCli;
import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import dev.streamclassify.trainer.control.service.TrainerService;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The whole loop on a broker that only takes TLS connections authenticated with SCRAM and enforces the ACLs of
 * docs/security.md, each service as its own user: {@code trainer publish} (settings from the trainer's file),
 * classification, a retrain through the control topic and an activation. Every client of both services connects
 * with the settings given once as {@code kafka.*}; a client without credentials gets nothing in, and streams-app's
 * user cannot write a model version.
 */
class SecureLoopTest {

    private static final List<String> CLASSES = List.of("Sandal", "Bag");

    @TempDir
    Path work;

    @Test
    void publishClassifyRetrainAndActivateOverSaslSsl() throws Exception {
        SaslSsl security = new SaslSsl(TestCertificates.create(work.resolve("tls")),
                Map.of("streams-app", "streams-secret", "trainer", "trainer-secret", "operator", "operator-secret")).withAuthorizer();
        Path artifact = work.resolve("v1.scmv");
        assertThat(TrainerCli.run("train", "--data", "sample", "--classes", "5,8", "--per-class", "10", "--epochs", "3",
                "--min-updates", "30", "--cache-dir", work.resolve("cli-cache").toString(), "--out", artifact.toString())).isZero();

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, null, security);
             Backbone backbone = Backbones.loadDefault()) {
            LoopFixture loop = new LoopFixture(broker.bootstrapServers(), security.clientProperties("operator"), work);
            try (Admin admin = Admin.create(withBootstrap(security.clientProperties(SaslSsl.BROKER_USER), broker))) {
                DocumentedAcls.create(admin, DocumentedAcls.streamsApp("streams-app", loop.streamsApp().applicationId()));
                DocumentedAcls.create(admin, DocumentedAcls.trainer("trainer", loop.trainer().groupId()));
                DocumentedAcls.create(admin, DocumentedAcls.user("operator"));
            }
            try (StreamsApp app = new StreamsApp(loop.streamsApp(security.clientProperties("streams-app")), backbone);
                 TrainerService trainer = new TrainerService(loop.trainer(security.clientProperties("trainer")), backbone)) {
                app.start();
                trainer.start();

                // publish: the command line reads the trainer's settings file, TLS and SASL included
                Path settings = work.resolve("trainer.properties");
                Properties file = new Properties();
                file.put("bootstrap.servers", broker.bootstrapServers());
                file.put("models.signing.key", TestKeys.signingKeySetting());
                security.clientProperties("trainer").forEach((k, v) -> file.put("kafka." + k, String.valueOf(v)));
                try (OutputStream out = Files.newOutputStream(settings)) {
                    file.store(out, "trainer settings");
                }
                assertThat(TrainerCli.run("publish", artifact.toString(), "--config", settings.toString())).isZero();
                assertThat(app.awaitModel(LoopFixture.DEADLINE)).hasValueSatisfying(m -> assertThat(m.id()).isEqualTo("default:v1"));

                try (KafkaProducer<String, byte[]> producer = loop.producer()) {
                    // classify
                    Set<String> first = LoopFixture.produceImages(producer, "v1-", LoopFixture.images(CLASSES, 0, 10));
                    producer.flush();
                    assertThat(loop.awaitPredictionVersions(first).values()).containsOnly(1L);

                    // retrain through the control topic, then activate its version
                    loop.produceTrainingImages(producer, LoopFixture.images(CLASSES, 20, 15));
                    LoopFixture.command(producer, "secure-retrain",
                            "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"epochs\":5}");
                    StatusEvent retrained = loop.awaitOutcome("secure-retrain");
                    assertThat(retrained.state()).as(retrained.message()).isEqualTo(State.SUCCEEDED);
                    assertThat(retrained.modelVersion()).isEqualTo(2L);
                    LoopFixture.command(producer, "secure-activate", "{\"command\":\"activate\",\"model\":\"default\",\"version\":2}");
                    assertThat(loop.awaitOutcome("secure-activate").state()).isEqualTo(State.SUCCEEDED);
                    LoopFixture.await("streams-app to serve v2", () -> app.currentModel().map(m -> m.version() == 2).orElse(false));

                    Set<String> second = LoopFixture.produceImages(producer, "v2-", LoopFixture.images(CLASSES, 40, 10));
                    producer.flush();
                    assertThat(loop.awaitPredictionVersions(second).values()).containsOnly(2L);
                }

                // a client without credentials cannot write a command
                Map<String, Object> anonymous = new HashMap<>();
                anonymous.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
                anonymous.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
                try (KafkaProducer<String, byte[]> intruder = new KafkaProducer<>(anonymous, new StringSerializer(), new ByteArraySerializer())) {
                    assertThatThrownBy(() -> intruder.send(new ProducerRecord<>("control", "evil",
                            "{\"command\":\"activate\",\"model\":\"default\",\"version\":1}".getBytes())).get(30, TimeUnit.SECONDS))
                            .hasMessageContaining("not present in metadata");
                }
                // the classifier's own user may read models but not write them
                Map<String, Object> classifier = withBootstrap(security.clientProperties("streams-app"), broker);
                classifier.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
                try (KafkaProducer<String, byte[]> compromised = new KafkaProducer<>(classifier, new StringSerializer(), new ByteArraySerializer())) {
                    assertThatThrownBy(() -> compromised.send(new ProducerRecord<>("models", "active/default",
                            "{}".getBytes())).get(30, TimeUnit.SECONDS)).hasRootCauseInstanceOf(TopicAuthorizationException.class);
                }
                assertThat(loop.versions("default")).hasSize(2);
            }
        }
    }

    private static Map<String, Object> withBootstrap(Map<String, Object> client, EmbeddedKafkaBroker broker) {
        Map<String, Object> p = new HashMap<>(client);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return p;
    }
}
