package dev.streamclassify.trainer.control.service;

import dev.streamclassify.model.signing.SigningKeys;
import dev.streamclassify.trainer.streampool.StreamPool;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainerServiceConfigTest {

    @TempDir
    Path tmp;

    private static TrainerServiceConfig load(Path file, Map<String, String> env, Map<String, String> sys) {
        Properties p = new Properties();
        p.putAll(sys);
        return TrainerServiceConfig.load(file, env, p);
    }

    @Test
    void defaultsMatchTheWireContract() {
        TrainerServiceConfig c = load(null, Map.of(), Map.of());

        assertThat(c.groupId()).isEqualTo("trainer");
        assertThat(c.controlTopic()).isEqualTo("control");
        assertThat(c.statusTopic()).isEqualTo("training-status");
        assertThat(c.modelsTopic()).isEqualTo("models");
        assertThat(c.trainingImagesTopic()).isEqualTo("training-images");
        assertThat(c.httpPort()).isEqualTo(8081);
        assertThat(c.commandMaxBytes()).isEqualTo(65536);
        assertThat(c.holdoutFraction()).isEqualTo(0.2);
        assertThat(c.promotionMinDelta()).isEqualTo(0.0);
        assertThat(c.scheduleNewImages()).isZero();
        assertThat(c.dataRoot()).isEmpty();
        assertThat(c.backbone()).isEqualTo("default");
        assertThat(c.defaultHiddenLayers()).isEmpty();
    }

    @Test
    void fileThenEnvironmentThenSystemPropertiesWin() throws Exception {
        Path file = tmp.resolve("trainer.properties");
        Files.writeString(file, "http.port=9000\ngroup.id=from-file\nholdout.fraction=0.3\n");

        TrainerServiceConfig c = load(file, Map.of("TRAINER_HTTP_PORT", "9001", "TRAINER_GROUP_ID", "from-env"),
                Map.of("trainer.http.port", "9002", "unrelated.property", "x"));

        assertThat(c.httpPort()).isEqualTo(9002);
        assertThat(c.groupId()).isEqualTo("from-env");
        assertThat(c.holdoutFraction()).isEqualTo(0.3);
    }

    @Test
    void badValueFailsNamingTheSettingAndItsSource() {
        assertThatThrownBy(() -> load(null, Map.of("TRAINER_HTTP_PORT", "70000"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'http.port'").hasMessageContaining("environment variable TRAINER_HTTP_PORT");
        assertThatThrownBy(() -> load(null, Map.of(), Map.of("trainer.holdout.fraction", "1.5")))
                .hasMessageContaining("'holdout.fraction'").hasMessageContaining("system property trainer.holdout.fraction");
        assertThatThrownBy(() -> TrainerServiceConfig.of(Map.of(TrainerServiceConfig.PROMOTION_MIN_DELTA, "lots")))
                .hasMessageContaining("'promotion.min.delta'");
        assertThatThrownBy(() -> TrainerServiceConfig.of(Map.of(TrainerServiceConfig.HEAD_HIDDEN_LAYERS, "64,0")))
                .hasMessageContaining("'head.hidden.layers'");
        assertThatThrownBy(() -> TrainerServiceConfig.of(Map.of(TrainerServiceConfig.CONTROL_TOPIC, "bad topic")))
                .hasMessageContaining("'control.topic'");
        assertThatThrownBy(() -> TrainerServiceConfig.of(Map.of(TrainerServiceConfig.SCHEDULE_NEW_IMAGES, "-1")))
                .hasMessageContaining("'schedule.new.images'");
    }

    @Test
    void unknownSettingInTheFileFailsNamingIt() throws Exception {
        Path file = tmp.resolve("typo.properties");
        Files.writeString(file, "http.prot=9000\n");

        assertThatThrownBy(() -> load(file, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("Unknown setting 'http.prot'");
    }

    @Test
    void theStreamPoolIsOffByDefaultAndItsByteBoundMustHoldOneImageOfTheBackbone() {
        assertThat(load(null, Map.of(), Map.of()).poolSettings(1024)).isEmpty();

        TrainerServiceConfig on = load(null, Map.of("TRAINER_POOL_MAX_IMAGES", "500", "TRAINER_POOL_MAX_BYTES", "5000",
                "TRAINER_IMAGES_TOPIC", "camera"), Map.of());

        assertThat(on.poolSettings(1024)).contains(new StreamPool.Settings("camera", 500, 5000));
        assertThat(on.commandRules(java.util.Optional.empty()).poolMaxImages()).isEqualTo(500);
        assertThatThrownBy(() -> on.poolSettings(2048))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("pool.max.bytes")
                .hasMessageContaining("8392 bytes per image");
        assertThatThrownBy(() -> load(null, Map.of("TRAINER_POOL_MAX_IMAGES", "-1"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pool.max.images");
    }

    @Test
    void dataRootMustBeAnExistingDirectory() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");

        assertThatThrownBy(() -> load(null, Map.of("TRAINER_DATA_ROOT", file.toString()), Map.of()))
                .hasMessageContaining("'data.root'").hasMessageContaining("TRAINER_DATA_ROOT").hasMessageContaining("is not a directory");
        assertThatThrownBy(() -> TrainerServiceConfig.of(Map.of(TrainerServiceConfig.DATA_ROOT, tmp.resolve("missing").toString())))
                .hasMessageContaining("'data.root'");
        assertThat(TrainerServiceConfig.of(Map.of(TrainerServiceConfig.DATA_ROOT, tmp.toString())).dataRoot()).contains(tmp.toAbsolutePath());
    }

    @Test
    void kafkaSettingsPassThroughCheckedByTheClientsOwnDeclarations() {
        TrainerServiceConfig c = load(null, Map.of("TRAINER_KAFKA_SECURITY_PROTOCOL", "SSL"), Map.of("trainer.kafka.request.timeout.ms", "5000"));

        assertThat(c.clientProperties(ConsumerConfig.configNames()))
                .containsEntry("security.protocol", "SSL").containsEntry("request.timeout.ms", "5000")
                .containsEntry("bootstrap.servers", "localhost:9092");
        assertThat(c.describe()).containsEntry("kafka.security.protocol", "(set)");
        assertThatThrownBy(() -> TrainerServiceConfig.of(Map.of("kafka.request.timeout.ms", "soon")))
                .hasMessageContaining("'kafka.request.timeout.ms'");
        assertThatThrownBy(() -> TrainerServiceConfig.of(Map.of("kafka.group.id", "g")))
                .hasMessageContaining("duplicates group.id");
        assertThatThrownBy(() -> TrainerServiceConfig.of(Map.of("unknown", "x"))).hasMessageContaining("Unknown setting 'unknown'");
    }

    @Test
    void securitySettingsReachEveryKindOfClientAndClientPrefixesOverrideThem() {
        TrainerServiceConfig c = TrainerServiceConfig.of(Map.of("kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", "SCRAM-SHA-256", "kafka.ssl.truststore.location", "/etc/ca.p12",
                "kafka.producer.sasl.jaas.config", "producer-login", "kafka.consumer.sasl.jaas.config", "consumer-login",
                "kafka.admin.request.timeout.ms", "7000"));

        for (Map<String, Object> client : List.of(c.consumerProperties(), c.producerProperties(), c.adminProperties())) {
            assertThat(client).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-256")
                    .containsEntry("ssl.truststore.location", "/etc/ca.p12");
        }
        assertThat(c.producerProperties()).containsEntry("sasl.jaas.config", "producer-login");
        assertThat(c.consumerProperties()).containsEntry("sasl.jaas.config", "consumer-login").doesNotContainKey("request.timeout.ms");
        assertThat(c.adminProperties()).containsEntry("request.timeout.ms", "7000");
        assertThatThrownBy(() -> TrainerServiceConfig.of(Map.of("kafka.consumer.fetch.max.bytes", "lots")))
                .hasMessageContaining("'kafka.consumer.fetch.max.bytes'");
    }

    @Test
    void settingsTableListsEverySettingWithItsEnvironmentName() {
        String table = TrainerServiceConfig.markdownTable();

        for (String name : TrainerServiceConfig.configDef().names()) {
            assertThat(table).contains("| `" + name + "` | `" + TrainerServiceConfig.envName(name) + "` |");
        }
        assertThat(TrainerServiceConfig.envName("schedule.new.images")).isEqualTo("TRAINER_SCHEDULE_NEW_IMAGES");
    }

    @Test
    void commandDefaultsComeFromTheConfig() {
        TrainerServiceConfig c = TrainerServiceConfig.of(Map.of(TrainerServiceConfig.HEAD_HIDDEN_LAYERS, "128, 32",
                TrainerServiceConfig.HEAD_DROPOUT, "0.25", TrainerServiceConfig.TRAINING_SEED, "5"));

        assertThat(c.defaultHiddenLayers()).isEqualTo(List.of(128, 32));
        assertThat(c.head(List.of(8)).dropout()).isEqualTo(0.25);
        assertThat(c.trainSettings(7).epochs()).isEqualTo(7);
        assertThat(c.trainSettings(7).seed()).isEqualTo(5);
    }

    @Test
    void refusesToSignNothingUnlessUnsignedVersionsAreExplicitlyAllowed() {
        assertThatThrownBy(() -> TrainerServiceConfig.of(Map.of()).modelSigner(Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining(TrainerServiceConfig.MODELS_SIGNING_KEY);

        TrainerServiceConfig dev = TrainerServiceConfig.of(Map.of(TrainerServiceConfig.MODELS_ALLOW_UNSIGNED, "true"));
        assertThat(dev.modelSigner(Map.of())).isEmpty();
        assertThat(dev.modelTrust(Map.of()).allowsUnsigned()).isTrue();
    }

    @Test
    void readsTheSigningKeyFromTheEnvironmentAndTrustsItsOwnPublicKey() {
        KeyPair pair = SigningKeys.generate();
        Map<String, String> env = Map.of("SIGNING_KEY", SigningKeys.privatePem(pair.getPrivate()));
        TrainerServiceConfig c = TrainerServiceConfig.of(Map.of(TrainerServiceConfig.MODELS_SIGNING_KEY, "env:SIGNING_KEY"));

        assertThat(c.modelSigner(env)).hasValueSatisfying(s -> assertThat(s.keyId()).isEqualTo(SigningKeys.keyId(pair.getPublic())));
        assertThat(c.modelTrust(env).keyIds()).containsExactly(SigningKeys.keyId(pair.getPublic()));
        assertThat(c.modelTrust(env).allowsUnsigned()).isFalse();
        assertThat(c.describe().toString()).doesNotContain("SIGNING_KEY");
    }
}
