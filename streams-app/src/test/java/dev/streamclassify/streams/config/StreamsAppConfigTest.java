package dev.streamclassify.streams.config;

import dev.streamclassify.model.signing.SigningKeys;
import dev.streamclassify.model.signing.TrustedKeys;
import dev.streamclassify.streams.config.internal.BoundedRocksDbMemory;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamsAppConfigTest {

    @TempDir
    Path dir;

    @Test
    void defaultsAreValidAndMatchTheWireContract() {
        StreamsAppConfig c = StreamsAppConfig.of(Map.of());

        assertThat(c.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(c.applicationId()).isEqualTo("classify-streams");
        assertThat(c.imagesTopic()).isEqualTo("images");
        assertThat(c.predictionsTopic()).isEqualTo("predictions");
        assertThat(c.dlqTopic()).isEqualTo("images-dlq");
        assertThat(c.modelsTopic()).isEqualTo("models");
        assertThat(c.modelName()).isEqualTo("default");
        assertThat(c.backbone()).isEqualTo("default");
        assertThat(c.batchMaxSize()).isEqualTo(32);
        assertThat(c.batchMaxDelay()).isEqualTo(Duration.ofMillis(20));
        assertThat(c.processingGuarantee()).isEqualTo("at_least_once");
        assertThat(c.exactlyOnce()).isFalse();
        assertThat(c.numStreamThreads()).isEqualTo(1);
        assertThat(c.imageMaxBytes()).isEqualTo(4_194_304);
        assertThat(c.imageMaxPixels()).isEqualTo(16_000_000L);
        assertThat(c.topK()).isEqualTo(3);
        assertThat(c.httpPort()).isEqualTo(8080);
        assertThat(c.stateDir()).isEmpty();
        assertThat(c.createTopics()).isTrue();
        assertThat(c.topicPartitions()).isEqualTo(3);
        assertThat(c.replicationFactor()).isEmpty();
        assertThat(c.streamsProperties()).containsEntry("application.id", "classify-streams")
                .containsEntry("processing.guarantee", "at_least_once")
                .containsEntry("producer.max.request.size", 4_194_304 + 65_536);
    }

    @Test
    void failsNamingTheSettingWhenAValueIsOutOfRange() {
        assertThatThrownBy(() -> StreamsAppConfig.of(Map.of("batch.max.size", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("batch.max.size");
        assertThatThrownBy(() -> StreamsAppConfig.of(Map.of("batch.max.delay.ms", "60001")))
                .hasMessageContaining("batch.max.delay.ms");
        assertThatThrownBy(() -> StreamsAppConfig.of(Map.of("processing.guarantee", "exactly_once")))
                .hasMessageContaining("processing.guarantee");
        assertThatThrownBy(() -> StreamsAppConfig.of(Map.of("http.port", "many")))
                .hasMessageContaining("http.port");
        assertThatThrownBy(() -> StreamsAppConfig.of(Map.of("model.name", "no spaces allowed")))
                .hasMessageContaining("model.name");
    }

    @Test
    void automaticPromotionAndLabelledImageForwardingAreOffByDefaultAndPromotionNeedsReachableEvidence() {
        StreamsAppConfig c = StreamsAppConfig.of(Map.of());
        assertThat(c.promotionEnabled()).isFalse();
        assertThat(c.forwardLabelledImages()).isFalse();
        assertThat(c.controlTopic()).isEqualTo("control");
        assertThat(c.statusTopic()).isEqualTo("training-status");
        assertThat(c.trainingImagesTopic()).isEqualTo("training-images");
        assertThatThrownBy(() -> StreamsAppConfig.of(Map.of("promotion.enabled", "true", "promotion.min.labelled", "2000",
                "quality.window.size", "1000")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("promotion.min.labelled").hasMessageContaining("quality.window.size");
        assertThatThrownBy(() -> StreamsAppConfig.of(Map.of("promotion.min.margin", "1.5")))
                .hasMessageContaining("promotion.min.margin");
        assertThat(StreamsAppConfig.of(Map.of("promotion.min.labelled", "2000", "quality.window.size", "1000")).promotionMinLabelled())
                .as("checked only when promotion is on").isEqualTo(2000);
    }

    @Test
    void failsNamingTheEnvironmentVariableABadValueCameFrom() {
        assertThatThrownBy(() -> StreamsAppConfig.load(null, Map.of("CLASSIFY_TOP_K", "-1"), new Properties()))
                .hasMessageContaining("top.k")
                .hasMessageContaining("CLASSIFY_TOP_K");
    }

    @Test
    void environmentOverridesTheFileAndSystemPropertiesOverrideTheEnvironment() throws IOException {
        Path file = dir.resolve("app.properties");
        Files.writeString(file, "batch.max.size=8\nimages.topic=from-file\ntop.k=5\n");
        Properties system = new Properties();
        system.setProperty("classify.top.k", "7");
        system.setProperty("unrelated.property", "ignored");

        StreamsAppConfig c = StreamsAppConfig.load(file,
                Map.of("CLASSIFY_BATCH_MAX_SIZE", "16", "CLASSIFY_TOP_K", "6", "PATH", "/usr/bin"), system);

        assertThat(c.batchMaxSize()).isEqualTo(16);
        assertThat(c.imagesTopic()).isEqualTo("from-file");
        assertThat(c.topK()).isEqualTo(7);
    }

    @Test
    void passesKafkaPrefixedSettingsThroughWithoutThePrefix() {
        StreamsAppConfig c = StreamsAppConfig.load(null,
                Map.of("CLASSIFY_KAFKA_COMMIT_INTERVAL_MS", "250", "CLASSIFY_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"),
                new Properties());

        assertThat(c.kafkaOverrides()).containsEntry("commit.interval.ms", "250");
        assertThat(c.streamsProperties()).containsEntry("commit.interval.ms", "250");
        assertThat(c.consumerProperties()).containsEntry("security.protocol", "PLAINTEXT")
                .doesNotContainKey("commit.interval.ms");
    }

    @Test
    void failsNamingAKafkaSettingWithABadValue() {
        assertThatThrownBy(() -> StreamsAppConfig.of(Map.of("kafka.commit.interval.ms", "soon")))
                .hasMessageContaining("kafka.commit.interval.ms");
        assertThatThrownBy(() -> StreamsAppConfig.of(Map.of("kafka.producer.acks", "some")))
                .hasMessageContaining("kafka.producer.acks");
    }

    @Test
    void refusesAKafkaSettingThatDuplicatesOneOfOurs() {
        assertThatThrownBy(() -> StreamsAppConfig.of(Map.of("kafka.application.id", "x")))
                .hasMessageContaining("kafka.application.id")
                .hasMessageContaining("set application.id instead");
    }

    @Test
    void refusesAnUnknownSettingInTheFile() throws IOException {
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "batch.max.sise=8\n");

        assertThatThrownBy(() -> StreamsAppConfig.load(file, Map.of(), new Properties()))
                .hasMessageContaining("batch.max.sise");
    }

    @Test
    void mapsSettingNamesToEnvironmentVariables() {
        assertThat(StreamsAppConfig.envName("batch.max.delay.ms")).isEqualTo("CLASSIFY_BATCH_MAX_DELAY_MS");
    }

    @Test
    void settingsTableListsEverySettingWithItsDefault() {
        String md = StreamsAppConfig.markdownTable();

        for (String name : StreamsAppConfig.configDef().names()) {
            assertThat(md).contains("| `" + name + "` | `" + StreamsAppConfig.envName(name) + "` |");
        }
        assertThat(md).contains("| `batch.max.size` | `CLASSIFY_BATCH_MAX_SIZE` | int | `32` | [1,...,1024] |");
        assertThat(md).contains("`kafka.*`");
    }

    @Test
    void modelWatcherAndAdminGetTheConsumerAndAdminPrefixedKafkaSettings() {
        StreamsAppConfig c = StreamsAppConfig.of(Map.of("kafka.security.protocol", "SASL_SSL",
                "kafka.consumer.sasl.jaas.config", "consumer-login", "kafka.admin.sasl.jaas.config", "admin-login",
                "kafka.consumer.ssl.truststore.location", "/etc/ca.p12"));

        assertThat(c.consumerProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", "consumer-login").containsEntry("ssl.truststore.location", "/etc/ca.p12");
        assertThat(c.adminProperties()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.jaas.config", "admin-login");
        assertThat(c.streamsProperties()).containsEntry("consumer.sasl.jaas.config", "consumer-login");
    }

    @Test
    void configurationPageShowsTheCurrentSettingsTable() throws IOException {
        String page = Files.readString(Path.of("..", "docs", "configuration.md"));

        assertThat(page).as("docs/configuration.md is regenerated with --settings-markdown").contains(StreamsAppConfig.markdownTable());
    }

    @Test
    void boundsRocksDbMemoryByDefaultUnlessTurnedOffOrReplacedByAKafkaSetting() {
        assertThat(StreamsAppConfig.of(Map.of()).streamsProperties())
                .containsEntry("rocksdb.config.setter", BoundedRocksDbMemory.class)
                .containsEntry(BoundedRocksDbMemory.MAX_BYTES_CONFIG, 64L * 1024 * 1024);
        assertThat(StreamsAppConfig.of(Map.of("rocksdb.memory.max.bytes", "0")).streamsProperties())
                .doesNotContainKeys("rocksdb.config.setter", BoundedRocksDbMemory.MAX_BYTES_CONFIG);
        assertThat(StreamsAppConfig.of(Map.of("kafka.rocksdb.config.setter", OperatorsOwnSetter.class.getName())).streamsProperties())
                .containsEntry("rocksdb.config.setter", OperatorsOwnSetter.class.getName())
                .doesNotContainKey(BoundedRocksDbMemory.MAX_BYTES_CONFIG);
    }

    /** Stands for an operator's own RocksDB tuning, given as kafka.rocksdb.config.setter. */
    public static final class OperatorsOwnSetter implements RocksDBConfigSetter {
        @Override
        public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        }

        @Override
        public void close(String storeName, Options options) {
        }
    }

    @Test
    void sizesRecordLimitsForTheLargestAllowedImage() {
        StreamsAppConfig c = StreamsAppConfig.of(Map.of("image.max.bytes", "10000000", "state.dir", "/var/lib/classify",
                "topics.replication.factor", "3"));

        assertThat(c.maxRecordBytes()).isEqualTo(10_000_000 + 65_536);
        assertThat(c.streamsProperties()).containsEntry("producer.max.request.size", 10_000_000 + 65_536)
                .containsEntry("state.dir", "/var/lib/classify")
                .containsEntry("replication.factor", 3);
        assertThat(c.stateDir()).isEqualTo(Optional.of("/var/lib/classify"));
    }

    @Test
    void refusesToStartWithoutATrustedKeyUnlessUnsignedVersionsAreExplicitlyAllowed() {
        assertThatThrownBy(() -> StreamsAppConfig.of(Map.of()).modelTrust(Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining(StreamsAppConfig.MODELS_TRUSTED_KEYS);
        assertThatThrownBy(() -> StreamsAppConfig.of(Map.of(StreamsAppConfig.MODELS_TRUSTED_KEYS, "bm90LWEta2V5")).modelTrust(Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bm90LWEta2V5");

        assertThat(StreamsAppConfig.of(Map.of(StreamsAppConfig.MODELS_ALLOW_UNSIGNED, "true")).modelTrust(Map.of()).allowsUnsigned()).isTrue();
    }

    @Test
    void trustsSeveralKeysFromTextFilesAndTheEnvironmentForRotation() throws IOException {
        KeyPair old = SigningKeys.generate();
        KeyPair next = SigningKeys.generate();
        Path pub = Files.writeString(dir.resolve("next.pub"), SigningKeys.publicPem(next.getPublic()));
        KeyPair third = SigningKeys.generate();
        String keys = SigningKeys.publicBase64(old.getPublic()) + ",file:" + pub + ",env:THIRD_KEY";

        TrustedKeys trust = StreamsAppConfig.of(Map.of(StreamsAppConfig.MODELS_TRUSTED_KEYS, keys))
                .modelTrust(Map.of("THIRD_KEY", SigningKeys.publicBase64(third.getPublic())));

        assertThat(trust.keyIds()).containsExactlyInAnyOrder(SigningKeys.keyId(old.getPublic()), SigningKeys.keyId(next.getPublic()),
                SigningKeys.keyId(third.getPublic()));
        assertThat(trust.allowsUnsigned()).isFalse();
    }
}
