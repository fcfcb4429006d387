package dev.streamclassify.streams.testing;

import dev.streamclassify.kafka.testkit.SharedKafkaBroker;
import dev.streamclassify.kafka.testkit.Topics;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.catalog.Activation;
import dev.streamclassify.model.catalog.Canary;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.catalog.Shadow;
import dev.streamclassify.model.signing.VersionSignature;
import dev.streamclassify.model.signing.VersionSigner;
import dev.streamclassify.model.testing.TestKeys;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.wire.ModelQuality;
import dev.streamclassify.streams.topology.ClassifyTopics;
import dev.streamclassify.streams.wire.PredictionEvent;
import dev.streamclassify.streams.topology.TopicSetup;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.testing.TestModels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One test's corner of the shared broker: topic names and application id of its own, its topics created, and a
 * producer for images and model records. Owned by one test.
 */
public final class ClassifyFixture implements AutoCloseable {

    public static final String MODEL = "default";
    /** The label set of the integration tests that need no particular labels. */
    public static final List<String> LABELS = List.of("cat", "dog", "bird", "fish");

    private final String bootstrap;
    private final String prefix;
    private final Path stateDir;
    private final int partitions;
    private final KafkaProducer<String, byte[]> producer;
    private final ModelVersionCodec codec = new ModelVersionCodec();

