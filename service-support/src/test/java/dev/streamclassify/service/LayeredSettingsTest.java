package dev.streamclassify.service;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LayeredSettingsTest {

    static final ConfigDef DEF = new ConfigDef()
            .define("batch.size", Type.INT, 8, Range.between(1, 100), Importance.HIGH, "Images per batch.")
            .define("topic", Type.STRING, "images", Validators.matching(Validators.TOPIC_NAME, "a legal topic name"),
                    Importance.HIGH, "Input topic.");

    static final LayeredSettings SETTINGS = LayeredSettings.of(DEF, "APP_", "app.")
            .withShadowed(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "our group"))
            .withKafkaCheck((name, value) -> LayeredSettings.validate(ConsumerConfig.configDef(), name, value));

    @TempDir
    Path dir;

    static Properties properties(String... keysAndValues) {
        Properties p = new Properties();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            p.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        return p;
    }

    @Test
    void laterSourcesWinAndEachSettingRemembersWhereItCameFrom() throws IOException {
        Path file = Files.writeString(dir.resolve("app.properties"), "batch.size=2\ntopic=from-file\n");

        LayeredSettings.Loaded loaded = SETTINGS.load(file, Map.of("APP_BATCH_SIZE", "3", "APP_TOPIC", "from-env", "PATH", "/bin"),
                properties("app.batch.size", "4", "other.property", "ignored"));

        assertThat(loaded.declared()).isEqualTo(Map.of("batch.size", "4", "topic", "from-env"));
        assertThat(loaded.source("batch.size")).isEqualTo("system property app.batch.size");
        assertThat(loaded.source("topic")).isEqualTo("environment variable APP_TOPIC");
        assertThat(SETTINGS.load(file, Map.of(), new Properties()).source("topic")).isEqualTo("file " + file);
        assertThat(SETTINGS.given(Map.of()).source("topic")).isEqualTo("default");
    }

    @Test
    void passesKafkaSettingsThroughWithoutThePrefixFromEverySource() throws IOException {
        Path file = Files.writeString(dir.resolve("app.properties"), "kafka.client.id=from-file\n");

        LayeredSettings.Loaded loaded = SETTINGS.load(file, Map.of("APP_KAFKA_SECURITY_PROTOCOL", "SSL"),
                properties("app.kafka.request.timeout.ms", "5000"));

        assertThat(loaded.kafka()).isEqualTo(Map.of("client.id", "from-file", "security.protocol", "SSL",
                "request.timeout.ms", "5000"));
        assertThat(loaded.declared()).isEmpty();
    }

    @Test
    void failsNamingTheSettingAndItsSourceWhenAValueIsBad() {
        assertThatThrownBy(() -> SETTINGS.load(null, Map.of("APP_BATCH_SIZE", "0"), new Properties()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid setting 'batch.size' (environment variable APP_BATCH_SIZE): Invalid value 0 for "
                        + "configuration batch.size: Value must be at least 1");
        assertThatThrownBy(() -> SETTINGS.load(null, Map.of(), properties("app.topic", "no spaces")))
                .hasMessage("Invalid setting 'topic' (system property app.topic): Invalid value no spaces for "
                        + "configuration topic: must be a legal topic name");
        assertThatThrownBy(() -> SETTINGS.given(Map.of("kafka.request.timeout.ms", "soon")))
                .hasMessage("Invalid setting 'kafka.request.timeout.ms' (setting kafka.request.timeout.ms): Invalid value "
                        + "soon for configuration request.timeout.ms: Not a number of type INT");
    }

    @Test
    void refusesUnknownAndShadowedSettings() throws IOException {
        Path file = Files.writeString(dir.resolve("typo.properties"), "batch.sise=2\n");

        assertThatThrownBy(() -> SETTINGS.load(file, Map.of(), new Properties()))
                .hasMessage("Unknown setting 'batch.sise' in " + file + "; known settings: [batch.size, topic] and kafka.* pass-through");
        assertThatThrownBy(() -> SETTINGS.given(Map.of("batch.sise", "2")))
                .hasMessage("Unknown setting 'batch.sise' (setting batch.sise)");
        assertThatThrownBy(() -> SETTINGS.load(null, Map.of("APP_KAFKA_GROUP_ID", "g"), new Properties()))
                .hasMessage("Setting 'kafka.group.id' (environment variable APP_KAFKA_GROUP_ID) duplicates our group");
    }

    @Test
    void failsNamingAConfigFileThatCannotBeRead() {
        Path missing = dir.resolve("missing.properties");

        assertThatThrownBy(() -> SETTINGS.load(missing, Map.of(), new Properties()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Cannot read config file " + missing + ": ");
    }

    @Test
    void ignoresSystemPropertiesAndEnvironmentVariablesThatNameNoSetting() {
        LayeredSettings.Loaded loaded = SETTINGS.load(null, Map.of("APP_NOTHING", "x"), properties("app.nothing", "x"));

        assertThat(loaded.declared()).isEmpty();
        assertThat(loaded.kafka()).isEmpty();
    }

    @Test
    void mapsSettingNamesToEnvironmentVariables() {
        assertThat(SETTINGS.envName("batch.size")).isEqualTo("APP_BATCH_SIZE");
    }

    @Test
    void validatesOnlyWhatTheDeclarationsKnow() {
        assertThat(LayeredSettings.validate(DEF, "batch.size", "5")).isTrue();
        assertThat(LayeredSettings.validate(DEF, "unknown", "anything")).isFalse();
        assertThatThrownBy(() -> LayeredSettings.validate(DEF, "batch.size", "many")).isInstanceOf(ConfigException.class);
    }

    @Test
    void givesEachClientTheServersAndThePassThroughSettingsItKnows() {
        Map<String, String> kafka = Map.of("security.protocol", "SSL", "commit.interval.ms", "100");

        assertThat(LayeredSettings.clientProperties(kafka, "broker:9092", ConsumerConfig.configNames()))
                .isEqualTo(Map.of("bootstrap.servers", "broker:9092", "security.protocol", "SSL"));
    }

    @Test
    void describesDeclaredValuesButHidesPassThroughValues() {
        assertThat(LayeredSettings.describe(Map.of("topic", "images"), Map.of("sasl.jaas.config", "secret")))
                .containsExactly(Map.entry("kafka.sasl.jaas.config", "(set)"), Map.entry("topic", "images"));
    }

    @Test
    void settingsTableHasARowPerSettingThenTheKafkaPassThrough() {
        ConfigDef def = new ConfigDef()
                .define("top.k", Type.INT, 3, Range.between(1, 1000), Importance.HIGH, "Best labels, <k> of them | at most 1000.")
                .define("trusted.keys", Type.LIST, "", Importance.LOW, "Keys.")
                .define("layers", Type.LIST, "256,64", Importance.LOW, "Sizes.");

        String md = LayeredSettings.of(def, "APP_", "app.").markdownTable("any client setting", "Passed on.");

        assertThat(md.lines().toList()).containsExactly(
                "| Setting | Environment variable | Type | Default | Valid values | Description |",
                "|---|---|---|---|---|---|",
                "| `top.k` | `APP_TOP_K` | int | `3` | [1,...,1000] | Best labels, &lt;k&gt; of them \\| at most 1000. |",
                "| `trusted.keys` | `APP_TRUSTED_KEYS` | list | \"\" |  | Keys. |",
                "| `layers` | `APP_LAYERS` | list | `256,64` |  | Sizes. |",
                "| `kafka.*` | `APP_KAFKA_*` |  |  | any client setting | Passed on. |");
    }
}
