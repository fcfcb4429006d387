package dev.streamclassify.trainer.control.service;

import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.trainer.control.intake.CommandParser;
import dev.streamclassify.trainer.control.intake.DataRoot;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.signing.SigningKeys;
import dev.streamclassify.model.signing.TrustedKeys;
import dev.streamclassify.model.signing.VersionSigner;
import dev.streamclassify.service.HttpSettings;
import dev.streamclassify.service.LayeredSettings;
import dev.streamclassify.service.Validators;
import dev.streamclassify.trainer.control.retrain.RetrainSettings;
import dev.streamclassify.trainer.streampool.StreamPool;
import dev.streamclassify.trainer.training.TrainSettings;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

import static dev.streamclassify.service.Validators.TOPIC_NAME;
import static dev.streamclassify.service.Validators.matching;

/**
 * Every setting of {@code trainer serve}, declared once with type, default, validator and doc. Sources, later ones
 * winning: a properties file, environment variables {@code TRAINER_<NAME>} (upper case, dots as underscores), then
 * system properties {@code trainer.<name>}. Settings prefixed {@value #KAFKA_PREFIX} go, without the prefix, to the
 * Kafka clients that know them (security, timeouts).
 *
 * <p>Loading fails with a {@link ConfigException} naming the bad setting and where it came from; directories are
 * checked too, so a typo fails at start-up and not on the first command. Immutable and thread-safe.
 */
