package dev.streamclassify.streams;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.artifact.RawParams;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.head.Heads;
import dev.streamclassify.model.inference.Owned;
import dev.streamclassify.model.testing.TestKeys;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
import dev.streamclassify.streams.models.ActiveModel;
import dev.streamclassify.streams.testing.ClassifyFixture;
import dev.streamclassify.streams.testing.Conditions;
import dev.streamclassify.streams.testing.TestImages;
import dev.streamclassify.streams.testing.TopicReader;
import dev.streamclassify.streams.wire.DeadLetters;
import dev.streamclassify.streams.wire.PredictionEvent;
import io.micrometer.core.instrument.Counter;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.KafkaStreams;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole service in this JVM against the real broker of kafka-testkit. */
class StreamsAppIntegrationTest {

    static final List<String> LABELS = ClassifyFixture.LABELS;
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static Backbone backbone;

    @BeforeAll
    static void loadBackbone() {
        backbone = TestModels.tinyBackbone(11);
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    static ModelVersion version(long v) {
        return TestModels.version(backbone, ClassifyFixture.MODEL, v, LABELS, v);
    }

    static StreamsApp startReady(ClassifyFixture fixture, Map<String, String> overrides) {
        StreamsApp app = new StreamsApp(fixture.config(overrides), backbone).start();
        Conditions.await("the app to be ready", TIMEOUT, () -> app.readiness().ok(), () -> app.readiness().detail());
        return app;
    }

    static HttpResponse<String> get(StreamsApp app, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void predictsEveryImageOnceWithTheServingModelVersion() throws Exception {
        try (ClassifyFixture fixture = ClassifyFixture.create("predicts");
             StreamsApp app = new StreamsApp(fixture.config(Map.of()), backbone).start();
             TopicReader<PredictionEvent> predictions = fixture.predictions()) {
            assertThat(get(app, "/ready").statusCode()).as("not ready without a model").isEqualTo(503);
            assertThat(get(app, "/ready").body()).contains("DOWN");
            fixture.publish(version(1));
            fixture.activate(1);
            Conditions.await("ready", TIMEOUT, () -> app.readiness().ok(), () -> app.readiness().detail());

            Set<String> ids = IntStream.range(0, 60).mapToObj(i -> "img-" + i).collect(Collectors.toSet());
            IntStream.range(0, 60).forEach(i -> fixture.sendImage(i % 3, "img-" + i, TestImages.png(i)));
            fixture.flush();

            List<ConsumerRecord<String, PredictionEvent>> out = predictions.awaitCount(60, TIMEOUT);
            assertThat(out).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(out).allSatisfy(r -> {
                assertThat(r.value().imageId()).isEqualTo(r.key());
                assertThat(r.value().model().version()).isEqualTo(1);
                assertThat(r.value().model().backbone()).isEqualTo(backbone.info().fingerprint());
                assertThat(LABELS).contains(r.value().label());
            });

            HttpResponse<String> ready = get(app, "/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("default:v1");
            assertThat(get(app, "/health").statusCode()).isEqualTo(200);
            HttpResponse<String> metrics = get(app, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("classify_images_total{application=", "outcome=\"predicted\"",
                    "classify_batch_size", "classify_inference_seconds", "classify_latency_seconds", "classify_buffered",
                    "classify_model_version", "javacpp_bytes", "javacpp_max_physical_bytes", "jvm_memory_used_bytes",
                    "kafka_stream_thread", "classify_runtime{", "inference=\"nd4j-ops\"", "native_build=\"linux-x86_64");
            assertThat(app.meterRegistry().get(ClassifyMetrics.IMAGES).tag("outcome", "predicted").counter().count()).isEqualTo(60);
        }
    }

    @Test
    void readsNoInputWhileNoModelIsLoadedSoTheBufferCannotGrowWithoutBound() throws Exception {
        try (ClassifyFixture fixture = ClassifyFixture.create("paused");
             StreamsApp app = new StreamsApp(fixture.config(Map.of()), backbone).start();
             TopicReader<PredictionEvent> predictions = fixture.predictions()) {
            // paused before its tasks start, Kafka Streams stays REBALANCING (and unready) until the first model loads
            IntStream.range(0, 30).forEach(i -> fixture.sendImage(i % 3, "early-" + i, TestImages.png(i)));
            fixture.flush();
            double polled = pollCount(app);
            Conditions.await("the stream thread to poll on", TIMEOUT, () -> pollCount(app) >= polled + 5);

            assertThat(app.inputPaused()).isTrue();
            assertThat(app.state()).isEqualTo(KafkaStreams.State.REBALANCING);
            assertThat(app.meterRegistry().get(ClassifyMetrics.BUFFERED).gauge().value()).as("images buffered").isZero();

            fixture.publish(version(1));
            fixture.activate(1);
            assertThat(predictions.awaitCount(30, TIMEOUT)).allSatisfy(r -> assertThat(r.value().model().version()).isEqualTo(1));
            assertThat(app.inputPaused()).isFalse();
        }
    }

    @Test
    void healthReportsAModelWatcherWhoseThreadDied() throws Exception {
        try (ClassifyFixture fixture = ClassifyFixture.create("dead-watcher");
             StreamsApp app = new StreamsApp(fixture.config(Map.of("kafka.interceptor.classes", WatcherKiller.class.getName())),
                     backbone).start()) {
            assertThat(get(app, "/health").statusCode()).isEqualTo(200);

            fixture.publish(version(1));

            Conditions.await("/health to report the dead watcher", TIMEOUT, () -> !app.health().ok(), () -> app.health().detail());
            HttpResponse<String> health = get(app, "/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).contains("model watcher stopped", "simulated");
        }
    }

    /**
     * Fails the model watcher's consumer (only) with an Error out of poll, which no per-record handling can catch. A
     * producer interceptor too, because the shared {@code kafka.interceptor.classes} reaches every client.
     */
    public static final class WatcherKiller implements ConsumerInterceptor<Object, Object>, ProducerInterceptor<Object, Object> {
        private boolean watcher;

        @Override
        public void configure(Map<String, ?> configs) {
            watcher = String.valueOf(configs.get(ConsumerConfig.CLIENT_ID_CONFIG)).contains("model-watcher");
        }

        @Override
        public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
            if (watcher && !records.isEmpty()) {
                throw new StackOverflowError("simulated failure of the watcher's consumer");
            }
            return records;
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        }

        @Override
        public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
            return record;
        }

        @Override
        public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
        }

        @Override
        public void close() {
        }
    }

    private static double pollCount(StreamsApp app) {
        return app.meterRegistry().find("kafka.stream.thread.poll.total").functionCounters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    @Test
    void servesAVersionLargerThanFiveMegabytesPublishedThroughTheRaisedLimits() throws Exception {
        // a 12,000-unit hidden layer makes the head itself > 5 MB: far beyond Kafka's 1 MB default record size
        HeadConfig bigConfig = HeadConfig.DEFAULT.withHiddenLayers(List.of(12_000));
        MultiLayerNetwork bigHead = Heads.build(bigConfig, backbone.info().featureSize(), LABELS.size(), 5);
        ModelVersion big;
        try (Owned<MultiLayerNetwork> head = Owned.of(bigHead)) {
            big = TestModels.version(backbone, ClassifyFixture.MODEL, 2, LABELS, bigConfig, RawParams.of(head.net().params()));
        }
        assertThat(new ModelVersionCodec().encode(big).length).isGreaterThan(5 * 1024 * 1024);
        try (ClassifyFixture fixture = ClassifyFixture.create("large");
             TopicReader<PredictionEvent> predictions = fixture.predictions()) {
            fixture.publish(version(1));
            try (StreamsApp app = startReady(fixture, Map.of())) {
                fixture.publish(big);
                fixture.activate(2);
                Conditions.await("v2 serving", TIMEOUT, () -> app.currentModel().map(m -> m.version() == 2).orElse(false),
                        () -> String.valueOf(app.currentModel()));
                fixture.sendImage(0, "img-big", TestImages.png(1));
                fixture.flush();
                assertThat(predictions.awaitCount(1, TIMEOUT)).singleElement()
                        .satisfies(r -> assertThat(r.value().model().version()).isEqualTo(2));
            }
        }
    }

    @Test
    void deadLettersCorruptImagesWithTheirReasonAndPredictsTheRest() throws Exception {
        try (ClassifyFixture fixture = ClassifyFixture.create("mixed");
             TopicReader<PredictionEvent> predictions = fixture.predictions();
             TopicReader<byte[]> deadLetters = fixture.deadLetters()) {
            fixture.publish(version(1));
            try (StreamsApp app = startReady(fixture, Map.of())) {
                for (int i = 0; i < 30; i++) {
                    byte[] image = switch (i % 3) {
                        case 0 -> TestImages.png(i);
                        case 1 -> TestImages.truncatedPng(i);
                        default -> TestImages.notAnImage();
                    };
                    fixture.sendImage(i % 3, "img-" + i, image);
                }
                fixture.flush();

                List<ConsumerRecord<String, byte[]>> dead = deadLetters.awaitCount(20, TIMEOUT);
                List<ConsumerRecord<String, PredictionEvent>> good = predictions.awaitCount(10, TIMEOUT);

                assertThat(good).extracting(ConsumerRecord::key)
                        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 30).filter(i -> i % 3 == 0).mapToObj(i -> "img-" + i).toList());
                assertThat(dead).hasSize(20).allSatisfy(r -> {
                    int i = Integer.parseInt(r.key().substring("img-".length()));
                    assertThat(header(r, DeadLetters.REASON)).isEqualTo(i % 3 == 1 ? "corrupt" : "unsupported-format");
                    assertThat(header(r, DeadLetters.SOURCE_TOPIC)).isEqualTo(fixture.topics().images().name());
                    assertThat(header(r, DeadLetters.SOURCE_PARTITION)).isEqualTo(Integer.toString(i % 3));
                    assertThat(Long.parseLong(header(r, DeadLetters.SOURCE_OFFSET))).isNotNegative();
                    assertThat(header(r, DeadLetters.MESSAGE)).isNotBlank();
                    assertThat(r.value()).isEqualTo(i % 3 == 1 ? TestImages.truncatedPng(i) : TestImages.notAnImage());
                });
                assertThat(app.meterRegistry().get(ClassifyMetrics.DLQ).tag("reason", "corrupt").counter().count()).isEqualTo(10);
            }
        }
    }

    @Test
    void keepsServingTheOldVersionWhenNewOnesAreRefused() throws Exception {
        try (ClassifyFixture fixture = ClassifyFixture.create("refused");
             TopicReader<PredictionEvent> predictions = fixture.predictions()) {
            fixture.publish(version(1));
            fixture.activate(1);
            try (StreamsApp app = startReady(fixture, Map.of());
                 Backbone foreign = TestModels.tinyBackbone(12)) {
                fixture.publishSigned(ModelsTopic.versionKey(ClassifyFixture.MODEL, 2), "not a zip".getBytes(StandardCharsets.UTF_8),
                        TestKeys.SIGNER);
                fixture.activate(2);
                fixture.publish(TestModels.version(foreign, ClassifyFixture.MODEL, 3, LABELS, 3));
                fixture.activate(3);
                fixture.publish(nanHeadVersion(4));
                fixture.activate(4);
                fixture.publishRaw("what/is/this", new byte[]{1, 2, 3});

                Conditions.await("three refusals", TIMEOUT, () -> rejected(app, "corrupt") == 1
                        && rejected(app, "foreign-backbone") == 1 && rejected(app, "non-finite-weights") == 1,
                        () -> app.meterRegistry().find(ClassifyMetrics.MODEL_REJECTED).counters().stream()
                                .map(c -> c.getId().getTag("reason") + "=" + c.count()).toList().toString());
                Conditions.await("the unparseable key counted", TIMEOUT, () -> app.meterRegistry()
                        .find(ClassifyMetrics.MODEL_RECORDS_IGNORED).tag("reason", "unparseable-key").counters().stream()
                        .mapToDouble(Counter::count).sum() == 1);

                assertThat(app.currentModel()).map(ActiveModel::version).contains(1L);
                assertThat(app.readiness().ok()).isTrue();
                IntStream.range(0, 12).forEach(i -> fixture.sendImage(i % 3, "after-" + i, TestImages.png(i)));
                fixture.flush();
                assertThat(predictions.awaitCount(12, TIMEOUT)).allSatisfy(r -> assertThat(r.value().model().version()).isEqualTo(1));

                // a good version after the refused ones is still taken
                fixture.publish(version(5));
                fixture.activate(5);
                Conditions.await("version 5 to serve and be reported", TIMEOUT,
                        () -> app.currentModel().map(ActiveModel::version).orElse(0L) == 5
                                && app.meterRegistry().get(ClassifyMetrics.MODEL_VERSION).gauge().value() == 5);
            }
        }
    }

    @Test
    void hotSwapsUnderLoadWithoutLosingImagesOrGoingBackToTheOldVersion() throws Exception {
        int total = 2000;
        try (ClassifyFixture fixture = ClassifyFixture.create("hotswap");
             TopicReader<PredictionEvent> predictions = fixture.predictions();
             TopicReader<byte[]> deadLetters = fixture.deadLetters()) {
            fixture.publish(version(1));
            fixture.activate(1);
            List<byte[]> images = IntStream.range(0, 50).mapToObj(TestImages::png).toList();
            try (StreamsApp app = startReady(fixture, Map.of(StreamsAppConfig.BATCH_MAX_SIZE, "32"))) {
                ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
                AtomicInteger sent = new AtomicInteger();
                try {
                    // 2,000 images over ~4 s in bursts, so the swap lands mid-stream
                    load.scheduleAtFixedRate(() -> {
                        for (int k = 0; k < 50 && sent.get() < total; k++) {
                            int i = sent.getAndIncrement();
                            fixture.sendImage(i % 3, "img-" + i, images.get(i % images.size()));
                        }
                        fixture.flush();
                    }, 0, 100, TimeUnit.MILLISECONDS);

                    predictions.awaitCount(total / 4, TIMEOUT);
                    fixture.publish(version(2));
                    fixture.activate(2);
                    predictions.awaitUntil("a prediction for every image", TIMEOUT,
                            r -> r.stream().map(ConsumerRecord::key).distinct().count() == total);
                } finally {
                    load.shutdownNow();
                }

                List<ConsumerRecord<String, PredictionEvent>> out = predictions.readToEnd(TIMEOUT);
                assertThat(out).hasSize(total);
                Map<Integer, List<PredictionEvent>> byPartition = out.stream().map(ConsumerRecord::value)
                        .collect(Collectors.groupingBy(p -> p.source().partition(), TreeMap::new, Collectors.toList()));
                assertThat(byPartition).hasSize(3);
                List<Long> switches = new ArrayList<>();
                byPartition.forEach((partition, events) -> {
                    List<Long> versions = events.stream().sorted(Comparator.comparingLong(p -> p.source().offset()))
                            .map(p -> p.model().version()).toList();
                    assertThat(versions).as("versions of partition %d in offset order", partition).isSorted();
                    switches.add(IntStream.range(1, versions.size()).filter(i -> !versions.get(i).equals(versions.get(i - 1))).count());
                });
                assertThat(switches).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(1));
                assertThat(out).extracting(r -> r.value().model().version()).contains(1L, 2L);
                assertThat(deadLetters.readToEnd(TIMEOUT)).isEmpty();
                assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
                assertThat(app.meterRegistry().get(ClassifyMetrics.MODEL_SWAPS).counter().count()).isEqualTo(2);
            }
        }
    }

    private static double rejected(StreamsApp app, String reason) {
        return app.meterRegistry().find(ClassifyMetrics.MODEL_REJECTED).tag("reason", reason).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private static ModelVersion nanHeadVersion(long v) {
        MultiLayerNetwork head = Heads.build(HeadConfig.DEFAULT, backbone.info().featureSize(), LABELS.size(), v);
        try {
            head.params().assign(Double.NaN);
            return TestModels.version(backbone, ClassifyFixture.MODEL, v, LABELS, RawParams.of(head.params()));
        } finally {
            head.close();
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
