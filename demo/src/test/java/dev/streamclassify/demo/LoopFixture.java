package dev.streamclassify.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.testing.TestKeys;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.trainer.control.service.TrainerServiceConfig;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.dataset.LabelledImage;
import dev.streamclassify.trainer.publish.ModelPublisher;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Both services on one broker, with the default topic names, and the clients a user would use around them: settings
 * for streams-app and trainer serve (plus any Kafka client settings, e.g. TLS and SASL), producers of images and
 * commands, and readers of predictions, status events and versions. Every wait has a deadline.
 */
final class LoopFixture {

    static final Duration DEADLINE = Duration.ofMinutes(3);
    /** The header that names an image's class on the training-images topic (DESIGN.md section 2). */
    static final String LABEL_HEADER = "label";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    final String bootstrap;
    final Map<String, Object> client;
    private final Path work;

    /** @param client Kafka client settings every client needs besides bootstrap.servers (security), may be empty */
    LoopFixture(String bootstrap, Map<String, Object> client, Path work) {
        this.bootstrap = bootstrap;
        this.client = Map.copyOf(client);
        this.work = work;
    }

    StreamsAppConfig streamsApp() {
        return streamsApp(client);
    }

    /** @param client the Kafka client settings of streams-app, e.g. its own user */
    StreamsAppConfig streamsApp(Map<String, Object> client) {
        return streamsApp(client, Map.of());
    }

    /** @param settings streams-app settings beyond the loop's own, e.g. automatic promotion */
    StreamsAppConfig streamsApp(Map<String, Object> client, Map<String, Object> settings) {
        Map<String, Object> s = new HashMap<>();
        s.put(StreamsAppConfig.BOOTSTRAP_SERVERS, bootstrap);
        s.put(StreamsAppConfig.APPLICATION_ID, "loop-classify");
        s.put(StreamsAppConfig.HTTP_PORT, 0);
        s.put(StreamsAppConfig.STATE_DIR, work.resolve("streams").toString());
        s.put(StreamsAppConfig.TOPICS_PARTITIONS, 2);
        s.put(StreamsAppConfig.MODELS_TRUSTED_KEYS, TestKeys.trustedKeysSetting());
        client.forEach((k, v) -> s.put(StreamsAppConfig.KAFKA_PREFIX + k, v));
        s.putAll(settings);
        return StreamsAppConfig.of(s);
    }

    TrainerServiceConfig trainer() {
        return trainer(client);
    }

    /** @param client the Kafka client settings of trainer serve, e.g. its own user */
    TrainerServiceConfig trainer(Map<String, Object> client) {
        Map<String, Object> s = new HashMap<>();
        s.put(TrainerServiceConfig.BOOTSTRAP_SERVERS, bootstrap);
        s.put(TrainerServiceConfig.CACHE_DIR, work.resolve("features").toString());
        s.put(TrainerServiceConfig.HTTP_PORT, 0);
        s.put(TrainerServiceConfig.HOLDOUT_FRACTION, 0.3);
        s.put(TrainerServiceConfig.TRAINING_EPOCHS, 10);
        s.put(TrainerServiceConfig.TRAINING_BATCH_SIZE, 16);
        s.put(TrainerServiceConfig.TRAINING_MIN_UPDATES, 60);
        s.put(TrainerServiceConfig.SHUTDOWN_TIMEOUT_MS, 5000);
        s.put(TrainerServiceConfig.MODELS_SIGNING_KEY, TestKeys.signingKeySetting());
        client.forEach((k, v) -> s.put(TrainerServiceConfig.KAFKA_PREFIX + k, v));
        return TrainerServiceConfig.of(s);
    }

    Map<String, Object> clientProperties() {
        Map<String, Object> p = new HashMap<>(client);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return p;
    }

