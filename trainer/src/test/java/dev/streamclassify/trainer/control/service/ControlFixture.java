package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.kafka.testkit.SharedKafkaBroker;
import dev.streamclassify.model.catalog.Activation;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.testing.TestKeys;
import dev.streamclassify.model.testing.WireSchemas;
import dev.streamclassify.trainer.control.retrain.TrainingImages;
import dev.streamclassify.trainer.dataset.LabelledImage;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Topics with names of their own on the shared broker, a producer for images and commands, and readers for what the
 * trainer writes. Every wait has a deadline and waits in a consumer poll, never in a sleep.
 */
final class ControlFixture implements AutoCloseable {

    static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(90);

    final String bootstrap = SharedKafkaBroker.bootstrapServers();
    final String control;
    final String status;
    final String models;
    final String images;
    final String group;
    private final KafkaProducer<String, byte[]> producer;
    private final TopicReader statusReader;
    private final TopicReader modelsReader;
    /** Values sent to the control topic, by request id. */
    private final Map<String, List<byte[]>> sent = new ConcurrentHashMap<>();

    ControlFixture(String name) {
        String id = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        control = "control-" + id;
        status = "status-" + id;
        models = "models-" + id;
        images = "images-" + id;
        group = "trainer-" + id;
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer());
        statusReader = new TopicReader(bootstrap, status);
        modelsReader = new TopicReader(bootstrap, models);
    }

    /** Settings for a service on these topics; the service creates them. */
    Map<String, Object> settings(Path cacheDir) {
        Map<String, Object> s = new HashMap<>();
        s.put(TrainerServiceConfig.BOOTSTRAP_SERVERS, bootstrap);
        s.put(TrainerServiceConfig.GROUP_ID, group);
        s.put(TrainerServiceConfig.CONTROL_TOPIC, control);
        s.put(TrainerServiceConfig.STATUS_TOPIC, status);
        s.put(TrainerServiceConfig.MODELS_TOPIC, models);
        s.put(TrainerServiceConfig.TRAINING_IMAGES_TOPIC, images);
        s.put(TrainerServiceConfig.CACHE_DIR, cacheDir.toString());
        s.put(TrainerServiceConfig.HTTP_PORT, 0);
        s.put(TrainerServiceConfig.HOLDOUT_FRACTION, 0.3);
        s.put(TrainerServiceConfig.TRAINING_EPOCHS, 10);
        s.put(TrainerServiceConfig.TRAINING_BATCH_SIZE, 16);
        s.put(TrainerServiceConfig.TRAINING_MIN_UPDATES, 60);
        s.put(TrainerServiceConfig.TRAINING_SEED, 7);
        s.put(TrainerServiceConfig.SHUTDOWN_TIMEOUT_MS, 5000);
        s.put(TrainerServiceConfig.MODELS_SIGNING_KEY, TestKeys.signingKeySetting());
        return s;
    }

    /** Produces PNGs with their label header; returns the offset after the last one (single partition). */
    long produceImages(List<LabelledImage> labelled) throws Exception {
        long end = -1;
        for (LabelledImage img : labelled) {
            ProducerRecord<String, byte[]> r = new ProducerRecord<>(images, null, "img-" + UUID.randomUUID(), ImageEncoder.png(img.image()));
            r.headers().add(TrainingImages.LABEL_HEADER, img.label().getBytes(StandardCharsets.UTF_8));
            end = producer.send(r).get(30, TimeUnit.SECONDS).offset() + 1;
        }
        producer.flush();
        return end;
    }

    void produceRaw(String key, byte[] value, String label) throws Exception {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(images, key, value);
        if (label != null) {
            r.headers().add(TrainingImages.LABEL_HEADER, label.getBytes(StandardCharsets.UTF_8));
        }
        producer.send(r).get(30, TimeUnit.SECONDS);
    }

    void send(String requestId, String json) throws Exception {
        send(requestId, json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    void send(String requestId, byte[] value) throws Exception {
        if (requestId != null && value != null) {
            sent.computeIfAbsent(requestId, k -> new CopyOnWriteArrayList<>()).add(value);
        }
        producer.send(new ProducerRecord<>(control, requestId, value)).get(30, TimeUnit.SECONDS);
    }

    /** Waits for the outcome (succeeded, failed or rejected) of {@code requestId}. */
    StatusEvent awaitOutcome(String requestId) {
        return awaitEvent(e -> e.requestId().equals(requestId) && e.state().terminal(), "an outcome of " + requestId);
    }

    StatusEvent awaitEvent(Predicate<StatusEvent> wanted, String what) {
        List<StatusEvent> found = statusReader.await(r -> events(List.of(r)).stream().anyMatch(wanted), OUTCOME_TIMEOUT, what)
                .stream().map(this::event).filter(wanted).toList();
        return found.get(0);
    }

    /** Every status event so far (reads up to the topic's current end). */
    List<StatusEvent> events() {
        return events(statusReader.readToEnd());
    }

    List<StatusEvent> eventsOf(String requestId) {
        return events().stream().filter(e -> e.requestId().equals(requestId)).toList();
    }

    /** Records of the models topic so far, in order. */
    /** Produces {@code labelled} to the training-images topic and retrains on the whole topic; its outcome. */
    StatusEvent retrainOn(String requestId, List<LabelledImage> labelled) throws Exception {
        produceImages(labelled);
        send(requestId, TestData.retrain(images));
        return awaitOutcome(requestId);
    }

    /**
     * Sends a retrain of model {@code default} on the whole training-images topic with {@code fields} (JSON members after
     * the dataset, e.g. {@code "epochs":10}) and waits for its outcome.
     */
    StatusEvent retrainWith(String requestId, String fields) throws Exception {
        send(requestId, "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"" + images + "\"}," + fields + "}");
        return awaitOutcome(requestId);
    }

    /** The version as published on the models topic. */
    ModelVersion publishedVersion(long version) throws Exception {
        for (var r : modelRecords()) {
            if (ModelsTopic.parse(r.key()).filter(k -> k instanceof ModelsTopic.VersionKey v && v.version() == version).isPresent()) {
                return new ModelVersionCodec().decode(r.value());
            }
        }
        throw new AssertionError("version " + version + " was not published");
    }

    List<ConsumerRecord<String, byte[]>> modelRecords() {
        return modelsReader.readToEnd();
    }

    /** The last activation of {@code model} on the models topic. */
    Optional<Activation> activation(String model) throws IOException {
        Activation last = null;
        for (ConsumerRecord<String, byte[]> r : modelRecords()) {
            if (ModelsTopic.activationKey(model).equals(r.key())) {
                last = Activation.fromJson(r.value());
            }
        }
        return Optional.ofNullable(last);
    }

    List<Long> versions(String model) {
        List<Long> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : modelRecords()) {
            ModelsTopic.parse(r.key()).ifPresent(k -> {
                if (k instanceof ModelsTopic.VersionKey v && v.model().equals(model)) {
                    out.add(v.version());
                }
            });
        }
        return out;
    }

    private List<StatusEvent> events(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(this::event).toList();
    }

    /**
     * The event, checked against the published schema; an accepted request also proves its command valid under the
     * command schema (one of the values sent under its id: a duplicate may have followed the one that ran).
     */
    private StatusEvent event(ConsumerRecord<String, byte[]> r) {
        WireSchemas.STATUS_EVENT.check(r.value());
        try {
            StatusEvent event = StatusEvent.fromJson(r.value());
            List<byte[]> commands = sent.getOrDefault(event.requestId(), List.of());
            if (event.state() == StatusEvent.State.ACCEPTED && !commands.isEmpty()
                    && commands.stream().noneMatch(c -> WireSchemas.CONTROL_COMMAND.errors(c).isEmpty())) {
                WireSchemas.CONTROL_COMMAND.check(commands.get(0));
            }
            return event;
        } catch (IOException e) {
            throw new AssertionError("unreadable status event " + new String(r.value(), StandardCharsets.UTF_8), e);
        }
    }

    /** Closes what a test class started, in the order given, skipping what never started. */
    static void closeInOrder(AutoCloseable... resources) throws Exception {
        for (AutoCloseable r : resources) {
            if (r != null) {
                r.close();
            }
        }
    }

    @Override
    public void close() {
        producer.close();
        statusReader.close();
        modelsReader.close();
    }

    /** Accumulates a topic's records with one consumer; {@link #await} polls until a record satisfies a condition. */
    static final class TopicReader implements AutoCloseable {
        private final String topic;
        private final KafkaConsumer<String, byte[]> consumer;
        private final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        private List<TopicPartition> partitions = List.of();

        TopicReader(String bootstrap, String topic) {
            this.topic = topic;
            this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, ModelsTopic.MAX_RECORD_BYTES, ConsumerConfig.FETCH_MAX_BYTES_CONFIG, ModelsTopic.MAX_RECORD_BYTES),
                    new StringDeserializer(), new ByteArrayDeserializer());
        }

        synchronized List<ConsumerRecord<String, byte[]>> readToEnd() {
            if (!assign()) {
                return List.of();
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end " + end);
                }
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
            return List.copyOf(records);
        }

        /** Polls until some record satisfies {@code wanted}; returns all records read so far. */
        synchronized List<ConsumerRecord<String, byte[]>> await(Predicate<ConsumerRecord<String, byte[]>> wanted, Duration timeout, String what) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                List<ConsumerRecord<String, byte[]>> all = readToEnd();
                if (all.stream().anyMatch(wanted)) {
                    return all;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; " + topic + " holds "
                            + all.stream().map(r -> r.key() + "=" + new String(r.value() == null ? new byte[0] : r.value(), StandardCharsets.UTF_8)).toList());
                }
                if (!partitions.isEmpty()) {
                    consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                }
            }
        }

        private boolean assign() {
            if (!partitions.isEmpty()) {
                return true;
            }
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            if (infos == null || infos.isEmpty()) {
                return false;
            }
            partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return true;
        }

        @Override
        public synchronized void close() {
            consumer.close();
        }
    }
}
