package dev.streamclassify.streams.topology;

import dev.streamclassify.model.format.Json;
import dev.streamclassify.streams.wire.PredictionEvent;
import dev.streamclassify.streams.wire.DeadLetterReason;
import dev.streamclassify.streams.wire.DeadLetters;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.image.DecodeLimits;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.image.RawImage;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.inference.ScoredLabel;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.model.testing.WireSchemas;
import dev.streamclassify.streams.batching.BatchSettings;
import dev.streamclassify.streams.batching.MicroBatchProcessor;
import dev.streamclassify.streams.batching.MicroBatcher;
import dev.streamclassify.streams.features.ImageFeatureCache;
import dev.streamclassify.streams.inference.InferenceLanes;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
import dev.streamclassify.streams.models.RolloutHolder;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Batch;
import dev.streamclassify.streams.models.ModelHolder;
import dev.streamclassify.streams.testing.SchemaChecked;
import dev.streamclassify.streams.testing.TestImages;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ClassifyTopologyTest {

    static final List<String> LABELS = List.of("T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
            "Sneaker", "Bag", "Ankle boot");
    static final ClassifyTopics TOPICS = ClassifyTopics.of("images", "predictions", "images-dlq", "models");
    static final Duration DELAY = Duration.ofMillis(50);
    static final BatchSettings SETTINGS = new BatchSettings(4, DELAY, 3, new DecodeLimits(4000, 10_000), 4000 + 65_536);

    static Backbone backbone;

    @TempDir
    Path stateDir;

    SimpleMeterRegistry registry;
    ClassifyMetrics metrics;
    ModelHolder models;
    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> images;
    TestOutputTopic<String, PredictionEvent> predictions;
    TestOutputTopic<String, String> predictionJson;
    TestOutputTopic<String, byte[]> deadLetters;

    @BeforeAll
    static void loadBackbone() {
        backbone = TestModels.tinyBackbone(1);
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    @BeforeEach
    void setUp() {
        registry = new SimpleMeterRegistry();
        metrics = new ClassifyMetrics(registry);
        models = new ModelHolder();
    }

    @AfterEach
    void tearDown() {
        if (driver != null) {
            driver.close();
        }
        models.close();
    }

    void startDriver(BatchSettings settings) {
        startDriver(settings, new ImageFeatureCache(0, 0, registry));
    }

    void startDriver(BatchSettings settings, ImageFeatureCache cache) {
        startDriver(settings, cache, InferenceLanes.inline());
    }

    void startDriver(BatchSettings settings, ImageFeatureCache cache, InferenceLanes lanes) {
        Map<String, Object> props = new HashMap<>();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "classify-topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        ErrorHandling.configure(props, TOPICS.deadLetters().name(), metrics);
        var topology = ClassifyTopology.build(TOPICS, new MicroBatcher(settings, models, new RolloutHolder(), metrics, Clock.systemUTC(), cache, lanes),
                new StreamsConfig(props));
        Properties driverProps = new Properties();
        driverProps.putAll(props);
        driver = new TopologyTestDriver(topology, driverProps, Instant.parse("2026-11-29T16:00:00Z"));
        images = driver.createInputTopic(TOPICS.images().name(), TOPICS.images().keySerde().serializer(),
                TOPICS.images().valueSerde().serializer());
        predictions = driver.createOutputTopic(TOPICS.predictions().name(), TOPICS.predictions().keySerde().deserializer(),
                SchemaChecked.values(WireSchemas.PREDICTION, TOPICS.predictions().valueSerde().deserializer()));
        predictionJson = driver.createOutputTopic(TOPICS.predictions().name(), new StringDeserializer(),
                SchemaChecked.values(WireSchemas.PREDICTION, new StringDeserializer()));
        deadLetters = driver.createOutputTopic(TOPICS.deadLetters().name(), TOPICS.deadLetters().keySerde().deserializer(),
                SchemaChecked.headers(WireSchemas.DEAD_LETTER_HEADERS, TOPICS.deadLetters().valueSerde().deserializer()));
    }

    void serveVersion(long version) throws ArtifactException {
        models.swap(Classifier.load(TestModels.version(backbone, "default", version, LABELS, version), backbone));
    }

    @Test
    void predictsAFullBatchInOneForwardPassWithoutWaitingForTheDelay() throws Exception {
        serveVersion(1);
        startDriver(SETTINGS);

        IntStream.range(0, 4).forEach(i -> images.pipeInput("img-" + i, TestImages.png(i)));

        List<TestRecord<String, PredictionEvent>> out = predictions.readRecordsToList();
        assertThat(out).extracting(TestRecord::key).containsExactly("img-0", "img-1", "img-2", "img-3");
        assertThat(out).allSatisfy(r -> {
            PredictionEvent p = r.value();
            assertThat(p.imageId()).isEqualTo(r.key());
            assertThat(LABELS).contains(p.label());
            assertThat(p.topK()).hasSize(3);
            assertThat(p.topK().get(0).label()).isEqualTo(p.label());
            assertThat(p.confidence()).isEqualTo(p.topK().get(0).score()).isBetween(0.0, 1.0);
            assertThat(p.model()).isEqualTo(new PredictionEvent.ModelRef("default", 1, backbone.info().fingerprint()));
            assertThat(p.source().topic()).isEqualTo("images");
        });
        assertThat(out).extracting(r -> r.value().source().offset()).containsExactly(0L, 1L, 2L, 3L);
        assertThat(registry.get(ClassifyMetrics.BATCH_SIZE).summary().count()).isEqualTo(1);
        assertThat(registry.get(ClassifyMetrics.BATCH_SIZE).summary().totalAmount()).isEqualTo(4);
        assertThat(registry.get(ClassifyMetrics.IMAGES).tag("outcome", "predicted").counter().count()).isEqualTo(4);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void drainsAPartialBatchOnWallClockPunctuation() throws Exception {
        serveVersion(1);
        startDriver(SETTINGS.withMaxSize(32));

        IntStream.range(0, 5).forEach(i -> images.pipeInput("img-" + i, TestImages.png(i)));
        assertThat(predictions.isEmpty()).as("nothing before the delay passes").isTrue();

        driver.advanceWallClockTime(DELAY);

        assertThat(predictions.readKeyValuesToList()).hasSize(5);
        assertThat(registry.get(ClassifyMetrics.BATCH_SIZE).summary().count()).isEqualTo(1);
        assertThat(registry.get(ClassifyMetrics.BUFFERED).gauge().value()).isZero();
    }

    @Test
    void countsTheDelayFromTheOldestImagesArrivalSoABusyThreadStillFillsItsBatches() throws Exception {
        serveVersion(1);
        startDriver(SETTINGS);
        driver.advanceWallClockTime(DELAY.multipliedBy(3).dividedBy(4));

        images.pipeInput("img-0", TestImages.png(0));
        driver.advanceWallClockTime(DELAY.dividedBy(2));
        assertThat(predictions.isEmpty()).as("an image parked half a delay ago is not overdue, whatever the punctuation phase").isTrue();
        IntStream.range(1, 4).forEach(i -> images.pipeInput("img-" + i, TestImages.png(i)));

        assertThat(predictions.readKeyValuesToList()).hasSize(4);
        assertThat(registry.get(ClassifyMetrics.BATCH_SIZE).summary().count()).isEqualTo(1);
        assertThat(registry.get(ClassifyMetrics.BATCH_SIZE).summary().max()).isEqualTo(4);

        images.pipeInput("img-4", TestImages.png(4));
        driver.advanceWallClockTime(DELAY);
        assertThat(predictions.readKeyValuesToList()).as("a partial batch still leaves once its oldest image waited the delay").hasSize(1);
    }

    @Test
    void queuesTwoBatchesOnABusyLaneForwardsThemOnlyOnceTheirPassesAreDoneAndLetsTheNextOneGrowMeanwhile() throws Exception {
        serveVersion(1);
        try (InferenceLanes lanes = InferenceLanes.start(1)) {
            startDriver(SETTINGS, new ImageFeatureCache(0, 0, registry), lanes);
            CountDownLatch gate = new CountDownLatch(1);
            lanes.lane().submit(() -> gate.await(1, TimeUnit.MINUTES)); // the one lane is busy until the gate opens

            // two full batches go to the lane without this thread waiting for it (it would wait for the gate here)
            IntStream.range(0, 8).forEach(i -> images.pipeInput("img-" + i, TestImages.png(i)));
            IntStream.range(8, 10).forEach(i -> images.pipeInput("img-" + i, TestImages.png(i)));
            driver.advanceWallClockTime(DELAY.multipliedBy(2));

            assertThat(predictions.isEmpty()).as("nothing is forwarded while its pass has not run").isTrue();
            assertThat(registry.get(ClassifyMetrics.BUFFERED).gauge().value()).as("batches on the lane are still buffered").isEqualTo(10);
            gate.countDown();
            List<String> keys = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (keys.size() < 10 && System.nanoTime() < deadline) {
                driver.advanceWallClockTime(DELAY.dividedBy(4));
                predictions.readRecordsToList().forEach(r -> keys.add(r.key()));
            }

            assertThat(keys).as("each image once, in offset order")
                    .containsExactlyElementsOf(IntStream.range(0, 10).mapToObj(i -> "img-" + i).toList());
            assertThat(registry.get(ClassifyMetrics.BATCH_SIZE).summary().count())
                    .as("the overdue partial batch waited for the lane instead of queueing behind it in pieces").isEqualTo(3);
            assertThat(registry.get(ClassifyMetrics.BUFFERED).gauge().value()).isZero();
        }
    }

    @Test
    void skipsDecodingAndTheBackboneForBytesItHasSeenAndAnswersAlike() throws Exception {
        serveVersion(1);
        startDriver(SETTINGS, new ImageFeatureCache(100, 1 << 20, registry));

        IntStream.range(0, 4).forEach(i -> images.pipeInput("first-" + i, TestImages.png(i)));
        IntStream.range(0, 4).forEach(i -> images.pipeInput("again-" + i, TestImages.png(i)));

        Map<String, PredictionEvent> out = predictions.readKeyValuesToMap();
        assertThat(out).hasSize(8);
        for (int i = 0; i < 4; i++) {
            assertThat(out.get("again-" + i).label()).isEqualTo(out.get("first-" + i).label());
            assertThat(out.get("again-" + i).confidence()).isEqualTo(out.get("first-" + i).confidence());
        }
        assertThat(registry.get(ClassifyMetrics.BATCH_SIZE).summary().count()).as("one backbone pass, for the first four").isEqualTo(1);
        assertThat(registry.get(ImageFeatureCache.LOOKUPS).tag("result", "hit").counter().count()).isEqualTo(4);
        assertThat(registry.get(ImageFeatureCache.HIT_RATIO).gauge().value()).isEqualTo(0.5);
    }

    @Test
    void neverServesTheOldBackbonesFeaturesAfterASwapToAVersionOnAnotherBackbone() throws Exception {
        serveVersion(1);
        startDriver(SETTINGS, new ImageFeatureCache(100, 1 << 20, registry));
        IntStream.range(0, 4).forEach(i -> images.pipeInput("old-" + i, TestImages.png(i)));
        assertThat(predictions.readKeyValuesToList()).hasSize(4);

        try (Backbone other = TestModels.tinyBackbone(2)) {
            assertThat(other.info().fingerprint()).isNotEqualTo(backbone.info().fingerprint());
            ModelVersion v2 = TestModels.version(other, "default", 2, LABELS, 2);
            models.swap(Classifier.load(v2, other));
            IntStream.range(0, 4).forEach(i -> images.pipeInput("new-" + i, TestImages.png(i)));

            Map<String, PredictionEvent> out = predictions.readKeyValuesToMap();
            assertThat(registry.get(ImageFeatureCache.LOOKUPS).tag("result", "hit").counter().count()).isZero();
            try (Classifier direct = Classifier.load(v2, other)) {
                for (int i = 0; i < 4; i++) {
                    PredictionEvent p = out.get("new-" + i);
                    assertThat(p.model().version()).isEqualTo(2);
                    float[] input = new Preprocessor(v2.preprocessing()).fromEncoded(TestImages.png(i));
                    try (var batch = Batch.of(v2.preprocessing(), List.of(input))) {
                        var expected = direct.classify(batch, 3).get(0);
                        assertThat(p.label()).isEqualTo(expected.label());
                        assertThat(p.confidence()).isCloseTo(expected.confidence(), within(1e-6));
                    }
                }
            }
            models.close();
        }
    }

    @Test
    void givesKeylessImagesTheirTopicPartitionOffsetAsId() throws Exception {
        serveVersion(1);
        startDriver(SETTINGS);

        images.pipeInput("keyed", TestImages.png(1));
        images.pipeInput(TestImages.png(2));
        driver.advanceWallClockTime(DELAY);

        assertThat(predictions.readKeyValuesToMap()).containsOnlyKeys("keyed", "images-0-1")
                .hasEntrySatisfying("images-0-1", p -> assertThat(p.imageId()).isEqualTo("images-0-1"));
    }

    @Test
    void sendsEmptyOversizedCorruptAndUnreadableImagesToTheDeadLetterTopicWithTheirReason() throws Exception {
        serveVersion(1);
        startDriver(SETTINGS);
        byte[] oversized = TestImages.png(200, 200, 7);
        assertThat(oversized.length).isGreaterThan(SETTINGS.limits().maxBytes());
        byte[] tooManyPixels = solidPng(150, 150);
        assertThat(tooManyPixels.length).isLessThanOrEqualTo(SETTINGS.limits().maxBytes());

        images.pipeInput("empty", new byte[0]);
        images.pipeInput("oversized", oversized);
        images.pipeInput("truncated", TestImages.truncatedPng(3));
        images.pipeInput("text", TestImages.notAnImage());
        images.pipeInput("huge-canvas", tooManyPixels);
        images.pipeInput("fine", TestImages.png(4));
        driver.advanceWallClockTime(DELAY);

        List<TestRecord<String, byte[]>> dead = deadLetters.readRecordsToList();
        assertThat(dead).extracting(TestRecord::key)
                .containsExactlyInAnyOrder("empty", "oversized", "truncated", "text", "huge-canvas");
        assertThat(dead).allSatisfy(r -> {
            assertThat(header(r.headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo("images");
            assertThat(header(r.headers(), DeadLetters.SOURCE_PARTITION)).isEqualTo("0");
            assertThat(header(r.headers(), DeadLetters.MESSAGE)).isNotBlank();
        });
        assertThat(dead).filteredOn(r -> r.key().equals("oversized")).singleElement().satisfies(r -> {
            assertThat(r.value()).isEqualTo(oversized);
            assertThat(header(r.headers(), DeadLetters.REASON)).isEqualTo("too-large");
            assertThat(header(r.headers(), DeadLetters.SOURCE_OFFSET)).isEqualTo("1");
        });
        assertThat(reasonOf(dead, "empty")).isEqualTo("empty");
        assertThat(reasonOf(dead, "truncated")).isEqualTo("corrupt");
        assertThat(reasonOf(dead, "text")).isEqualTo("unsupported-format");
        assertThat(reasonOf(dead, "huge-canvas")).isEqualTo("too-many-pixels");
        assertThat(predictions.readKeyValuesToMap()).containsOnlyKeys("fine");
        assertThat(registry.get(ClassifyMetrics.DLQ).tag("reason", "corrupt").counter().count()).isEqualTo(1);
        assertThat(registry.get(ClassifyMetrics.IMAGES).tag("outcome", "dead_lettered").counter().count()).isEqualTo(5);
    }

    @Test
    void keepsImagesBufferedWhileNoModelIsLoadedAndPredictsThemOnceOneArrives() throws Exception {
        startDriver(SETTINGS);

        IntStream.range(0, 6).forEach(i -> images.pipeInput("img-" + i, TestImages.png(i)));
        driver.advanceWallClockTime(DELAY.multipliedBy(10));

        assertThat(predictions.isEmpty()).isTrue();
        assertThat(deadLetters.isEmpty()).isTrue();
        assertThat(registry.get(ClassifyMetrics.BUFFERED).gauge().value()).isEqualTo(6);

        serveVersion(2);
        driver.advanceWallClockTime(DELAY);

        List<TestRecord<String, PredictionEvent>> out = predictions.readRecordsToList();
        assertThat(out).extracting(TestRecord::key).containsExactly("img-0", "img-1", "img-2", "img-3", "img-4", "img-5");
        assertThat(out).allSatisfy(r -> assertThat(r.value().model().version()).isEqualTo(2));
        assertThat(registry.get(ClassifyMetrics.BUFFERED).gauge().value()).isZero();
    }

    @Test
    void drainsABacklogLargerThanItKeepsInMemoryFromTheStoreInOrderAndThenFromMemoryAgain() throws Exception {
        startDriver(SETTINGS);
        int backlog = 4 * SETTINGS.maxSize() + 3; // more than the processor keeps in memory besides the store
        IntStream.range(0, backlog).forEach(i -> images.pipeInput("img-" + i, TestImages.png(i % 10)));

        serveVersion(1);
        driver.advanceWallClockTime(DELAY);
        IntStream.range(backlog, backlog + 6).forEach(i -> images.pipeInput("img-" + i, TestImages.png(i % 10)));
        driver.advanceWallClockTime(DELAY.multipliedBy(2));

        assertThat(predictions.readRecordsToList()).extracting(TestRecord::key).as("each image once, in offset order")
                .containsExactlyElementsOf(IntStream.range(0, backlog + 6).mapToObj(i -> "img-" + i).toList());
        assertThat(registry.get(ClassifyMetrics.BUFFERED).gauge().value()).isZero();
    }

    @Test
    void switchesVersionBetweenBatchesWhenTheModelIsSwapped() throws Exception {
        serveVersion(1);
        startDriver(SETTINGS);

        IntStream.range(0, 4).forEach(i -> images.pipeInput("a-" + i, TestImages.png(i)));
        serveVersion(2);
        IntStream.range(0, 4).forEach(i -> images.pipeInput("b-" + i, TestImages.png(i)));

        assertThat(predictions.readValuesToList()).extracting(p -> p.model().version())
                .containsExactly(1L, 1L, 1L, 1L, 2L, 2L, 2L, 2L);
    }

    @Test
    void writesPredictionsAsTheJsonOfTheWireContract() throws Exception {
        serveVersion(3);
        startDriver(SETTINGS);

        images.pipeInput("a1", TestImages.png(1));
        driver.advanceWallClockTime(DELAY);

        JsonNode json = Json.MAPPER.readTree(predictionJson.readValue().getBytes(StandardCharsets.UTF_8));
        assertThat(json.fieldNames()).toIterable().containsExactlyInAnyOrder(
                "imageId", "label", "confidence", "topK", "model", "source", "latencyMs", "timestamp");
        assertThat(json.get("imageId").asText()).isEqualTo("a1");
        assertThat(json.get("topK").get(0).fieldNames()).toIterable().containsExactly("label", "score");
        assertThat(json.get("model").get("name").asText()).isEqualTo("default");
        assertThat(json.get("model").get("version").asLong()).isEqualTo(3);
        assertThat(json.get("model").get("backbone").asText()).startsWith("sha256:");
        assertThat(json.get("source").get("topic").asText()).isEqualTo("images");
        assertThat(json.get("source").get("partition").asInt()).isZero();
        assertThat(json.get("source").get("offset").asLong()).isZero();
        assertThat(json.get("latencyMs").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(Instant.parse(json.get("timestamp").asText())).isNotNull();
    }

    @Test
    void aPredictionOrDeadLetterThatBreaksTheContractFailsItsSchema() throws Exception {
        serveVersion(1);
        startDriver(SETTINGS);
        images.pipeInput("a1", TestImages.png(1));
        images.pipeInput("empty", new byte[0]);
        driver.advanceWallClockTime(DELAY);
        ObjectNode prediction = (ObjectNode) Json.MAPPER.readTree(predictionJson.readValue());
        Map<String, String> headers = SchemaChecked.asMap(deadLetters.readRecord().headers());

        assertThat(WireSchemas.PREDICTION.errors(prediction)).isEmpty();
        assertThat(WireSchemas.PREDICTION.errors(prediction.deepCopy().put("confidence", 1.5))).isNotEmpty();
        assertThat(WireSchemas.PREDICTION.errors(prediction.deepCopy().put("timestamp", "yesterday"))).isNotEmpty();
        ObjectNode noModel = prediction.deepCopy();
        noModel.remove("model");
        assertThat(WireSchemas.PREDICTION.errors(noModel)).isNotEmpty();
        assertThat(WireSchemas.DEAD_LETTER_HEADERS.errors(headers)).isEmpty();
        Map<String, String> unknownReason = new HashMap<>(headers);
        unknownReason.put(DeadLetters.REASON, "bad-luck");
        assertThat(WireSchemas.DEAD_LETTER_HEADERS.errors(unknownReason)).isNotEmpty();
    }

    private static byte[] solidPng(int w, int h) {
        return ImageEncoder.png(new RawImage(w, h, 1, new byte[w * h]));
    }

    @Test
    void deadLettersAnImageWhoseKeyIsTooLongWithoutTheKeyInsteadOfLosingItsPrediction() throws Exception {
        serveVersion(1);
        startDriver(SETTINGS);
        String longId = "x".repeat(MicroBatchProcessor.MAX_KEY_BYTES + 1);
        byte[] png = TestImages.png(1);

        images.pipeInput(longId, png);
        images.pipeInput("x".repeat(MicroBatchProcessor.MAX_KEY_BYTES), TestImages.png(2));
        driver.advanceWallClockTime(DELAY);

        TestRecord<String, byte[]> dead = deadLetters.readRecord();
        assertThat(dead.key()).isNull();
        assertThat(dead.value()).isEqualTo(png);
        assertThat(header(dead.headers(), DeadLetters.REASON)).isEqualTo(DeadLetterReason.KEY_TOO_LONG.code());
        assertThat(header(dead.headers(), DeadLetters.MESSAGE)).contains(String.valueOf(MicroBatchProcessor.MAX_KEY_BYTES + 1));
        assertThat(header(dead.headers(), DeadLetters.SOURCE_OFFSET)).isEqualTo("0");
        assertThat(predictions.readRecordsToList()).extracting(r -> r.value().source().offset()).containsExactly(1L);
    }

    @Test
    void deadLettersAnImageTooLargeForTheDeadLetterTopicAsAReferenceWithoutItsBytes() throws Exception {
        serveVersion(1);
        startDriver(SETTINGS);
        byte[] huge = new byte[SETTINGS.changelogMaxMessageBytes()];

        images.pipeInput("huge", huge);

        TestRecord<String, byte[]> dead = deadLetters.readRecord();
        assertThat(dead.key()).isEqualTo("huge");
        assertThat(dead.value()).as("a reference record").isNull();
        assertThat(header(dead.headers(), DeadLetters.REASON)).isEqualTo("too-large");
        assertThat(header(dead.headers(), DeadLetters.MESSAGE)).contains("source offset");
        assertThat(header(dead.headers(), DeadLetters.SOURCE_OFFSET)).isEqualTo("0");
    }

    @Test
    void theLargestPossiblePredictionFitsItsTopic() {
        String controlChars = "\u0001".repeat(ModelVersion.MAX_LABEL_CHARS);
        List<ScoredLabel> top = IntStream.range(0, 1000).mapToObj(i -> new ScoredLabel(i + controlChars.substring(4), 1e-7)).toList();
        PredictionEvent worst = new PredictionEvent("\u0002".repeat(MicroBatchProcessor.MAX_KEY_BYTES), top.get(0).label(), 1e-7, top,
                new PredictionEvent.ModelRef("m".repeat(64), Long.MAX_VALUE, "sha256:" + "f".repeat(64)),
                new PredictionEvent.SourceRef("t".repeat(249), Integer.MAX_VALUE, Long.MAX_VALUE), Double.MAX_VALUE, Instant.MAX);

        byte[] json = TOPICS.predictions().valueSerde().serializer().serialize("predictions", worst);

        assertThat(json.length).isLessThan(PredictionEvent.MAX_BYTES);
    }

    private static String reasonOf(List<TestRecord<String, byte[]>> dead, String key) {
        return dead.stream().filter(r -> r.key().equals(key)).map(r -> header(r.headers(), DeadLetters.REASON)).findFirst().orElseThrow();
    }

    private static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
