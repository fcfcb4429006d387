package dev.streamclassify.trainer.publish;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.catalog.Activation;
import dev.streamclassify.model.catalog.Canary;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.catalog.Shadow;
import dev.streamclassify.model.signing.VersionSignature;
import dev.streamclassify.model.signing.VersionSigner;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes model versions and activations to the models topic. Versions with fine-tuned backbone layers can exceed
 * Kafka's 1 MB default, so the producer's request limit is raised to {@link ModelsTopic#MAX_RECORD_BYTES}, matching the topic's
 * {@code max.message.bytes} (set when the topic is created) and the serving consumer's fetch sizes. With a
 * {@link VersionSigner}, every version record carries its Ed25519 signature in the {@value VersionSignature#KEY_ID_HEADER}
 * and {@value VersionSignature#HEADER} headers (a detached signature: the value stays the codec's bytes). Thread-safe.
 */
public final class ModelPublisher implements AutoCloseable {

    public static final String REQUEST_ID_HEADER = "request.id";

    private static final Logger LOG = LoggerFactory.getLogger(ModelPublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final ModelVersionCodec codec = new ModelVersionCodec();
    private final Clock clock;
    private final Optional<VersionSigner> signer;

    /** @param signer signs each version; empty publishes unsigned versions, which only a development setup accepts */
    public ModelPublisher(String bootstrapServers, String topic, Map<String, Object> overrides, Clock clock,
                          Optional<VersionSigner> signer) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, ModelsTopic.MAX_RECORD_BYTES);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 2L * ModelsTopic.MAX_RECORD_BYTES);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.putAll(overrides);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.topic = topic;
        this.clock = clock;
        this.signer = signer;
        if (signer.isEmpty()) {
            LOG.warn("Publishing UNSIGNED model versions to {}: only services that allow unsigned versions (development) "
                    + "will serve them", topic);
        }
    }

    public ModelPublisher(String bootstrapServers, String topic, VersionSigner signer) {
        this(bootstrapServers, topic, Map.of(), Clock.systemUTC(), Optional.of(signer));
    }

    /** Publishes a version, signed if this publisher has a signer, without activating it. */
    public RecordMetadata publish(ModelVersion version) throws ExecutionException, InterruptedException, TimeoutException {
        return send(versionRecord(version));
    }

    /**
     * Publishes a version, its record marked with the request that made it (header {@value #REQUEST_ID_HEADER}), so a
     * rerun of that request can find it instead of publishing a second version.
     */
    public RecordMetadata publish(ModelVersion version, String requestId) throws ExecutionException, InterruptedException, TimeoutException {
        ProducerRecord<String, byte[]> record = versionRecord(version);
        record.headers().add(REQUEST_ID_HEADER, requestId.getBytes(StandardCharsets.UTF_8));
        return send(record);
    }

    private ProducerRecord<String, byte[]> versionRecord(ModelVersion version) {
        String key = ModelsTopic.versionKey(version);
        byte[] value = codec.encode(version);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, 0, key, value);
        signer.ifPresent(s -> {
            VersionSignature sig = s.sign(key, value);
            record.headers().add(VersionSignature.KEY_ID_HEADER, sig.keyIdBytes());
            record.headers().add(VersionSignature.HEADER, sig.signature());
        });
        return record;
    }

    /**
     * Points the model at {@code version}; serving switches once it has validated and warmed that version up. An
     * activation ends any shadow and canary of the model: their tombstones follow it on the single partition.
     */
    public RecordMetadata activate(String model, long version, String requestId) throws ExecutionException, InterruptedException, TimeoutException {
        RecordMetadata activation = send(ModelsTopic.activationKey(model), new Activation(model, version, requestId, clock.instant()).toJson());
        send(ModelsTopic.shadowKey(model), null);
        send(ModelsTopic.canaryKey(model), null);
        return activation;
    }

    /** Makes {@code versions} the model's shadow heads (an empty list ends the shadow). */
    public RecordMetadata shadow(String model, List<Long> versions, String requestId) throws ExecutionException, InterruptedException, TimeoutException {
        return send(ModelsTopic.shadowKey(model), new Shadow(model, versions, requestId, clock.instant()).toJson());
    }

    /** Serves {@code percent} of image ids with {@code version} (0 ends the canary, as a tombstone). */
    public RecordMetadata canary(String model, long version, int percent, String requestId) throws ExecutionException, InterruptedException, TimeoutException {
        return send(ModelsTopic.canaryKey(model), percent == 0 ? null : new Canary(model, version, percent, requestId, clock.instant()).toJson());
    }

    /** Publishes a version, then activates it: the activation is ordered after the version on the single partition. */
    public RecordMetadata publishAndActivate(ModelVersion version, String requestId) throws ExecutionException, InterruptedException, TimeoutException {
        publish(version);
        return activate(version.name(), version.version(), requestId);
    }

    /** Sends raw bytes under any key: tests use it to publish hostile records. */
    public RecordMetadata send(String key, byte[] value) throws ExecutionException, InterruptedException, TimeoutException {
        return send(new ProducerRecord<>(topic, 0, key, value));
    }

    private RecordMetadata send(ProducerRecord<String, byte[]> record) throws ExecutionException, InterruptedException, TimeoutException {
        return producer.send(record).get(60, TimeUnit.SECONDS);
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