public final class TrainerServiceConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String GROUP_ID = "group.id";
    public static final String CONTROL_TOPIC = "control.topic";
    public static final String STATUS_TOPIC = "status.topic";
    public static final String MODELS_TOPIC = "models.topic";
    public static final String TRAINING_IMAGES_TOPIC = CommandParser.Rules.TRAINING_IMAGES_TOPIC;
    public static final String IMAGES_TOPIC = CommandParser.Rules.IMAGES_TOPIC;
    public static final String UNLABELLED_MAX_IMAGES = "unlabelled.max.images";
    public static final String UNLABELLED_MAX_BYTES = "unlabelled.max.bytes";
    public static final String POOL_MAX_IMAGES = CommandParser.Rules.POOL_MAX_IMAGES;
    public static final String POOL_MAX_BYTES = "pool.max.bytes";
    public static final String DATA_ROOT = CommandParser.Rules.DATA_ROOT;
    public static final String CACHE_DIR = "cache.dir";
    public static final String BACKBONE = "backbone";
    public static final String HTTP_PORT = HttpSettings.PORT;
    public static final String HTTP_BIND_ADDRESS = HttpSettings.BIND_ADDRESS;
    public static final String HTTP_REQUEST_TIMEOUT_MS = HttpSettings.REQUEST_TIMEOUT_MS;
    public static final String COMMAND_MAX_BYTES = CommandParser.Rules.COMMAND_MAX_BYTES;
    public static final String HOLDOUT_FRACTION = "holdout.fraction";
    public static final String PROMOTION_MIN_DELTA = "promotion.min.delta";
    public static final String SCHEDULE_NEW_IMAGES = "schedule.new.images";
    public static final String SCHEDULE_MODEL = "schedule.model";
    public static final String TRAINING_EPOCHS = "training.epochs";
    public static final String TRAINING_MAX_EPOCHS = "training.max.epochs";
    public static final String TRAINING_MAX_IMAGES = "training.max.images";
    public static final String TRAINING_MAX_PIXELS = "training.max.pixels";
    public static final String TRAINING_BATCH_SIZE = "training.batch.size";
    public static final String TRAINING_MIN_UPDATES = "training.min.updates";
    public static final String TRAINING_SEED = "training.seed";
    public static final String HEAD_HIDDEN_LAYERS = "head.hidden.layers";
    public static final String HEAD_DROPOUT = "head.dropout";
    public static final String HEAD_LEARNING_RATE = "head.learning.rate";
    public static final String HEAD_L2 = "head.l2";
    public static final String QUEUE_MAX_COMMANDS = "queue.max.commands";
    public static final String CATCHUP_TIMEOUT_MS = "catchup.timeout.ms";
    public static final String SHUTDOWN_TIMEOUT_MS = "shutdown.timeout.ms";
    public static final String MODELS_SIGNING_KEY = "models.signing.key";
    public static final String MODELS_TRUSTED_KEYS = "models.trusted.keys";
    public static final String MODELS_ALLOW_UNSIGNED = "models.allow.unsigned";
    public static final String TOPICS_CREATE = "topics.create";
    public static final String TOPICS_REPLICATION_FACTOR = "topics.replication.factor";

    public static final String KAFKA_PREFIX = LayeredSettings.KAFKA_PREFIX;
    /** After {@value #KAFKA_PREFIX}: settings for one kind of client only, e.g. {@code kafka.consumer.fetch.max.bytes}. */
    public static final String CONSUMER_PREFIX = "consumer.";
    public static final String PRODUCER_PREFIX = "producer.";
    public static final String ADMIN_PREFIX = "admin.";
    public static final String ENV_PREFIX = "TRAINER_";
    public static final String SYSTEM_PROPERTY_PREFIX = "trainer.";

    /** Hidden layers wider than this are almost certainly a typo and would make the head larger than the backbone. */
    public static final int MAX_HIDDEN_UNITS = CommandParser.Rules.MAX_HIDDEN_UNITS;
    public static final int MAX_HIDDEN_LAYERS = CommandParser.Rules.MAX_HIDDEN_LAYERS;

    /** Kafka settings that one of ours already sets (with what the error says): two names for one thing would only confuse. */
    private static final Map<String, String> SHADOWED = Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP_SERVERS,
            ConsumerConfig.GROUP_ID_CONFIG, GROUP_ID,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "(always false: offsets are committed after each outcome)");

    private static final ConfigDef DEF = HttpSettings.define(new ConfigDef()
            .define(BOOTSTRAP_SERVERS, Type.STRING, "localhost:9092", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Kafka brokers to connect to, host:port[,host:port...].")
            .define(GROUP_ID, Type.STRING, "trainer", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Consumer group of the control topic: trainer instances sharing it run each command once.")
            .define(CONTROL_TOPIC, Type.STRING, "control", matching(TOPIC_NAME, "a legal topic name"), Importance.HIGH,
                    "Commands in: key = request id, value = JSON retrain or activate command.")
            .define(STATUS_TOPIC, Type.STRING, "training-status", matching(TOPIC_NAME, "a legal topic name"), Importance.HIGH,
                    "Status events out, keyed by request id. Also read back at start-up: a request id that succeeded "
                            + "or failed there never runs again, so keep it compacted.")
            .define(MODELS_TOPIC, Type.STRING, "models", matching(TOPIC_NAME, "a legal topic name"), Importance.HIGH,
                    "Compacted topic of model versions and activations; followed to number versions and gate promotion.")
            .define(TRAINING_IMAGES_TOPIC, Type.STRING, "training-images", matching(TOPIC_NAME, "a legal topic name"),
                    Importance.HIGH, "Labelled images: value = encoded image, header label = class name. The only topic "
                            + "a retrain command may name.")
            .define(IMAGES_TOPIC, Type.STRING, "images", matching(TOPIC_NAME, "a legal topic name"), Importance.MEDIUM,
                    "The stream's input images (streams-app's images topic): the only topic a retrain's unlabelled.topic "
                            + "may name. Only read, never written.")
            .define(UNLABELLED_MAX_IMAGES, Type.INT, 5000, Range.between(1, 100_000), Importance.MEDIUM,
                    "Most unlabelled images one retrain may learn from (unlabelled.max above this is rejected), and "
                            + "the pool size when a command gives none.")
            .define(UNLABELLED_MAX_BYTES, Type.LONG, 256L * 1024 * 1024, Range.between(1024, 16L * 1024 * 1024 * 1024), Importance.LOW,
                    "Encoded bytes one unlabelled pool may read; images beyond it are left out and counted, so a topic of "
                            + "large images cannot exhaust the heap.")
            .define(POOL_MAX_IMAGES, Type.INT, 0, Range.between(0, 100_000), Importance.MEDIUM,
                    "Stream feature pool: while serve runs, keep the backbone features of this many of the most recent "
                            + "images of images.topic, so a retrain with unlabelled {\"pool\":true} needs no re-read (it uses at "
                            + "most unlabelled.max.images of them). Refilled from the last offsets on restart. 0 = off.")
            .define(POOL_MAX_BYTES, Type.LONG, 64L * 1024 * 1024, Range.between(1024, 16L * 1024 * 1024 * 1024), Importance.LOW,
                    "Heap the stream feature pool may hold: 4 bytes per feature plus 200 per image; the oldest images "
                            + "give way. Must hold at least one image of the backbone (checked at start-up).")
            .define(DATA_ROOT, Type.STRING, "", Importance.HIGH,
                    "Directory that dataset.path of a retrain command must resolve inside (after normalisation and "
                            + "symbolic links). Empty: path datasets are refused.")
            .define(CACHE_DIR, Type.STRING, "~/.cache/streamclassify/features", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Feature cache directory (one file per backbone fingerprint): images seen before are not featurized "
                            + "again. A leading ~/ is the user's home.")
            .define(BACKBONE, Type.STRING, "default", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Frozen backbone: default (shipped in the jar), file:/path/backbone.json, zoo:<name>, "
                            + "keras:/path/model.h5#<layer> or tfjs:/path/model.json#<layer>?pool=3x3,size=96 (a TF.js LayersModel; "
                            + "the ImageNet MobileNetV2: file:backbones/mobilenet-v2-nsfwjs/backbone.json). Must be the one streams-app serves with.")
            .define(COMMAND_MAX_BYTES, Type.INT, 65_536, Range.between(256, 1024 * 1024), Importance.LOW,
                    "Larger control records are rejected unread.")
            .define(HOLDOUT_FRACTION, Type.DOUBLE, 0.2, Range.between(0.01, 0.9), Importance.MEDIUM,
                    "Share of each class held out, chosen by content hash: an image is always on the same side.")
            .define(PROMOTION_MIN_DELTA, Type.DOUBLE, 0.0, Range.between(-1.0, 1.0), Importance.HIGH,
                    "A new version is activated only if its holdout accuracy >= the active version's accuracy on the "
                            + "same holdout + this; otherwise it is published unactivated.")
            .define(SCHEDULE_NEW_IMAGES, Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
                    "Retrain schedule.model on the whole training-images topic each time the topic's count of labelled "
                            + "images reaches a multiple of this (request id schedule-<offset>). 0 = off.")
            .define(SCHEDULE_MODEL, Type.STRING, "default", matching(ModelVersion.NAME, "a model name " + ModelVersion.NAME.pattern()),
                    Importance.LOW, "Model that scheduled retrains train.")
            .define(TRAINING_EPOCHS, Type.INT, 20, Range.between(1, 100_000), Importance.MEDIUM,
                    "Epochs of a retrain command that gives none.")
            .define(TRAINING_MAX_EPOCHS, Type.INT, 1000, Range.between(1, 100_000), Importance.LOW,
                    "Commands asking for more epochs are rejected.")
            .define(TRAINING_MAX_IMAGES, Type.INT, 50_000, Range.between(2, 10_000_000), Importance.MEDIUM,
                    "Most images one retrain may use. A dataset range or folder holding more is rejected before "
                            + "anything is decoded. Each image also costs its features (4 bytes per feature) on the heap.")
            .define(TRAINING_MAX_PIXELS, Type.LONG, 200_000_000L, Range.between(1, Long.MAX_VALUE), Importance.MEDIUM,
                    "Most pixel values (width x height x channels) one retrain may hold; images are shrunk to the "
                            + "backbone's input as they are read. A retrain that would exceed it is rejected.")
            .define(TRAINING_BATCH_SIZE, Type.INT, 64, Range.between(1, 65_536), Importance.LOW,
                    "Minibatch size of head training.")
            .define(TRAINING_MIN_UPDATES, Type.INT, 300, Range.atLeast(0), Importance.LOW,
                    "Small data sets get more epochs until at least this many minibatch updates happen.")
            .define(TRAINING_SEED, Type.LONG, 42L, Importance.LOW,
                    "Seed of head initialisation and minibatch order: the same data gives the same head.")
            .define(HEAD_HIDDEN_LAYERS, Type.LIST, "", hiddenLayersValidator(), Importance.MEDIUM,
                    "Hidden layer sizes of the head when a command gives none, e.g. 256,64; empty = softmax on the features.")
            .define(HEAD_DROPOUT, Type.DOUBLE, HeadConfig.DEFAULT.dropout(), Range.between(0.0, 0.95), Importance.LOW,
                    "Dropout probability of head layers.")
            .define(HEAD_LEARNING_RATE, Type.DOUBLE, HeadConfig.DEFAULT.learningRate(), Range.between(1e-7, 1.0), Importance.LOW,
                    "Adam learning rate of the head.")
            .define(HEAD_L2, Type.DOUBLE, HeadConfig.DEFAULT.l2(), Range.between(0.0, 1.0), Importance.LOW,
                    "L2 regularisation of the head.")
            .define(MODELS_SIGNING_KEY, Type.PASSWORD, "", Importance.HIGH,
                    "Ed25519 private key (PKCS#8 PEM, made by 'trainer keygen') that signs every published version: "
                            + "file:/path/key.pem (e.g. a mounted Kubernetes Secret) or env:VARIABLE. Its public key is "
                            + "trusted automatically. Empty: versions are published unsigned, only with models.allow.unsigned.")
            .define(MODELS_TRUSTED_KEYS, Type.LIST, "", Importance.HIGH, TrustedKeys.KEYS_DOC
                    + " Used by the promotion gate and activate commands.")
            .define(MODELS_ALLOW_UNSIGNED, Type.BOOLEAN, false, Importance.HIGH, TrustedKeys.ALLOW_UNSIGNED_DOC)
            .define(QUEUE_MAX_COMMANDS, Type.INT, 100, Range.between(1, 10_000), Importance.LOW,
                    "Accepted commands waiting for the worker; beyond this the control partitions are paused.")
            .define(CATCHUP_TIMEOUT_MS, Type.LONG, 60_000L, Range.between(100, 3_600_000), Importance.LOW,
                    "How long to wait for the models and status topics to be read up to their end before a command runs.")
            .define(SHUTDOWN_TIMEOUT_MS, Type.LONG, 30_000L, Range.between(0, 3_600_000), Importance.LOW,
                    "How long close waits for a running command; an interrupted training runs again after redelivery.")
            .define(TOPICS_CREATE, Type.BOOLEAN, true, Importance.LOW,
                    "Create missing topics at start: control (1 partition, so commands run in order), status "
                            + "(compacted), models (compacted, 1 partition, max.message.bytes=" + ModelsTopic.MAX_RECORD_BYTES
                            + "), training-images.")
            .define(TOPICS_REPLICATION_FACTOR, Type.SHORT, (short) -1, Validators.replicationFactor(), Importance.LOW,
                    "Replication factor of created topics; -1 = broker default. Use 3 in production."), 8081);

    private static final LayeredSettings SETTINGS = LayeredSettings.of(DEF, ENV_PREFIX, SYSTEM_PROPERTY_PREFIX)
            .withShadowed(SHADOWED)
            .withKafkaCheck(TrainerServiceConfig::checkKafka);

    private final Map<String, String> kafka;

    private TrainerServiceConfig(LayeredSettings.Loaded loaded) {
        super(DEF, loaded.declared(), false);
        this.kafka = loaded.kafka();
        checkDirectories(loaded);
    }

    /** A copy of the declarations, for documentation ({@code toRst()}, {@link #markdownTable()}). */
    public static ConfigDef configDef() {
        return new ConfigDef(DEF);
    }

    /** Settings given directly, e.g. by tests: declared names and {@code kafka.*} pass-through. */
    public static TrainerServiceConfig of(Map<String, ?> settings) {
        return new TrainerServiceConfig(SETTINGS.given(settings));
    }

    /**
     * Reads the file (if any), then the environment, then system properties.
     *
     * @throws ConfigException naming the first bad or unknown setting and its source
     */
    public static TrainerServiceConfig load(Path file, Map<String, String> env, Properties systemProperties) {
        return new TrainerServiceConfig(SETTINGS.load(file, env, systemProperties));
    }

    /** The file (optional) plus this process's environment and system properties. */
    public static TrainerServiceConfig load(Optional<Path> file) {
        return load(file.orElse(null), System.getenv(), System.getProperties());
    }

    /** {@code holdout.fraction} becomes {@code TRAINER_HOLDOUT_FRACTION}. */
    public static String envName(String setting) {
        return SETTINGS.envName(setting);
    }

    /** The settings table of docs/configuration.md, generated so that it cannot drift from the declarations. */
    public static String markdownTable() {
        return SETTINGS.markdownTable("any consumer, producer or admin setting",
                "Passed, without the prefix, to the Kafka clients that know the setting (TLS and SASL settings reach every "
                + "client); `kafka.consumer.*`, `kafka.producer.*`, `kafka.admin.*` reach one kind of client only and win "
                + "over the shared setting.");
    }

    /** Values of settings the Kafka clients declare are checked by their own declarations; unknown names pass. */
    private static void checkKafka(String kafkaName, String value) {
        for (var prefixed : Map.of(CONSUMER_PREFIX, ConsumerConfig.configDef(), PRODUCER_PREFIX, ProducerConfig.configDef(),
                ADMIN_PREFIX, AdminClientConfig.configDef()).entrySet()) {
            if (kafkaName.startsWith(prefixed.getKey())) {
                LayeredSettings.validate(prefixed.getValue(), kafkaName.substring(prefixed.getKey().length()), value);
                return;
            }
        }
        for (ConfigDef def : List.of(ConsumerConfig.configDef(), ProducerConfig.configDef(), AdminClientConfig.configDef())) {
            if (LayeredSettings.validate(def, kafkaName, value)) {
                return;
            }
        }
    }

    private void checkDirectories(LayeredSettings.Loaded loaded) {
        Optional<Path> root = dataRoot();
        if (root.isPresent() && !Files.isDirectory(root.get())) {
            throw new ConfigException("Invalid setting '" + DATA_ROOT + "' (" + loaded.source(DATA_ROOT) + "): "
                    + root.get() + " is not a directory");
        }
        Path cache = cacheDir();
        if (Files.exists(cache) && !Files.isDirectory(cache)) {
            throw new ConfigException("Invalid setting '" + CACHE_DIR + "' (" + loaded.source(CACHE_DIR)
                    + "): " + cache + " exists and is not a directory");
        }
    }

    private static ConfigDef.Validator hiddenLayersValidator() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                List<?> sizes = (List<?>) value;
                if (sizes.size() > MAX_HIDDEN_LAYERS) {
                    throw new ConfigException(name, value, "at most " + MAX_HIDDEN_LAYERS + " hidden layers");
                }
                for (Object o : sizes) {
                    int size;
                    try {
                        size = Integer.parseInt(String.valueOf(o).trim());
                    } catch (NumberFormatException e) {
                        throw new ConfigException(name, value, "sizes must be integers");
                    }
                    if (size < 1 || size > MAX_HIDDEN_UNITS) {
                        throw new ConfigException(name, value, "sizes must be in [1, " + MAX_HIDDEN_UNITS + "]");
                    }
                }
            }

            @Override
            public String toString() {
                return "comma-separated sizes in [1, " + MAX_HIDDEN_UNITS + "], at most " + MAX_HIDDEN_LAYERS;
            }
        };
    }

    public String bootstrapServers() {
        return getString(BOOTSTRAP_SERVERS);
    }

    public String groupId() {
        return getString(GROUP_ID);
    }

    public String controlTopic() {
        return getString(CONTROL_TOPIC);
    }

    public String statusTopic() {
        return getString(STATUS_TOPIC);
    }

    public String modelsTopic() {
        return getString(MODELS_TOPIC);
    }

    public String trainingImagesTopic() {
        return getString(TRAINING_IMAGES_TOPIC);
    }

    /** Absolute; empty when path datasets are disabled. */
    public String imagesTopic() {
        return getString(IMAGES_TOPIC);
    }

    public int unlabelledMaxImages() {
        return getInt(UNLABELLED_MAX_IMAGES);
    }

    public long unlabelledMaxBytes() {
        return getLong(UNLABELLED_MAX_BYTES);
    }

    /** 0 when the stream feature pool is off. */
    public int poolMaxImages() {
        return getInt(POOL_MAX_IMAGES);
    }

    public long poolMaxBytes() {
        return getLong(POOL_MAX_BYTES);
    }

    /**
     * The stream feature pool's settings, if it is on.
     *
     * @param featureSize the backbone's features per image
     * @throws ConfigException if {@value #POOL_MAX_BYTES} cannot hold one image of this backbone
     */
    public Optional<StreamPool.Settings> poolSettings(int featureSize) {
        if (poolMaxImages() == 0) {
            return Optional.empty();
        }
        long perImage = StreamPool.bytesPerImage(featureSize);
        if (poolMaxBytes() < perImage) {
            throw new ConfigException(POOL_MAX_BYTES, poolMaxBytes(), "the backbone's features take " + perImage
                    + " bytes per image: the pool could hold none");
        }
        return Optional.of(new StreamPool.Settings(imagesTopic(), poolMaxImages(), poolMaxBytes()));
    }

    public Optional<Path> dataRoot() {
        String root = getString(DATA_ROOT);
        return root.isBlank() ? Optional.empty() : Optional.of(Path.of(root).toAbsolutePath().normalize());
    }

    public Path cacheDir() {
        String dir = getString(CACHE_DIR);
        Path path = dir.startsWith("~/") ? Path.of(System.getProperty("user.home"), dir.substring(2)) : Path.of(dir);
        return path.toAbsolutePath().normalize();
    }

    public String backbone() {
        return getString(BACKBONE);
    }

    public int httpPort() {
        return getInt(HTTP_PORT);
    }

    /** Bind address, port and request timeout of the HTTP endpoints. */
    public HttpSettings http() {
        return HttpSettings.from(this);
    }

    public int commandMaxBytes() {
        return getInt(COMMAND_MAX_BYTES);
    }

    public double holdoutFraction() {
        return getDouble(HOLDOUT_FRACTION);
    }

    public double promotionMinDelta() {
        return getDouble(PROMOTION_MIN_DELTA);
    }

    /** 0 when scheduling is off. */
    public int scheduleNewImages() {
        return getInt(SCHEDULE_NEW_IMAGES);
    }

    public String scheduleModel() {
        return getString(SCHEDULE_MODEL);
    }

    public int defaultEpochs() {
        return getInt(TRAINING_EPOCHS);
    }

    public int maxEpochs() {
        return getInt(TRAINING_MAX_EPOCHS);
    }

    public int trainingMaxImages() {
        return getInt(TRAINING_MAX_IMAGES);
    }

    public long trainingMaxPixels() {
        return getLong(TRAINING_MAX_PIXELS);
    }

    /** Training settings for a command asking for {@code epochs}. */
    public TrainSettings trainSettings(int epochs) {
        return new TrainSettings(epochs, getInt(TRAINING_BATCH_SIZE), getInt(TRAINING_MIN_UPDATES), getLong(TRAINING_SEED));
    }

    public List<Integer> defaultHiddenLayers() {
        return getList(HEAD_HIDDEN_LAYERS).stream().map(s -> Integer.parseInt(s.trim())).toList();
    }

    /** The head of a command asking for {@code hiddenLayers}; dropout, learning rate and L2 come from here. */
    public HeadConfig head(List<Integer> hiddenLayers) {
        return new HeadConfig(hiddenLayers, getDouble(HEAD_DROPOUT), getDouble(HEAD_LEARNING_RATE), getDouble(HEAD_L2));
    }

    /** The intake's rules: what a command may ask for. */
    public CommandParser.Rules commandRules(Optional<DataRoot> dataRoot) {
        return new CommandParser.Rules(commandMaxBytes(), trainingImagesTopic(), dataRoot, defaultEpochs(), maxEpochs(),
                defaultHiddenLayers(), imagesTopic(), unlabelledMaxImages(), poolMaxImages());
    }

    /** The retrain wing's settings; {@code env} resolves {@code env:} key sources. */
    public RetrainSettings retrainSettings(Map<String, String> env) {
        return new RetrainSettings(modelsTopic(), catchUpTimeout(), holdoutFraction(), promotionMinDelta(),
                head(defaultHiddenLayers()), trainSettings(defaultEpochs()), unlabelledMaxBytes(), trainingMaxImages(),
                trainingMaxPixels(), modelTrust(env));
    }

    public int queueMaxCommands() {
        return getInt(QUEUE_MAX_COMMANDS);
    }

    public Duration catchUpTimeout() {
        return Duration.ofMillis(getLong(CATCHUP_TIMEOUT_MS));
    }

    public Duration shutdownTimeout() {
        return Duration.ofMillis(getLong(SHUTDOWN_TIMEOUT_MS));
    }

    /**
     * The signer of published versions, if a key is configured.
     *
     * @throws ConfigException when the key cannot be read, or there is none and unsigned versions are not allowed
     */
    public Optional<VersionSigner> modelSigner(Map<String, String> env) {
        String source = getPassword(MODELS_SIGNING_KEY).value();
        if (source.isBlank()) {
            if (!getBoolean(MODELS_ALLOW_UNSIGNED)) {
                throw new ConfigException(MODELS_SIGNING_KEY + ": no signing key; streams-app refuses unsigned versions. "
                        + "Make one with 'trainer keygen', or set " + MODELS_ALLOW_UNSIGNED + "=true for development only");
            }
            return Optional.empty();
        }
        try {
            return Optional.of(VersionSigner.fromPrivatePem(SigningKeys.resolve(source, env)));
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException(MODELS_SIGNING_KEY + ": cannot read the signing key: " + e.getMessage());
        }
    }

    /** The configured trusted keys plus the public half of the signing key: the trainer trusts what it signs. */
    public TrustedKeys modelTrust(Map<String, String> env) {
        List<String> keys = new ArrayList<>(getList(MODELS_TRUSTED_KEYS));
        modelSigner(env).ifPresent(s -> keys.add(SigningKeys.publicBase64(s.publicKey())));
        try {
            return TrustedKeys.fromSettings(keys, getBoolean(MODELS_ALLOW_UNSIGNED), env);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(MODELS_TRUSTED_KEYS + ": " + e.getMessage());
        }
    }

    public boolean createTopics() {
        return getBoolean(TOPICS_CREATE);
    }

    public Optional<Short> replicationFactor() {
        short rf = getShort(TOPICS_REPLICATION_FACTOR);
        return rf == -1 ? Optional.empty() : Optional.of(rf);
    }

    /** The {@code kafka.*} settings, prefix removed. */
    public Map<String, String> kafkaOverrides() {
        return kafka;
    }

    /** Bootstrap servers plus those {@code kafka.*} settings a client of the given kind knows. */
    public Map<String, Object> clientProperties(Set<String> clientConfigNames, String... clientPrefixes) {
        return LayeredSettings.clientProperties(kafka, bootstrapServers(), clientConfigNames, clientPrefixes);
    }

    /** Every consumer of the trainer: shared {@code kafka.*} settings, overridden by {@code kafka.consumer.*}. */
    public Map<String, Object> consumerProperties() {
        return clientProperties(ConsumerConfig.configNames(), CONSUMER_PREFIX);
    }

    /** Every producer of the trainer: shared {@code kafka.*} settings, overridden by {@code kafka.producer.*}. */
    public Map<String, Object> producerProperties() {
        return clientProperties(ProducerConfig.configNames(), PRODUCER_PREFIX);
    }

    /** The admin client: shared {@code kafka.*} settings, overridden by {@code kafka.admin.*}. */
    public Map<String, Object> adminProperties() {
        return clientProperties(AdminClientConfig.configNames(), ADMIN_PREFIX);
    }

    /** Declared settings with their effective values, for the start-up log ({@code kafka.*} values may be secrets). */
    public Map<String, Object> describe() {
        return LayeredSettings.describe(values(), kafka);
    }
}
