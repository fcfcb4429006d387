package dev.streamclassify.trainer.publish;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.catalog.Activation;
import dev.streamclassify.model.catalog.ModelsTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes model versions and activations to the models topic. Versions with fine-tuned backbone layers can exceed
 * Kafka's 1 MB default, so the producer's request limit is raised to {@link #MAX_RECORD_BYTES}, matching the topic's
 * {@code max.message.bytes} (set when the topic is created) and the serving consumer's fetch sizes. Thread-safe.
 */
public final class ModelPublisher implements AutoCloseable {

    public static final int MAX_RECORD_BYTES = 64 * 1024 * 1024;
    public static final String REQUEST_ID_HEADER = "request.id";

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final ModelVersionCodec codec = new ModelVersionCodec();
    private final Clock clock;

    public ModelPublisher(String bootstrapServers, String topic, Map<String, Object> overrides, Clock clock) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_RECORD_BYTES);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 2L * MAX_RECORD_BYTES);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.putAll(overrides);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.topic = topic;
        this.clock = clock;
    }

    public ModelPublisher(String bootstrapServers, String topic) {
        this(bootstrapServers, topic, Map.of(), Clock.systemUTC());
    }

    /** Publishes a version without activating it. */
    public RecordMetadata publish(ModelVersion version) throws ExecutionException, InterruptedException, TimeoutException {
        return send(ModelsTopic.versionKey(version), codec.encode(version));
    }

    /**
     * Publishes a version, its record marked with the request that made it (header {@value #REQUEST_ID_HEADER}), so a
     * rerun of that request can find it instead of publishing a second version.
     */
    public RecordMetadata publish(ModelVersion version, String requestId) throws ExecutionException, InterruptedException, TimeoutException {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, 0, ModelsTopic.versionKey(version), codec.encode(version));
        r.headers().add(REQUEST_ID_HEADER, requestId.getBytes(StandardCharsets.UTF_8));
        return producer.send(r).get(60, TimeUnit.SECONDS);
    }

    /** Points the model at {@code version}; serving switches once it has validated and warmed that version up. */
    public RecordMetadata activate(String model, long version, String requestId) throws ExecutionException, InterruptedException, TimeoutException {
        return send(ModelsTopic.activationKey(model), new Activation(model, version, requestId, clock.instant()).toJson());
    }

    /** Publishes a version, then activates it: the activation is ordered after the version on the single partition. */
    public RecordMetadata publishAndActivate(ModelVersion version, String requestId) throws ExecutionException, InterruptedException, TimeoutException {
        publish(version);
        return activate(version.name(), version.version(), requestId);
    }

    /** Sends raw bytes under any key: tests use it to publish hostile records. */
    public RecordMetadata send(String key, byte[] value) throws ExecutionException, InterruptedException, TimeoutException {
        return producer.send(new ProducerRecord<>(topic, 0, key, value)).get(60, TimeUnit.SECONDS);
    }

    /** For a publisher made with a {@code transactional.id}: fences earlier holders of the id, see {@link VersionWriter}. */
    void initTransactions() {
        producer.initTransactions();
    }

    void beginTransaction() {
        producer.beginTransaction();
    }

    void commitTransaction() {
        producer.commitTransaction();
    }

    @Override
    public void close() {
        producer.close();
    }
}
