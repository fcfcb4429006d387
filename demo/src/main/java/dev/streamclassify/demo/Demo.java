package dev.streamclassify.demo;

import dev.streamclassify.kafka.testkit.EmbeddedKafkaBroker;
import dev.streamclassify.kafka.testkit.KafkaBroker;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.format.Json;
import dev.streamclassify.model.signing.SigningKeys;
import dev.streamclassify.model.signing.VersionSigner;
import dev.streamclassify.streams.StreamsApp;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.wire.PredictionEvent;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.publish.ModelPublisher;
import dev.streamclassify.trainer.training.TrainingPipeline;
import dev.streamclassify.trainer.progress.Progress;
import dev.streamclassify.trainer.training.TrainSettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The whole product on one machine: a real Kafka broker started from jars, the trainer training a head on the
 * default backbone for classes it never saw in pre-training, the version published to the models topic,
 * streams-app classifying images streamed through Kafka, and a second, better version hot-swapped in while the
 * stream runs. Prints predictions and compares streamed accuracy with the trainer's offline evaluation.
 */
public final class Demo {

    /** What the demo measured, so tests can check it. */
    public record Result(int images, Map<Long, Integer> predictionsPerVersion, Map<Long, Double> streamedAccuracy,
                         Map<Long, Double> offlineAccuracy, Map<String, Integer> deadLetters, double seconds) {
    }

    /** Demo knobs: labelled images per class for version 1 and version 2. */
    public record Options(int v1PerClass, int v2PerClass, List<String> classes, long seed) {
        public static final Options DEFAULT = new Options(10, 400, FashionMnist.CLASS_NAMES.subList(5, 10), 42);
    }

    private static final Duration DEADLINE = Duration.ofMinutes(3);

    private Demo() {
    }

