package dev.streamclassify.trainer.publish;

import dev.streamclassify.kafka.testkit.SharedKafkaBroker;
import dev.streamclassify.kafka.testkit.Topics;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.trainer.cli.TrainerCli;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Version numbers on the models topic: unique across concurrent writers, never reused, one version per request. */
class VersionWriterTest {

    private static final String BOOTSTRAP = SharedKafkaBroker.bootstrapServers();
    private static Backbone backbone;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadBackbone() {
        backbone = TestModels.tinyBackbone(11);
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    private static String newTopic() {
        String topic = "models-writer-" + UUID.randomUUID().toString().substring(0, 8);
        Topics.create(BOOTSTRAP, List.of(new NewTopic(topic, 1, (short) 1)));
        return topic;
    }

    /** An artifact numbered 1, as `trainer train` writes by default; the seed makes its bytes differ. */
    private Path artifact(long seed) throws Exception {
        Path file = dir.resolve("v-" + seed + ".scmv");
        Files.write(file, new ModelVersionCodec().encode(TestModels.version(backbone, "shoes", 1, List.of("Sandal", "Sneaker"), seed)));
        return file;
    }

    private static int publish(Path artifact, String topic, String... more) {
        List<String> args = new ArrayList<>(List.of("publish", artifact.toString(), "--bootstrap-servers", BOOTSTRAP, "--topic", topic, "--unsigned"));
        args.addAll(List.of(more));
        return TrainerCli.run(args.toArray(String[]::new));
    }

    private static List<ConsumerRecord<String, byte[]>> versionRecords(String topic, String model) {
        return records(topic).stream().filter(r -> ModelsTopic.parse(r.key())
                .filter(k -> k instanceof ModelsTopic.VersionKey v && v.model().equals(model)).isPresent()).toList();
    }

    private static List<ConsumerRecord<String, byte[]>> records(String topic) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            assertThat(c.position(tp)).as("read " + topic + " to its end").isEqualTo(end);
            return out;
        }
    }

    private static List<Long> versions(String topic, String model) {
        return versionRecords(topic, model).stream()
                .map(r -> ((ModelsTopic.VersionKey) ModelsTopic.parse(r.key()).orElseThrow()).version()).toList();
    }

    @Test
    void twoPublishersRacingNeverWriteTheSameVersionNumber() throws Exception {
        String topic = newTopic();
        List<Path> artifacts = new ArrayList<>();
        for (long seed = 1; seed <= 6; seed++) {
            artifacts.add(artifact(seed));
        }
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<Integer>>> runs = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                List<Path> mine = artifacts.subList(w * 3, w * 3 + 3);
                runs.add(writers.submit(() -> mine.stream().map(a -> publish(a, topic, "--no-activate")).toList()));
            }
            for (Future<List<Integer>> run : runs) {
                assertThat(run.get(5, TimeUnit.MINUTES)).containsOnly(0);
            }
        } finally {
            writers.shutdownNow();
        }

        List<Long> versions = versions(topic, "shoes");
        assertThat(versions).doesNotHaveDuplicates();
        assertThat(versions).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 6).boxed().toList());
        assertThat(records(topic)).as("--no-activate writes no activation").noneMatch(r -> r.key().equals(ModelsTopic.activationKey("shoes")));
    }

    @Test
    void publishingTheSameArtifactAgainFindsItInsteadOfWritingASecondVersion() throws Exception {
        String topic = newTopic();
        Path a = artifact(21);

        assertThat(publish(a, topic)).isZero();
        assertThat(publish(a, topic)).isZero();
        assertThat(publish(artifact(22), topic)).isZero();

        assertThat(versions(topic, "shoes")).containsExactly(1L, 2L);
        assertThat(versionRecords(topic, "shoes").get(0).headers().lastHeader(ModelPublisher.REQUEST_ID_HEADER)).isNotNull();
    }

    @Test
    void anExplicitVersionThatIsTakenIsRefusedAndNothingIsWritten() throws Exception {
        String topic = newTopic();
        assertThat(publish(artifact(31), topic, "--version", "5")).isZero();

        assertThat(publish(artifact(32), topic, "--version", "5")).isEqualTo(1);

        assertThat(versions(topic, "shoes")).containsExactly(5L);
        assertThat(publish(artifact(33), topic)).isZero();
        assertThat(versions(topic, "shoes")).containsExactly(5L, 6L);
    }
}