    private ClassifyFixture(String bootstrap, String prefix, Path stateDir, int partitions) {
        this.bootstrap = bootstrap;
        this.prefix = prefix;
        this.stateDir = stateDir;
        this.partitions = partitions;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** Creates the topics of a fresh, uniquely named setup on the shared broker, images and outputs with 3 partitions. */
    public static ClassifyFixture create(String name) {
        return create(name, 3);
    }

    /** As {@link #create(String)}, with {@code partitions} partitions for images and the outputs. */
    public static ClassifyFixture create(String name, int partitions) {
        String bootstrap = SharedKafkaBroker.bootstrapServers();
        String prefix = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        Path stateDir;
        try {
            stateDir = Files.createTempDirectory("classify-" + name);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        ClassifyFixture f = new ClassifyFixture(bootstrap, prefix, stateDir, partitions);
        StreamsAppConfig config = f.config(Map.of());
        List<NewTopic> topics = new ArrayList<>(TopicSetup.required(config));
        // the trainer's topics, which streams-app writes to with automatic promotion and labelled-image forwarding on
        for (String trainerTopic : List.of(config.controlTopic(), config.statusTopic(), config.trainingImagesTopic())) {
            topics.add(new NewTopic(trainerTopic, 1, (short) 1));
        }
        Topics.create(bootstrap, topics);
        return f;
    }

    public String bootstrap() {
        return bootstrap;
    }

    public Path stateDir() {
        return stateDir;
    }

    /** Settings of an app on this fixture's topics: small batches, ephemeral HTTP port, quick commits. */
    public Map<String, String> settings(Map<String, String> overrides) {
        Map<String, String> s = new HashMap<>();
        s.put(StreamsAppConfig.BOOTSTRAP_SERVERS, bootstrap);
        s.put(StreamsAppConfig.APPLICATION_ID, prefix + "-app");
        s.put(StreamsAppConfig.IMAGES_TOPIC, prefix + "-images");
        s.put(StreamsAppConfig.PREDICTIONS_TOPIC, prefix + "-predictions");
        s.put(StreamsAppConfig.DLQ_TOPIC, prefix + "-dlq");
        s.put(StreamsAppConfig.MODELS_TOPIC, prefix + "-models");
        s.put(StreamsAppConfig.SHADOW_PREDICTIONS_TOPIC, prefix + "-predictions-shadow");
        s.put(StreamsAppConfig.LABELS_TOPIC, prefix + "-labels");
        s.put(StreamsAppConfig.MODEL_QUALITY_TOPIC, prefix + "-model-quality");
        s.put(StreamsAppConfig.CONTROL_TOPIC, prefix + "-control");
        s.put(StreamsAppConfig.STATUS_TOPIC, prefix + "-training-status");
        s.put(StreamsAppConfig.TRAINING_IMAGES_TOPIC, prefix + "-training-images");
        s.put(StreamsAppConfig.MODEL_NAME, MODEL);
        s.put(StreamsAppConfig.BATCH_MAX_SIZE, "16");
        s.put(StreamsAppConfig.BATCH_MAX_DELAY_MS, "20");
        s.put(StreamsAppConfig.HTTP_PORT, "0");
        s.put(StreamsAppConfig.STATE_DIR, stateDir.toString());
        s.put(StreamsAppConfig.TOPICS_PARTITIONS, Integer.toString(partitions));
        s.put(StreamsAppConfig.MODELS_TRUSTED_KEYS, TestKeys.trustedKeysSetting());
        s.put("kafka.commit.interval.ms", "200");
        s.putAll(overrides);
        return s;
    }

    public StreamsAppConfig config(Map<String, String> overrides) {
        return StreamsAppConfig.of(settings(overrides));
    }

    public ClassifyTopics topics() {
        return ClassifyTopics.from(config(Map.of()));
    }

    /** Publishes {@code version} signed by the key the fixture's apps trust, as the trainer would. */
    public void publish(ModelVersion version) {
        publishSigned(ModelsTopic.versionKey(version), codec.encode(version), TestKeys.SIGNER);
    }

    /** Any bytes under any key, signed by {@code signer}: what an attacker holding (or lacking) the key could write. */
    public void publishSigned(String key, byte[] value, VersionSigner signer) {
        publishWithSignature(key, value, signer.sign(key, value));
    }

    /** Any bytes under any key with the given signature headers, e.g. a genuine signature replayed elsewhere. */
    public void publishWithSignature(String key, byte[] value, VersionSignature sig) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(VersionSignature.KEY_ID_HEADER, sig.keyIdBytes());
        headers.add(VersionSignature.HEADER, sig.signature());
        send(new ProducerRecord<>(topics().models().name(), null, key, value, headers));
    }

    /** Any bytes under any key, without a signature. */
    public void publishRaw(String key, byte[] value) {
        send(topics().models().name(), null, key, value);
    }

    /** Publishes version 1 of {@link #MODEL} for {@code backbone} and activates it: the usual start of a test. */
    public ModelVersion serveFirstVersion(Backbone backbone, List<String> labels) {
        ModelVersion first = TestModels.version(backbone, MODEL, 1, labels, 1);
        publish(first);
        activate(1);
        return first;
    }

    public void activate(long version) {
        send(topics().models().name(), null, ModelsTopic.activationKey(MODEL),
                new Activation(MODEL, version, "test-" + version, Instant.now()).toJson());
    }

    /** Makes {@code versions} shadow heads, as the trainer's shadow command does. */
    public void shadow(List<Long> versions) {
        send(topics().models().name(), null, ModelsTopic.shadowKey(MODEL), new Shadow(MODEL, versions, "test-shadow", Instant.now()).toJson());
    }

    /** Serves {@code percent} of image ids with {@code version}, as the trainer's canary command does. */
    public void canary(long version, int percent) {
        send(topics().models().name(), null, ModelsTopic.canaryKey(MODEL),
                new Canary(MODEL, version, percent, "test-canary", Instant.now()).toJson());
    }

    /** A label for an image, as a labelling tool would send it. */
    public void sendLabel(String imageId, byte[] value) {
        producer.send(new ProducerRecord<>(topics().labels().name(), imageId, value));
    }

    /** Sends without waiting; {@link #flush()} waits for everything sent. */
    public void sendImage(int partition, String key, byte[] image) {
        producer.send(new ProducerRecord<>(topics().images().name(), partition, key, image));
    }

    public void flush() {
        producer.flush();
    }

    private void send(String topic, Integer partition, String key, byte[] value) {
        send(new ProducerRecord<>(topic, partition, key, value));
    }

    private void send(ProducerRecord<String, byte[]> record) {
        String topic = record.topic();
        try {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    public TopicReader<PredictionEvent> predictions() {
        var t = topics().predictions();
        return new TopicReader<>(bootstrap, t.name(), t.valueSerde().deserializer());
    }

    public TopicReader<PredictionEvent> shadowPredictions() {
        var t = topics().shadowPredictions();
        return new TopicReader<>(bootstrap, t.name(), t.valueSerde().deserializer());
    }

    public TopicReader<ModelQuality> modelQuality() {
        var t = topics().modelQuality();
        return new TopicReader<>(bootstrap, t.name(), t.valueSerde().deserializer());
    }

    /** Any topic's records as bytes, e.g. the trainer's control or status topic. */
    public TopicReader<byte[]> bytes(String topic) {
        return new TopicReader<>(bootstrap, topic, new ByteArrayDeserializer());
    }

    public TopicReader<byte[]> deadLetters() {
        return new TopicReader<>(bootstrap, topics().deadLetters().name(), new ByteArrayDeserializer());
    }

    @Override
    public void close() {
        producer.close();
    }
}