    /**
     * Flags: {@code --backbone LOCATION} (as the backbone setting, e.g. the ImageNet MobileNetV2
     * {@code file:backbones/mobilenet-v2-nsfwjs/backbone.json}), {@code --per-class V1,V2} (labels per class of the two
     * versions) and {@code --holdout-per-class N} (images per class streamed and scored); a slow backbone wants fewer.
     */
    public static void main(String[] args) throws Exception {
        String backbone = "default";
        Options options = Options.DEFAULT;
        int holdoutPerClass = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--backbone" -> backbone = args[i + 1];
                case "--per-class" -> {
                    String[] v = args[i + 1].split(",");
                    options = new Options(Integer.parseInt(v[0]), Integer.parseInt(v[1]), options.classes(), options.seed());
                }
                case "--holdout-per-class" -> holdoutPerClass = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown flag " + args[i] + "; known: --backbone, --per-class, --holdout-per-class");
            }
        }
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("flag " + args[args.length - 1] + " needs a value");
        }
        run(options, backbone, holdoutPerClass, System.out);
    }

    public static Result run(Options options, PrintStream out) throws Exception {
        return run(options, "default", 0, out);
    }

    /** @param holdoutPerClass images per class streamed and scored, 0 = the whole committed test sample of the classes */
    public static Result run(Options options, String backboneLocation, int holdoutPerClass, PrintStream out) throws Exception {
        long t0 = System.nanoTime();
        Path work = Files.createTempDirectory("streamclassify-demo");
        Dataset train = FashionMnist.sampleTrain().withClasses(options.classes());
        Dataset holdout = FashionMnist.sampleTest().withClasses(options.classes()).samplePerClass(holdoutPerClass, options.seed());
        out.printf("== 1. Real Kafka broker (KRaft, started from Maven Central jars)%n");
        try (KafkaBroker broker = EmbeddedKafkaBroker.start();
             Backbone backbone = Backbones.load(backboneLocation)) {
            out.printf("   broker at %s%n", broker.bootstrapServers());
            out.printf("   backbone %s, %s, cut at %s (%d features)%s%n",
                    backbone.info().name(), backbone.info().fingerprint().substring(0, 19) + "…", backbone.info().cutLayer(),
                    backbone.info().featureSize(), backboneLocation.equals("default") ? "; pre-trained on Fashion-MNIST classes 0-4 only" : "");

            // a signing key for this run: streams-app serves only versions signed by a key it trusts
            KeyPair signing = SigningKeys.generate();
            StreamsAppConfig config = StreamsAppConfig.of(Map.of(
                    "models.trusted.keys", SigningKeys.publicBase64(signing.getPublic()),
                    "bootstrap.servers", broker.bootstrapServers(),
                    "application.id", "demo-classify",
                    "http.port", 0,
                    "state.dir", work.resolve("streams").toString(),
                    "batch.max.size", 32,
                    "batch.max.delay.ms", 20));
            try (StreamsApp app = new StreamsApp(config, backbone).start();
                 FeatureCache cache = FeatureCache.open(work.resolve("features"), backbone.info().fingerprint(), backbone.info().featureSize());
                 ModelPublisher publisher = new ModelPublisher(broker.bootstrapServers(), config.modelsTopic(), new VersionSigner(signing))) {
                out.printf("== 2. streams-app started (HTTP metrics on http://localhost:%d/metrics); no model yet, images will wait%n", app.httpPort());

                Map<Long, Double> offline = new TreeMap<>();
                out.printf("== 3. Train version 1: %d labelled images per class of %s%n", options.v1PerClass(), options.classes());
                TrainingPipeline.Outcome v1 = train(backbone, cache, train.samplePerClass(options.v1PerClass(), options.seed()), holdout, 1, options, out);
                offline.put(1L, v1.holdout().accuracy());
                publisher.publishAndActivate(v1.version(), "demo-v1");
                out.printf("   published %s to topic '%s' and activated it%n", v1.version().id(), config.modelsTopic());

                out.printf("== 4. Stream %d holdout images (PNG) plus 3 hostile records into '%s'%n", holdout.size(), config.imagesTopic());
                Map<String, String> truth = produce(broker.bootstrapServers(), config.imagesTopic(), holdout, "a-");
                Map<String, PredictionEvent> first = awaitPredictions(broker.bootstrapServers(), config.predictionsTopic(), truth.keySet(), out);

                out.printf("== 5. Train version 2 with %d images per class (features of v1's images come from the cache) and hot-swap it%n",
                        options.v2PerClass());
                TrainingPipeline.Outcome v2 = train(backbone, cache, train.samplePerClass(options.v2PerClass(), options.seed()), holdout, 2, options, out);
                offline.put(2L, v2.holdout().accuracy());
                publisher.publishAndActivate(v2.version(), "demo-v2");
                awaitVersion(app, 2);
                out.printf("   streams-app now serves %s%n", app.currentModel().map(m -> m.id()).orElse("?"));
                Map<String, String> truth2 = produce(broker.bootstrapServers(), config.imagesTopic(), holdout, "b-");
                Map<String, PredictionEvent> second = awaitPredictions(broker.bootstrapServers(), config.predictionsTopic(), truth2.keySet(), out);

                Map<String, PredictionEvent> all = new HashMap<>(first);
                all.putAll(second);
                Map<String, String> allTruth = new HashMap<>(truth);
                allTruth.putAll(truth2);
                Map<Long, Integer> perVersion = new TreeMap<>();
                Map<Long, int[]> correct = new TreeMap<>();
                all.forEach((id, p) -> {
                    perVersion.merge(p.model().version(), 1, Integer::sum);
                    int[] c = correct.computeIfAbsent(p.model().version(), v -> new int[2]);
                    c[1]++;
                    if (p.label().equals(allTruth.get(id))) {
                        c[0]++;
                    }
                });
                Map<Long, Double> streamed = new TreeMap<>();
                correct.forEach((v, c) -> streamed.put(v, (double) c[0] / c[1]));
                Map<String, Integer> dlq = deadLetters(broker.bootstrapServers(), config.dlqTopic(), 3, out);

                out.printf("== 6. Predictions (first 5 of each run)%n");
                first.values().stream().limit(5).forEach(p -> out.printf("   %s%n", json(p)));
                second.values().stream().limit(5).forEach(p -> out.printf("   %s%n", json(p)));
                double seconds = (System.nanoTime() - t0) / 1e9;
                out.printf("== Summary%n");
                for (long v : perVersion.keySet()) {
                    out.printf("   v%d: %d predictions, streamed accuracy %.2f%% (trainer's offline holdout accuracy %.2f%%)%n",
                            v, perVersion.get(v), 100 * streamed.get(v), 100 * offline.getOrDefault(v, Double.NaN));
                }
                out.printf("   dead letters by reason: %s%n", dlq);
                out.printf("   %d images in, %d predictions out, %.1f s in all%n", allTruth.size(), all.size(), seconds);
                return new Result(allTruth.size(), perVersion, streamed, offline, dlq, seconds);
            }
        }
    }

    private static TrainingPipeline.Outcome train(Backbone backbone, FeatureCache cache, Dataset train, Dataset holdout, long version,
                                              Options options, PrintStream out) {
        TrainingPipeline.Outcome o = TrainingPipeline.run(backbone, cache, train, holdout, HeadConfig.DEFAULT,
                new TrainSettings(20, 64, 300, options.seed()), "default", version, Clock.systemUTC(), Progress.none());
        out.printf("   v%d: %d train images (%d featurized, %d from cache), head trained in %.2f s, holdout accuracy %.2f%% on %d images%n",
                version, train.size(), o.featurized(), o.fromCache(), o.headSeconds(), 100 * o.holdout().accuracy(), holdout.size());
        return o;
    }

    private static Map<String, String> produce(String bootstrap, String topic, Dataset images, String prefix) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        Map<String, String> truth = new LinkedHashMap<>();
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < images.size(); i++) {
                String id = prefix + i;
                truth.put(id, images.images().get(i).label());
                producer.send(new ProducerRecord<>(topic, id, ImageEncoder.png(images.images().get(i).image())));
            }
            if (prefix.equals("a-")) {
                producer.send(new ProducerRecord<>(topic, "hostile-empty", new byte[0]));
                producer.send(new ProducerRecord<>(topic, "hostile-text", "not an image".getBytes(StandardCharsets.UTF_8)));
                byte[] png = ImageEncoder.png(images.images().get(0).image());
                producer.send(new ProducerRecord<>(topic, "hostile-truncated", java.util.Arrays.copyOf(png, png.length / 2)));
            }
            producer.flush();
        }
        return truth;
    }

    private static Map<String, PredictionEvent> awaitPredictions(String bootstrap, String topic, java.util.Set<String> ids, PrintStream out) {
        Map<String, PredictionEvent> got = new LinkedHashMap<>();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        try (var consumer = consumer(bootstrap, new ByteArrayDeserializer())) {
            assignFromStart(consumer, topic);
            while (!got.keySet().containsAll(ids)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + got.size() + " of " + ids.size() + " predictions within " + DEADLINE);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (ids.contains(r.key())) {
                        got.put(r.key(), readPrediction(r.value()));
                    }
                }
            }
        }
        out.printf("   received %d predictions%n", got.size());
        return got;
    }

    private static Map<String, Integer> deadLetters(String bootstrap, String topic, int expected, PrintStream out) {
        Map<String, Integer> reasons = new TreeMap<>();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        int seen = 0;
        try (var consumer = consumer(bootstrap, new ByteArrayDeserializer())) {
            assignFromStart(consumer, topic);
            while (seen < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Header reason = r.headers().lastHeader("error.reason");
                    String code = reason == null ? "?" : new String(reason.value(), StandardCharsets.UTF_8);
                    Header msg = r.headers().lastHeader("error.message");
                    out.printf("   dead letter %s: %s (%s)%n", r.key(), code, msg == null ? "" : new String(msg.value(), StandardCharsets.UTF_8));
                    reasons.merge(code, 1, Integer::sum);
                    seen++;
                }
            }
        }
        return reasons;
    }

    private static void awaitVersion(StreamsApp app, long version) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (app.currentModel().map(m -> m.version()).orElse(0L) != version) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("streams-app did not switch to v" + version + " within " + DEADLINE);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }

    private static <V> KafkaConsumer<String, V> consumer(String bootstrap, org.apache.kafka.common.serialization.Deserializer<V> values) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(p, new StringDeserializer(), values);
    }

    private static void assignFromStart(KafkaConsumer<String, ?> consumer, String topic) {
        List<TopicPartition> parts = new ArrayList<>();
        consumer.partitionsFor(topic).forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
    }

    private static PredictionEvent readPrediction(byte[] json) {
        try {
            return Json.MAPPER.readValue(json, PredictionEvent.class);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable prediction: " + new String(json, StandardCharsets.UTF_8), e);
        }
    }

    private static String json(PredictionEvent p) {
        try {
            return Json.MAPPER.writeValueAsString(p);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
