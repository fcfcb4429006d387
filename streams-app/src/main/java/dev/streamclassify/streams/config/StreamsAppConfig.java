package dev.streamclassify.streams.config;

import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.signing.TrustedKeys;
import dev.streamclassify.service.HttpSettings;
import dev.streamclassify.service.LayeredSettings;
import dev.streamclassify.service.Validators;
import dev.streamclassify.streams.config.internal.BoundedRocksDbMemory;
import dev.streamclassify.streams.config.internal.KafkaSettings;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

import static dev.streamclassify.service.Validators.TOPIC_NAME;
import static dev.streamclassify.service.Validators.matching;

/**
 * Every setting of streams-app, declared once with type, default, validator and doc. Sources, later ones winning:
 * a properties file ({@code --config path}), environment variables {@code CLASSIFY_<NAME>} (upper case, dots as
 * underscores), then system properties {@code classify.<name>}. Settings prefixed {@value #KAFKA_PREFIX} go, without
 * the prefix, to Kafka Streams and its clients (e.g. {@code kafka.commit.interval.ms}).
 *
 * <p>Loading fails with a {@link ConfigException} that names the bad setting and where it came from. Immutable and
 * thread-safe.
 */
public final class StreamsAppConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String APPLICATION_ID = "application.id";
    public static final String IMAGES_TOPIC = "images.topic";
    public static final String PREDICTIONS_TOPIC = "predictions.topic";
    public static final String DLQ_TOPIC = "dlq.topic";
    public static final String MODELS_TOPIC = "models.topic";
    public static final String SHADOW_PREDICTIONS_TOPIC = "predictions.shadow.topic";
    public static final String LABELS_TOPIC = "labels.topic";
    public static final String MODEL_QUALITY_TOPIC = "model.quality.topic";
    public static final String QUALITY_JOIN_WINDOW_MS = "quality.join.window.ms";
    public static final String QUALITY_WINDOW_SIZE = "quality.window.size";
    public static final String QUALITY_EMIT_INTERVAL_MS = "quality.emit.interval.ms";
    public static final String QUALITY_FORWARD_LABELLED_IMAGES = "quality.forward.labelled.images";
    public static final String TRAINING_IMAGES_TOPIC = "training.images.topic";
    public static final String PROMOTION_ENABLED = "promotion.enabled";
    public static final String PROMOTION_MIN_MARGIN = "promotion.min.margin";
    public static final String PROMOTION_MIN_LABELLED = "promotion.min.labelled";
    public static final String CONTROL_TOPIC = "control.topic";
    public static final String STATUS_TOPIC = "status.topic";
    public static final String MODEL_NAME = "model.name";
    public static final String BACKBONE = "backbone";
    public static final String BATCH_MAX_SIZE = "batch.max.size";
    public static final String BATCH_MAX_DELAY_MS = "batch.max.delay.ms";
    public static final String PROCESSING_GUARANTEE = "processing.guarantee";
    public static final String NUM_STREAM_THREADS = "num.stream.threads";
    public static final String IMAGE_MAX_BYTES = "image.max.bytes";
    public static final String IMAGE_MAX_PIXELS = "image.max.pixels";
    public static final String TOP_K = "top.k";
    public static final String INFERENCE_LANES = "inference.lanes";
    public static final String FEATURE_CACHE_MAX_ENTRIES = "feature.cache.max.entries";
    public static final String FEATURE_CACHE_MAX_BYTES = "feature.cache.max.bytes";
    public static final String ROCKSDB_MEMORY_MAX_BYTES = "rocksdb.memory.max.bytes";
    public static final String HTTP_PORT = HttpSettings.PORT;
    public static final String HTTP_BIND_ADDRESS = HttpSettings.BIND_ADDRESS;
    public static final String HTTP_REQUEST_TIMEOUT_MS = HttpSettings.REQUEST_TIMEOUT_MS;
    public static final String STATE_DIR = "state.dir";
    public static final String MODELS_TRUSTED_KEYS = "models.trusted.keys";
    public static final String MODELS_ALLOW_UNSIGNED = "models.allow.unsigned";
    public static final String TOPICS_CREATE = "topics.create";
    public static final String TOPICS_PARTITIONS = "topics.partitions";
    public static final String TOPICS_REPLICATION_FACTOR = "topics.replication.factor";

    public static final String KAFKA_PREFIX = LayeredSettings.KAFKA_PREFIX;
    public static final String ENV_PREFIX = "CLASSIFY_";
    public static final String SYSTEM_PROPERTY_PREFIX = "classify.";

    public static final String AT_LEAST_ONCE = StreamsConfig.AT_LEAST_ONCE;
    public static final String EXACTLY_ONCE_V2 = StreamsConfig.EXACTLY_ONCE_V2;


    /** Room for key, metadata and headers around an image of {@value #IMAGE_MAX_BYTES} bytes. */
    static final int RECORD_OVERHEAD_BYTES = 64 * 1024;

    /** Kafka settings that one of ours already sets: two names for one thing would only confuse. */
    private static final Map<String, String> SHADOWED = Map.of(
            StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, useInstead(BOOTSTRAP_SERVERS),
            StreamsConfig.APPLICATION_ID_CONFIG, useInstead(APPLICATION_ID),
            StreamsConfig.PROCESSING_GUARANTEE_CONFIG, useInstead(PROCESSING_GUARANTEE),
            StreamsConfig.NUM_STREAM_THREADS_CONFIG, useInstead(NUM_STREAM_THREADS),
            StreamsConfig.STATE_DIR_CONFIG, useInstead(STATE_DIR),
            StreamsConfig.REPLICATION_FACTOR_CONFIG, useInstead(TOPICS_REPLICATION_FACTOR));

    private static final ConfigDef DEF = HttpSettings.define(new ConfigDef()
            .define(BOOTSTRAP_SERVERS, Type.STRING, "localhost:9092", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Kafka brokers to connect to, host:port[,host:port...].")
            .define(APPLICATION_ID, Type.STRING, "classify-streams", matching(TOPIC_NAME, "a legal topic-name prefix"), Importance.HIGH,
                    "Kafka Streams application id: consumer group, prefix of internal topics and of the state directory. "
                            + "Instances with the same id share the work.")
            .define(IMAGES_TOPIC, Type.STRING, "images", matching(TOPIC_NAME, "a legal topic name"), Importance.HIGH,
                    "Input topic: key = image id (UTF-8, optional), value = encoded PNG, JPEG, BMP or GIF bytes.")
            .define(PREDICTIONS_TOPIC, Type.STRING, "predictions", matching(TOPIC_NAME, "a legal topic name"), Importance.HIGH,
                    "Output topic: one JSON prediction per image, keyed by image id.")
            .define(DLQ_TOPIC, Type.STRING, "images-dlq", matching(TOPIC_NAME, "a legal topic name"), Importance.HIGH,
                    "Dead-letter topic: original key and bytes of images that cannot be classified, with error.reason, "
                            + "error.message, source.topic, source.partition and source.offset headers.")
            .define(MODELS_TOPIC, Type.STRING, "models", matching(TOPIC_NAME, "a legal topic name"), Importance.HIGH,
                    "Compacted topic of model versions and activations, read whole by every instance.")
            .define(SHADOW_PREDICTIONS_TOPIC, Type.STRING, "predictions-shadow", matching(TOPIC_NAME, "a legal topic name"), Importance.MEDIUM,
                    "Predictions of shadow versions (command shadow), keyed by image id: compared, never served.")
            .define(LABELS_TOPIC, Type.STRING, "labels", matching(TOPIC_NAME, "a legal topic name"), Importance.MEDIUM,
                    "Label feedback: key = image id, value = JSON {\"label\": \"...\", \"source\": \"...\"} (or a label "
                            + "header); joined with the predictions of that id for live accuracy.")
            .define(MODEL_QUALITY_TOPIC, Type.STRING, "model-quality", matching(TOPIC_NAME, "a legal topic name"), Importance.MEDIUM,
                    "Live quality per model version (key model:vN): accuracy, per-class precision/recall and confusion "
                            + "over the version's latest labelled predictions.")
            .define(QUALITY_JOIN_WINDOW_MS, Type.LONG, Duration.ofDays(3).toMillis(), Range.between(1_000, Duration.ofDays(365).toMillis()),
                    Importance.MEDIUM, "How long the predictions of an image wait for its label; a later label counts as expired.")
            .define(QUALITY_WINDOW_SIZE, Type.INT, 1000, Range.between(1, 100_000), Importance.MEDIUM,
                    "Live quality covers each version's latest this many labelled predictions (a sliding window).")
            .define(QUALITY_EMIT_INTERVAL_MS, Type.LONG, 5_000L, Range.between(10, 3_600_000), Importance.LOW,
                    "Model-quality records and live-accuracy gauges are updated at most this often per changed version.")
            .define(QUALITY_FORWARD_LABELLED_IMAGES, Type.BOOLEAN, false, Importance.MEDIUM,
                    "Send each image whose label matched its predictions on to training.images.topic (the image bytes, "
                            + "read back from the images topic at the prediction's offset, with a label header), so production "
                            + "labels become training data for the next retrain. The images topic must retain images for "
                            + "quality.join.window.ms.")
            .define(TRAINING_IMAGES_TOPIC, Type.STRING, "training-images", matching(TOPIC_NAME, "a legal topic name"), Importance.MEDIUM,
                    "Where labelled images go when quality.forward.labelled.images is on: the trainer's training data "
                            + "(key = image id, value = image bytes, header label). Created by the trainer, not here.")
            .define(PROMOTION_ENABLED, Type.BOOLEAN, false, Importance.MEDIUM,
                    "Activate a canary or shadow version automatically when its live accuracy beats the active version's "
                            + "by promotion.min.margin, both over at least promotion.min.labelled labelled images: an activate "
                            + "command on control.topic (validated by the trainer) and a status event saying why on status.topic.")
            .define(PROMOTION_MIN_MARGIN, Type.DOUBLE, 0.02, Range.between(0.0, 1.0), Importance.MEDIUM,
                    "How much higher (0..1, accuracy points / 100) a candidate's live accuracy must be than the active version's.")
            .define(PROMOTION_MIN_LABELLED, Type.INT, 500, Range.between(1, 100_000), Importance.MEDIUM,
                    "Labelled images each of the candidate and the active version needs in its window before a promotion; "
                            + "at most quality.window.size.")
            .define(CONTROL_TOPIC, Type.STRING, "control", matching(TOPIC_NAME, "a legal topic name"), Importance.LOW,
                    "The trainer's command topic, where automatic promotions send their activate command.")
            .define(STATUS_TOPIC, Type.STRING, "training-status", matching(TOPIC_NAME, "a legal topic name"), Importance.LOW,
                    "The trainer's status topic, where an automatic promotion says why it was made.")
            .define(MODEL_NAME, Type.STRING, "default", matching(ModelVersion.NAME, "a model name " + ModelVersion.NAME.pattern()),
                    Importance.HIGH, "Which model of the models topic this service serves.")
            .define(BACKBONE, Type.STRING, "default", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Frozen backbone: default (shipped in the jar), file:/path/backbone.json, zoo:<name>, "
                            + "keras:/path/model.h5#<layer> or tfjs:/path/model.json#<layer>?pool=3x3,size=96 (a TF.js LayersModel; "
                            + "the ImageNet MobileNetV2: file:backbones/mobilenet-v2-nsfwjs/backbone.json). Model versions trained on another backbone are refused.")
            .define(BATCH_MAX_SIZE, Type.INT, 32, Range.between(1, 1024), Importance.MEDIUM,
                    "Most images per forward pass. A task's buffer is drained as soon as it holds this many.")
            .define(BATCH_MAX_DELAY_MS, Type.LONG, 20L, Range.between(1, 60_000), Importance.MEDIUM,
                    "Longest an image waits for its batch to fill, counted from when it was buffered (checked every quarter of it).")
            .define(PROCESSING_GUARANTEE, Type.STRING, AT_LEAST_ONCE, ValidString.in(AT_LEAST_ONCE, EXACTLY_ONCE_V2), Importance.MEDIUM,
                    "at_least_once (duplicates possible after a crash) or exactly_once_v2 (read predictions with "
                            + "isolation.level=read_committed; production needs 3 brokers, replication factor 3).")
            .define(NUM_STREAM_THREADS, Type.INT, 1, Range.atLeast(1), Importance.MEDIUM,
                    "Stream threads. Their nd4j-op forward passes share one backbone and run at once; on 2 cores one thread "
                            + "with OMP_NUM_THREADS=1 was fastest end to end (docs/benchmarks.md).")
            .define(INFERENCE_LANES, Type.INT, 1, Range.between(0, 64), Importance.MEDIUM,
                    "Threads that run the forward passes: a task hands each batch to its lane and decodes the next one "
                            + "meanwhile, and every model is warmed up on each lane before it serves. 0 runs the passes on the "
                            + "stream threads (no overlap, and a new stream thread's first passes are slow).")
            .define(IMAGE_MAX_BYTES, Type.INT, 4 * 1024 * 1024, Range.between(1, 256 * 1024 * 1024), Importance.MEDIUM,
                    "Larger images go to the dead-letter topic (too-large). Also sizes the producer request limit "
                            + "and the max.message.bytes of the buffer changelog and of topics this service creates.")
            .define(IMAGE_MAX_PIXELS, Type.LONG, 16_000_000L, Range.atLeast(1), Importance.LOW,
                    "Images whose header declares more pixels go to the dead-letter topic (too-many-pixels) before "
                            + "any pixel buffer is allocated.")
            .define(MODELS_TRUSTED_KEYS, Type.LIST, "", Importance.HIGH, TrustedKeys.KEYS_DOC)
            .define(MODELS_ALLOW_UNSIGNED, Type.BOOLEAN, false, Importance.HIGH, TrustedKeys.ALLOW_UNSIGNED_DOC)
            .define(TOP_K, Type.INT, 3, Range.between(1, 1000), Importance.LOW,
                    "How many best labels each prediction lists.")
            .define(FEATURE_CACHE_MAX_ENTRIES, Type.INT, 10_000, Range.between(0, 10_000_000), Importance.LOW,
                    "Most images whose backbone features are kept by content (SHA-256 of the bytes), so identical bytes skip "
                            + "decoding and the backbone; 0 turns the cache off. Hit ratio: classify_feature_cache_hit_ratio.")
            .define(FEATURE_CACHE_MAX_BYTES, Type.LONG, 64L * 1024 * 1024, Range.between(0, 64L * 1024 * 1024 * 1024), Importance.LOW,
                    "Most heap bytes the feature cache holds (features are 4 bytes a value); least recently used out first.")
            .define(ROCKSDB_MEMORY_MAX_BYTES, Type.LONG, 64L * 1024 * 1024, Range.between(0, 64L * 1024 * 1024 * 1024), Importance.LOW,
                    "Native memory all RocksDB stores of the process share: one block cache, holding index and filter blocks "
                            + "too, with the memtables charged to it (up to half). 0: Kafka Streams' defaults, a 50 MB cache and "
                            + "up to 3 x 16 MB memtables per store and partition, index and filters outside, growing with the "
                            + "data. Ignored if kafka.rocksdb.config.setter is set. Usage: classify_rocksdb_memory_bytes.")
            .define(STATE_DIR, Type.STRING, "", Importance.MEDIUM,
                    "Directory of the local state (RocksDB buffer). Empty: Kafka Streams' default, <tmp>/kafka-streams.")
            .define(TOPICS_CREATE, Type.BOOLEAN, true, Importance.LOW,
                    "Create missing topics at start: images, predictions, dead-letter, shadow predictions, labels and "
                            + "model-quality (compacted) with topics.partitions partitions, models compacted with one "
                            + "partition and max.message.bytes=" + ModelsTopic.MAX_RECORD_BYTES + ".")
            .define(TOPICS_PARTITIONS, Type.INT, 3, Range.atLeast(1), Importance.LOW,
                    "Partitions of the topics this service creates, except models.")
            .define(TOPICS_REPLICATION_FACTOR, Type.SHORT, (short) -1, Validators.replicationFactor(), Importance.LOW,
                    "Replication factor of created topics and of Kafka Streams' internal topics; -1 = broker default. "
                            + "Use 3 in production (exactly_once_v2 relies on it)."), 8080);

    private static final LayeredSettings SETTINGS = LayeredSettings.of(DEF, ENV_PREFIX, SYSTEM_PROPERTY_PREFIX)
            .withShadowed(SHADOWED)
            .withKafkaCheck(KafkaSettings::check);

    private final Map<String, String> kafka;

    private StreamsAppConfig(LayeredSettings.Loaded loaded) {
        super(DEF, loaded.declared(), false);
        this.kafka = loaded.kafka();
        if (promotionEnabled() && promotionMinLabelled() > qualityWindowSize()) {
            throw new ConfigException(PROMOTION_MIN_LABELLED, promotionMinLabelled(), "must be at most " + QUALITY_WINDOW_SIZE
                    + " (" + qualityWindowSize() + "): a window never holds more labelled images, so no promotion could happen");
        }
    }

    /** A copy of the declarations, for documentation tools ({@code toRst()}, {@code toHtml()}). */
    public static ConfigDef configDef() {
        return new ConfigDef(DEF);
    }

    /** Settings given directly, e.g. by tests: declared names and {@code kafka.*} pass-through. */
    public static StreamsAppConfig of(Map<String, ?> settings) {
        return new StreamsAppConfig(SETTINGS.given(settings));
    }

    /**
     * Reads the file (if any), then the environment, then system properties.
     *
     * @throws ConfigException naming the first bad or unknown setting and its source
     */
    public static StreamsAppConfig load(Path file, Map<String, String> env, Properties systemProperties) {
        return new StreamsAppConfig(SETTINGS.load(file, env, systemProperties));
    }

    /** {@code --config path} (or {@code --config=path}) plus this process's environment and system properties. */
    public static StreamsAppConfig load(Optional<Path> file) {
        return load(file.orElse(null), System.getenv(), System.getProperties());
    }

    /** {@code batch.max.size} becomes {@code CLASSIFY_BATCH_MAX_SIZE}. */
    public static String envName(String setting) {
        return SETTINGS.envName(setting);
    }

    /** The settings table of docs/configuration.md, generated from the declarations. */
    public static String markdownTable() {
        return SETTINGS.markdownTable("any Kafka Streams, consumer, producer or admin setting",
                "Passed to Kafka without the prefix, e.g. `kafka.commit.interval.ms`; TLS and SASL settings reach every "
                + "client, the model watcher's and admin's included (`kafka.consumer.*` and `kafka.admin.*` win for those).");
    }

    private static String useInstead(String ours) {
        return "'" + ours + "'; set " + ours + " instead";
    }

    public String bootstrapServers() {
        return getString(BOOTSTRAP_SERVERS);
    }

    public String applicationId() {
        return getString(APPLICATION_ID);
    }

    public String imagesTopic() {
        return getString(IMAGES_TOPIC);
    }

    public String predictionsTopic() {
        return getString(PREDICTIONS_TOPIC);
    }

    public String dlqTopic() {
        return getString(DLQ_TOPIC);
    }

    public String modelsTopic() {
        return getString(MODELS_TOPIC);
    }

    public String shadowPredictionsTopic() {
        return getString(SHADOW_PREDICTIONS_TOPIC);
    }

    public String labelsTopic() {
        return getString(LABELS_TOPIC);
    }

    public String modelQualityTopic() {
        return getString(MODEL_QUALITY_TOPIC);
    }

    public Duration qualityJoinWindow() {
        return Duration.ofMillis(getLong(QUALITY_JOIN_WINDOW_MS));
    }

    public int qualityWindowSize() {
        return getInt(QUALITY_WINDOW_SIZE);
    }

    public Duration qualityEmitInterval() {
        return Duration.ofMillis(getLong(QUALITY_EMIT_INTERVAL_MS));
    }

    public boolean forwardLabelledImages() {
        return getBoolean(QUALITY_FORWARD_LABELLED_IMAGES);
    }

    public String trainingImagesTopic() {
        return getString(TRAINING_IMAGES_TOPIC);
    }

    public boolean promotionEnabled() {
        return getBoolean(PROMOTION_ENABLED);
    }

    public double promotionMinMargin() {
        return getDouble(PROMOTION_MIN_MARGIN);
    }

    public int promotionMinLabelled() {
        return getInt(PROMOTION_MIN_LABELLED);
    }

    public String controlTopic() {
        return getString(CONTROL_TOPIC);
    }

    public String statusTopic() {
        return getString(STATUS_TOPIC);
    }

    public String modelName() {
        return getString(MODEL_NAME);
    }

    public String backbone() {
        return getString(BACKBONE);
    }

    public int batchMaxSize() {
        return getInt(BATCH_MAX_SIZE);
    }

    public Duration batchMaxDelay() {
        return Duration.ofMillis(getLong(BATCH_MAX_DELAY_MS));
    }

    public String processingGuarantee() {
        return getString(PROCESSING_GUARANTEE);
    }

    public boolean exactlyOnce() {
        return EXACTLY_ONCE_V2.equals(processingGuarantee());
    }

    public int numStreamThreads() {
        return getInt(NUM_STREAM_THREADS);
    }

    public int imageMaxBytes() {
        return getInt(IMAGE_MAX_BYTES);
    }

    public long imageMaxPixels() {
        return getLong(IMAGE_MAX_PIXELS);
    }

    public int topK() {
        return getInt(TOP_K);
    }

    public int inferenceLanes() {
        return getInt(INFERENCE_LANES);
    }

    public int featureCacheMaxEntries() {
        return getInt(FEATURE_CACHE_MAX_ENTRIES);
    }

    public long featureCacheMaxBytes() {
        return getLong(FEATURE_CACHE_MAX_BYTES);
    }

    /** The RocksDB memory budget of the process, in bytes; 0 = Kafka Streams' per-store defaults. */
    public long rocksDbMemoryMaxBytes() {
        return getLong(ROCKSDB_MEMORY_MAX_BYTES);
    }

    public int httpPort() {
        return getInt(HTTP_PORT);
    }

    /** Bind address, port and request timeout of the HTTP endpoints. */
    public HttpSettings http() {
        return HttpSettings.from(this);
    }

    public Optional<String> stateDir() {
        String dir = getString(STATE_DIR);
        return dir.isBlank() ? Optional.empty() : Optional.of(dir);
    }

    /**
     * The keys model versions must be signed with.
     *
     * @throws ConfigException when a key cannot be read, or there is none and unsigned versions are not allowed
     */
    public TrustedKeys modelTrust(Map<String, String> env) {
        try {
            return TrustedKeys.fromSettings(getList(MODELS_TRUSTED_KEYS), getBoolean(MODELS_ALLOW_UNSIGNED), env);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(MODELS_TRUSTED_KEYS + ": " + e.getMessage());
        }
    }

    public boolean createTopics() {
        return getBoolean(TOPICS_CREATE);
    }

    public int topicPartitions() {
        return getInt(TOPICS_PARTITIONS);
    }

    public Optional<Short> replicationFactor() {
        short rf = getShort(TOPICS_REPLICATION_FACTOR);
        return rf == -1 ? Optional.empty() : Optional.of(rf);
    }

    /** The {@code kafka.*} settings, prefix removed. */
    public Map<String, String> kafkaOverrides() {
        return kafka;
    }

    /** Largest record this service writes: an image of {@link #imageMaxBytes()} plus key, metadata and headers. */
    public int maxRecordBytes() {
        return (int) Math.min(Integer.MAX_VALUE, (long) imageMaxBytes() + RECORD_OVERHEAD_BYTES);
    }

    /** Everything Kafka Streams needs from us; the caller adds handlers and objects. */
    public Map<String, Object> streamsProperties() {
        Map<String, Object> p = new HashMap<>(kafka);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, numStreamThreads());
        stateDir().ifPresent(dir -> p.put(StreamsConfig.STATE_DIR_CONFIG, dir));
        replicationFactor().ifPresent(rf -> p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) rf));
        p.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), maxRecordBytes());
        if (rocksDbMemoryMaxBytes() > 0 && !p.containsKey(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)) {
            p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
            p.put(BoundedRocksDbMemory.MAX_BYTES_CONFIG, rocksDbMemoryMaxBytes());
        }
        return p;
    }

    /**
     * Settings for a plain client of the given kind: bootstrap servers plus those {@code kafka.*} settings that the
     * client knows (security, timeouts), so the model watcher and admin connect like the stream threads do.
     */
    public Map<String, Object> clientProperties(Set<String> clientConfigNames, String... clientPrefixes) {
        return LayeredSettings.clientProperties(kafka, bootstrapServers(), clientConfigNames, clientPrefixes);
    }

    /** For the model watcher: shared settings, overridden by {@code kafka.consumer.*} as for the stream threads' consumers. */
    public Map<String, Object> consumerProperties() {
        return clientProperties(ConsumerConfig.configNames(), StreamsConfig.CONSUMER_PREFIX);
    }

    /** For topic creation and the broker check: shared settings, overridden by {@code kafka.admin.*}. */
    public Map<String, Object> adminProperties() {
        return clientProperties(AdminClientConfig.configNames(), StreamsConfig.ADMIN_CLIENT_PREFIX);
    }

    /** Declared settings with their effective values, for the start-up log (no {@code kafka.*} values: they may hold secrets). */
    public Map<String, Object> describe() {
        return LayeredSettings.describe(values(), kafka);
    }
}
