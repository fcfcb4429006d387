package dev.streamclassify.trainer.publish;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.signing.VersionSigner;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

/**
 * Numbers and writes new model versions so that two writers (trainer instances, {@code trainer publish}) never use the
 * same version number and one request never publishes two versions.
 *
 * <p>Every writer of a model uses the transactional id {@link #transactionalId}. Initialising it fences whoever held
 * it before: their open transaction is aborted and their later sends fail. So between its initialisation and its
 * commit a writer is the only one for that model; inside that window it reads the models topic to its end (committed
 * records only, as every reader of the topic does). If a version there carries this request id (header
 * {@value ModelPublisher#REQUEST_ID_HEADER}), an earlier run of the request published it, typically before a crash
 * that lost its status event: that number is reused and no second version is written. Otherwise the version gets the
 * highest number on the topic plus one, or the number asked for, refused if taken. A writer fenced by another one
 * starts over with a fresh read. Not thread-safe; each call uses producers and a consumer of its own.
 */
public final class VersionWriter {

    /** What a call wrote, or found written by an earlier run of the same request. */
    public record Published(ModelVersion version, boolean earlierRun) {
    }

    /** The records of one publication, written inside the writer's transaction. */
    @FunctionalInterface
    public interface Writes {
        /** @param earlierRun the version is already on the topic: write only what still has to follow it */
        void write(ModelPublisher publisher, ModelVersion numbered, boolean earlierRun) throws Exception;
    }

    /** Thrown when {@code --version N} names a number the model already has: versions are never replaced. */
    public static final class VersionTakenException extends IllegalStateException {
        VersionTakenException(String message) {
            super(message);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(VersionWriter.class);
    /** Writers that keep fencing each other back off for a random, growing while, so one of them gets through. */
    private static final int ATTEMPTS = 20;
    private static final long BACKOFF_MILLIS = 100;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final Deserializer<Void> IGNORE_VALUE = (topic, data) -> null;

    private final String topic;
    private final Map<String, Object> producerProperties;
    private final Map<String, Object> consumerProperties;
    private final Clock clock;
    private final Optional<VersionSigner> signer;

    /**
     * @param producerProperties connection settings of the producer (bootstrap servers, security)
     * @param consumerProperties connection settings of the consumer that reads the topic
     * @param signer             signs every version written; empty writes unsigned versions (development only)
     */
    public VersionWriter(String topic, Map<String, Object> producerProperties, Map<String, Object> consumerProperties, Clock clock,
                         Optional<VersionSigner> signer) {
        this.topic = topic;
        this.producerProperties = Map.copyOf(producerProperties);
        this.consumerProperties = Map.copyOf(consumerProperties);
        this.clock = clock;
        this.signer = signer;
    }

    /** The one transactional id of all writers of {@code model}'s versions on {@code topic}: what ACLs must allow. */
    public static String transactionalId(String topic, String model) {
        return "streamclassify-models-" + topic + "-" + model;
    }

    /** Publishes {@code version} (its number is ignored) under the next free number and activates it. */
    public Published publishAndActivate(ModelVersion version, String requestId) throws Exception {
        return publish(version, OptionalLong.empty(), requestId, (p, v, earlier) -> {
            if (!earlier) {
                p.publish(v, requestId);
            }
            p.activate(v.name(), v.version(), requestId);
        });
    }

    /**
     * @param number the version number to use; empty: the next free one
     * @throws VersionTakenException if {@code number} is already a version of the model (from another request)
     */
    public Published publish(ModelVersion version, OptionalLong number, String requestId, Writes writes) throws Exception {
        for (int attempt = 1; ; attempt++) {
            Map<String, Object> p = new HashMap<>(producerProperties);
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(topic, version.name()));
            try (ModelPublisher publisher = new ModelPublisher(String.valueOf(p.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)), topic, p, clock, signer)) {
                publisher.initTransactions();
                Scan scan = scan(version.name(), requestId);
                ModelVersion numbered;
                boolean earlier = scan.requestVersion().isPresent();
                if (earlier) {
                    numbered = version.withVersion(scan.requestVersion().getAsLong());
                    LOG.info("{} already published {}: not publishing it again", requestId, numbered.id());
                } else if (number.isPresent()) {
                    if (scan.versions().contains(number.getAsLong())) {
                        throw new VersionTakenException(version.name() + " already has version " + number.getAsLong()
                                + " on " + topic + "; versions are never replaced (highest is " + scan.versions().last() + ")");
                    }
                    numbered = version.withVersion(number.getAsLong());
                } else {
                    numbered = version.withVersion(scan.versions().isEmpty() ? 1 : scan.versions().last() + 1);
                }
                publisher.beginTransaction();
                writes.write(publisher, numbered, earlier);
                publisher.commitTransaction();
                return new Published(numbered, earlier);
            } catch (ProducerFencedException | InvalidProducerEpochException e) {
                fenced(attempt, version, e);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof ProducerFencedException || e.getCause() instanceof InvalidProducerEpochException)) {
                    throw e;
                }
                fenced(attempt, version, e.getCause());
            } catch (KafkaException e) {
                if (!(e.getCause() instanceof ProducerFencedException)) {
                    throw e;
                }
                fenced(attempt, version, e.getCause());
            }
        }
    }

    private static void fenced(int attempt, ModelVersion version, Throwable e) throws InterruptedException {
        if (attempt >= ATTEMPTS) {
            throw new IllegalStateException("another writer of " + version.name() + " fenced this one " + ATTEMPTS + " times", e);
        }
        long backoff = (long) (BACKOFF_MILLIS * Math.min(attempt, 10) * (0.5 + ThreadLocalRandom.current().nextDouble()));
        LOG.info("Another writer of {} versions took over ({}); reading the topic again in {} ms", version.name(), e.toString(), backoff);
        // not a synchronisation: two writers that re-initialise in lock step would fence each other for ever
        Thread.sleep(backoff);
    }

    /** The model's version numbers on the topic and the one this request published, if any. */
    record Scan(TreeSet<Long> versions, OptionalLong requestVersion) {
    }

    Scan scan(String model, String requestId) throws TimeoutException {
        Map<String, Object> p = new HashMap<>(consumerProperties);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, ModelsTopic.MAX_RECORD_BYTES);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, ModelsTopic.MAX_RECORD_BYTES);
        TreeSet<Long> versions = new TreeSet<>();
        OptionalLong mine = OptionalLong.empty();
        try (Consumer<String, Void> c = new KafkaConsumer<>(p, new StringDeserializer(), IGNORE_VALUE)) {
            List<PartitionInfo> infos = c.partitionsFor(topic, READ_TIMEOUT);
            if (infos == null || infos.isEmpty()) {
                return new Scan(versions, mine);
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions, READ_TIMEOUT);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("could not read " + topic + " to its end " + end + " within " + READ_TIMEOUT.toSeconds() + " s");
                }
                for (ConsumerRecord<String, Void> r : c.poll(Duration.ofMillis(200))) {
                    Optional<ModelsTopic.Key> key = ModelsTopic.parse(r.key());
                    if (key.isPresent() && key.get() instanceof ModelsTopic.VersionKey v && v.model().equals(model)) {
                        versions.add(v.version());
                        Header h = r.headers().lastHeader(ModelPublisher.REQUEST_ID_HEADER);
                        if (h != null && h.value() != null && requestId.equals(new String(h.value(), StandardCharsets.UTF_8))) {
                            mine = OptionalLong.of(v.version());
                        }
                    }
                }
            }
        }
        return new Scan(versions, mine);
    }
}