    /** A producer that keeps records through a broker outage of a few minutes instead of failing them. */
    KafkaProducer<String, byte[]> producer() {
        Map<String, Object> p = clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DEADLINE.toMillis());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, DEADLINE.toMillis());
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    ModelPublisher publisher() {
        return new ModelPublisher(bootstrap, "models", client, java.time.Clock.systemUTC(), Optional.of(TestKeys.SIGNER));
    }

    /** {@code perClass} Fashion-MNIST images of each class, from {@code from} on. */
    static List<LabelledImage> images(List<String> classes, int from, int perClass) {
        List<LabelledImage> out = new ArrayList<>();
        for (String c : classes) {
            out.addAll(FashionMnist.sampleTrain().images().stream().filter(i -> i.label().equals(c)).skip(from).limit(perClass).toList());
        }
        return out;
    }

    void produceTrainingImages(KafkaProducer<String, byte[]> producer, List<LabelledImage> images) {
        for (int i = 0; i < images.size(); i++) {
            ProducerRecord<String, byte[]> r = new ProducerRecord<>("training-images", "train-" + i, ImageEncoder.png(images.get(i).image()));
            r.headers().add(LABEL_HEADER, images.get(i).label().getBytes(StandardCharsets.UTF_8));
            producer.send(r);
        }
        producer.flush();
    }

    /** Sends without waiting; returns the image ids. */
    static Set<String> produceImages(KafkaProducer<String, byte[]> producer, String prefix, List<LabelledImage> images) {
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < images.size(); i++) {
            String id = prefix + i;
            ids.add(id);
            producer.send(new ProducerRecord<>("images", id, ImageEncoder.png(images.get(i).image())));
        }
        return ids;
    }

    static void command(KafkaProducer<String, byte[]> producer, String requestId, String json) throws Exception {
        producer.send(new ProducerRecord<>("control", requestId, json.getBytes(StandardCharsets.UTF_8))).get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Reads {@code topic} from the beginning until {@code done} holds for what was read. */
    List<ConsumerRecord<String, byte[]>> read(String topic, Predicate<List<ConsumerRecord<String, byte[]>>> done, String what) {
        Map<String, Object> p = clientProperties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, ModelsTopic.MAX_RECORD_BYTES);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, ModelsTopic.MAX_RECORD_BYTES);
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = List.of();
            while (!done.test(records)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out after " + DEADLINE + " waiting for " + what + " on " + topic + "; read "
                            + records.size() + " records");
                }
                if (partitions.isEmpty()) {
                    List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
                    if (infos != null && !infos.isEmpty()) {
                        partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
                        c.assign(partitions);
                        c.seekToBeginning(partitions);
                    }
                    continue;
                }
                c.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    Set<String> awaitPredictions(Set<String> ids) {
        Set<String> seen = new LinkedHashSet<>();
        read("predictions", rs -> {
            rs.forEach(r -> seen.add(r.key()));
            return seen.containsAll(ids);
        }, "predictions of all " + ids.size() + " images");
        return seen;
    }

    /** The model version that made each image's prediction, once every one of {@code ids} has one (the last one wins). */
    Map<String, Long> awaitPredictionVersions(Set<String> ids) {
        Map<String, Long> versions = new HashMap<>();
        read("predictions", rs -> {
            for (ConsumerRecord<String, byte[]> r : rs) {
                if (ids.contains(r.key())) {
                    try {
                        versions.put(r.key(), JSON.readTree(r.value()).path("model").path("version").asLong());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
            return versions.keySet().containsAll(ids);
        }, "predictions of all " + ids.size() + " images");
        return versions;
    }

    StatusEvent awaitStatus(String requestId, Predicate<StatusEvent> wanted, String what) {
        List<StatusEvent> found = new ArrayList<>();
        read("training-status", rs -> {
            found.clear();
            rs.stream().filter(r -> requestId.equals(r.key())).map(LoopFixture::event).filter(wanted).forEach(found::add);
            return !found.isEmpty();
        }, what + " of " + requestId);
        return found.get(0);
    }

    StatusEvent awaitOutcome(String requestId) {
        return awaitStatus(requestId, e -> e.state().terminal(), "the outcome");
    }

    /** Version records of {@code model} on the models topic, each with the request id it carries (or "" if none). */
    List<Map.Entry<Long, String>> versions(String model) {
        Map<String, Object> p = clientProperties();
        List<Map.Entry<Long, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(withCommitted(p), new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition("models", 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    ModelsTopic.parse(r.key()).ifPresent(k -> {
                        if (k instanceof ModelsTopic.VersionKey v && v.model().equals(model)) {
                            Header h = r.headers().lastHeader(ModelPublisher.REQUEST_ID_HEADER);
                            out.add(Map.entry(v.version(), h == null ? "" : new String(h.value(), StandardCharsets.UTF_8)));
                        }
                    });
                }
            }
        }
        return out;
    }

    private static Map<String, Object> withCommitted(Map<String, Object> p) {
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, ModelsTopic.MAX_RECORD_BYTES);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, ModelsTopic.MAX_RECORD_BYTES);
        return p;
    }

    private static StatusEvent event(ConsumerRecord<String, byte[]> r) {
        try {
            return StatusEvent.fromJson(r.value());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** HTTP status of GET {@code path} on a service's port; -1 if nothing answers. */
    static int http(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + DEADLINE + " waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }
}
