package dev.streamclassify.service;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Loads the settings a service declares in a {@link ConfigDef} from layered sources, later ones winning: a properties
 * file, environment variables {@code <envPrefix><NAME>} (upper case, dots as underscores), then system properties
 * {@code <systemPropertyPrefix><name>}. Names prefixed {@value #KAFKA_PREFIX} pass through, without the prefix, to the
 * Kafka clients; in the environment they are spelled {@code <envPrefix>KAFKA_<NAME>}.
 *
 * <p>Every value is parsed and validated against its declaration. Loading fails on the first bad, unknown or
 * shadowed setting with a {@link ConfigException} that names it and where it came from, e.g.
 * {@code Invalid setting 'top.k' (environment variable CLASSIFY_TOP_K): ...}. The service's config class keeps the
 * declarations and builds itself from the {@link Loaded} result. Immutable and thread-safe.
 */
public final class LayeredSettings {

    public static final String KAFKA_PREFIX = "kafka.";

    /** Checks the value of a pass-through setting, named without the {@value #KAFKA_PREFIX} prefix. */
    @FunctionalInterface
    public interface KafkaCheck {

        /** @throws ConfigException if the value is bad; its message is reported after the setting's name and source */
        void check(String name, String value);
    }

    /**
     * What loading produced: the declared settings that were given, the pass-through settings (prefix removed), and
     * where each given declared setting came from.
     */
    public record Loaded(Map<String, String> declared, Map<String, String> kafka, Map<String, String> sources) {

        public Loaded {
            declared = Map.copyOf(declared);
            kafka = Map.copyOf(kafka);
            sources = Map.copyOf(sources);
        }

        /** Where a declared setting came from, e.g. {@code environment variable TRAINER_DATA_ROOT}; "default" if not given. */
        public String source(String name) {
            return sources.getOrDefault(name, "default");
        }
    }

    private record Setting(String value, String source) {
    }

    private final ConfigDef def;
    private final String envPrefix;
    private final String systemPropertyPrefix;
    private final Map<String, String> shadowed;
    private final KafkaCheck kafkaCheck;

    private LayeredSettings(ConfigDef def, String envPrefix, String systemPropertyPrefix, Map<String, String> shadowed,
                            KafkaCheck kafkaCheck) {
        this.def = def;
        this.envPrefix = Objects.requireNonNull(envPrefix, "envPrefix");
        this.systemPropertyPrefix = Objects.requireNonNull(systemPropertyPrefix, "systemPropertyPrefix");
        this.shadowed = Map.copyOf(shadowed);
        this.kafkaCheck = Objects.requireNonNull(kafkaCheck, "kafkaCheck");
    }

    /**
     * The settings {@code def} declares (copied: later changes to it are not seen), read from environment variables
     * {@code envPrefix + NAME} and system properties {@code systemPropertyPrefix + name}. Pass-through settings are
     * not checked and none is shadowed until {@link #withKafkaCheck} and {@link #withShadowed} say otherwise.
     */
    public static LayeredSettings of(ConfigDef def, String envPrefix, String systemPropertyPrefix) {
        return new LayeredSettings(new ConfigDef(def), envPrefix, systemPropertyPrefix, Map.of(), (name, value) -> {
        });
    }

    /**
     * Refuses pass-through settings that a declared setting already covers.
     *
     * @param duplicates Kafka setting names (without the prefix), each with what the error says it duplicates:
     *     {@code Setting 'kafka.group.id' (source) duplicates <text>}
     */
    public LayeredSettings withShadowed(Map<String, String> duplicates) {
        return new LayeredSettings(def, envPrefix, systemPropertyPrefix, duplicates, kafkaCheck);
    }

    /** Checks each pass-through value with {@code check}. */
    public LayeredSettings withKafkaCheck(KafkaCheck check) {
        return new LayeredSettings(def, envPrefix, systemPropertyPrefix, shadowed, check);
    }

    /** {@code batch.max.size} becomes {@code <envPrefix>BATCH_MAX_SIZE}. */
    public String envName(String setting) {
        return envPrefix + setting.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /**
     * The settings table of docs/configuration.md, generated from the declarations so that it cannot drift from them:
     * one row per setting, then the {@value #KAFKA_PREFIX}* pass-through with {@code kafkaValues} and {@code kafkaDoc}.
     * Both apps' tables come from here, so they read alike.
     */
    public String markdownTable(String kafkaValues, String kafkaDoc) {
        MarkdownTable table = new MarkdownTable("Setting", "Environment variable", "Type", "Default", "Valid values", "Description");
        for (ConfigDef.ConfigKey key : def.configKeys().values()) {
            table.row(MarkdownTable.code(key.name), MarkdownTable.code(envName(key.name)), key.type.name().toLowerCase(Locale.ROOT),
                    key.hasDefault() ? MarkdownTable.code(shown(key.defaultValue)) : "(required)",
                    key.validator == null ? "" : MarkdownTable.escape(key.validator.toString()),
                    MarkdownTable.escape(key.documentation));
        }
        return table.row(MarkdownTable.code(KAFKA_PREFIX + "*"), MarkdownTable.code(envName(KAFKA_PREFIX) + "*"), "", "",
                kafkaValues, kafkaDoc).toString();
    }

    /** A default as a user would type it: lists comma-separated, as the settings file takes them. */
    private static String shown(Object value) {
        return value instanceof List<?> list ? String.join(",", list.stream().map(String::valueOf).toList()) : String.valueOf(value);
    }

    /** Settings given directly, e.g. by tests: declared names and {@code kafka.*} pass-through, each sourced "setting name". */
    public Loaded given(Map<String, ?> settings) {
        Map<String, Setting> sourced = new LinkedHashMap<>();
        settings.forEach((k, v) -> sourced.put(k, new Setting(String.valueOf(v), "setting " + k)));
        return check(sourced);
    }

    /**
     * Reads the file (if any, {@code null} for none), then the environment, then system properties; system
     * properties without the prefix, and environment variables that name no setting, are ignored.
     *
     * @throws ConfigException naming the first unreadable file, or bad or unknown setting and its source
     */
    public Loaded load(Path file, Map<String, String> env, Properties systemProperties) {
        Map<String, Setting> sourced = new LinkedHashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(in);
            } catch (IOException e) {
                throw new ConfigException("Cannot read config file " + file + ": " + e.getMessage());
            }
            for (String name : new TreeSet<>(p.stringPropertyNames())) {
                if (!def.configKeys().containsKey(name) && !name.startsWith(KAFKA_PREFIX)) {
                    throw new ConfigException("Unknown setting '" + name + "' in " + file + "; known settings: "
                            + new TreeMap<>(def.configKeys()).keySet() + " and kafka.* pass-through");
                }
                sourced.put(name, new Setting(p.getProperty(name), "file " + file));
            }
        }
        for (String name : def.names()) {
            String value = env.get(envName(name));
            if (value != null) {
                sourced.put(name, new Setting(value, "environment variable " + envName(name)));
            }
        }
        String kafkaEnv = envPrefix + "KAFKA_";
        env.forEach((var, value) -> {
            if (var.startsWith(kafkaEnv)) {
                String name = KAFKA_PREFIX + var.substring(kafkaEnv.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                sourced.put(name, new Setting(value, "environment variable " + var));
            }
        });
        for (String prop : new TreeSet<>(systemProperties.stringPropertyNames())) {
            if (!prop.startsWith(systemPropertyPrefix)) {
                continue;
            }
            String name = prop.substring(systemPropertyPrefix.length());
            if (def.configKeys().containsKey(name) || name.startsWith(KAFKA_PREFIX)) {
                sourced.put(name, new Setting(systemProperties.getProperty(prop), "system property " + prop));
            }
        }
        return check(sourced);
    }

    private Loaded check(Map<String, Setting> sourced) {
        Map<String, String> declared = new HashMap<>();
        Map<String, String> kafka = new HashMap<>();
        Map<String, String> sources = new HashMap<>();
        for (var e : sourced.entrySet()) {
            String name = e.getKey();
            Setting s = e.getValue();
            if (def.configKeys().containsKey(name)) {
                try {
                    validate(def, name, s.value());
                } catch (ConfigException ex) {
                    throw invalid(name, s, ex);
                }
                declared.put(name, s.value());
                sources.put(name, s.source());
            } else if (name.startsWith(KAFKA_PREFIX)) {
                String kafkaName = name.substring(KAFKA_PREFIX.length());
                String duplicated = shadowed.get(kafkaName);
                if (duplicated != null) {
                    throw new ConfigException("Setting '" + name + "' (" + s.source() + ") duplicates " + duplicated);
                }
                try {
                    kafkaCheck.check(kafkaName, s.value());
                } catch (ConfigException ex) {
                    throw invalid(name, s, ex);
                }
                kafka.put(kafkaName, s.value());
            } else {
                throw new ConfigException("Unknown setting '" + name + "' (" + s.source() + ")");
            }
        }
        return new Loaded(declared, kafka, sources);
    }

    private static ConfigException invalid(String name, Setting s, ConfigException cause) {
        return new ConfigException("Invalid setting '" + name + "' (" + s.source() + "): " + cause.getMessage());
    }

    /**
     * Parses {@code value} as {@code def} declares {@code name} and runs its validator.
     *
     * @return false, having checked nothing, if {@code def} does not declare {@code name}
     * @throws ConfigException if the value does not parse or validate
     */
    public static boolean validate(ConfigDef def, String name, String value) {
        ConfigDef.ConfigKey key = def.configKeys().get(name);
        if (key == null) {
            return false;
        }
        Object parsed = ConfigDef.parseType(name, value, key.type);
        if (key.validator != null) {
            key.validator.ensureValid(name, parsed);
        }
        return true;
    }

    /**
     * Settings for a plain Kafka client: {@code bootstrapServers} plus those pass-through settings the client knows
     * (security, timeouts), so every client of a service connects alike; then those given with one of
     * {@code clientPrefixes} (e.g. {@code consumer.}), prefix removed, which override the shared ones.
     */
    public static Map<String, Object> clientProperties(Map<String, String> kafka, String bootstrapServers,
                                                       Set<String> clientConfigNames, String... clientPrefixes) {
        Map<String, Object> p = new HashMap<>();
        kafka.forEach((k, v) -> {
            if (clientConfigNames.contains(k)) {
                p.put(k, v);
            }
        });
        // as in Kafka Streams: a setting for one kind of client (consumer.ssl.keystore.location) wins over the shared one
        for (String prefix : clientPrefixes) {
            kafka.forEach((k, v) -> {
                if (k.startsWith(prefix) && clientConfigNames.contains(k.substring(prefix.length()))) {
                    p.put(k.substring(prefix.length()), v);
                }
            });
        }
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    /**
     * Declared settings with their effective values, sorted, for a start-up log; pass-through settings are listed as
     * {@code kafka.<name>=(set)}, without their values, which may be secrets.
     */
    public static Map<String, Object> describe(Map<String, ?> values, Map<String, String> kafka) {
        Map<String, Object> out = new TreeMap<>(values);
        for (String k : new TreeMap<>(kafka).keySet()) {
            out.put(KAFKA_PREFIX + k, "(set)");
        }
        return out;
    }
}
