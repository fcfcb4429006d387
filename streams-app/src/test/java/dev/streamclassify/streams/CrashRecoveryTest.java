package dev.streamclassify.streams;

import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.BackboneDescriptor;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.format.Json;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.testing.ChildApp;
import dev.streamclassify.streams.testing.ClassifyFixture;
import dev.streamclassify.streams.testing.Conditions;
import dev.streamclassify.streams.testing.TestImages;
import dev.streamclassify.streams.testing.TopicReader;
import dev.streamclassify.streams.wire.PredictionEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN.md trap 1, proven: the service runs as its own process with micro-batching on, is killed with SIGKILL while
 * images stream in, and is restarted. No image may go without a prediction; under exactly_once_v2 none may get two.
 */
class CrashRecoveryTest {

    static final Logger LOG = LoggerFactory.getLogger(CrashRecoveryTest.class);
    static final int IMAGES = 1200;
    /** Images held back until the kill, so the kill lands mid-stream however slowly the app runs on a loaded machine. */
    static final int SENT_AFTER_KILL = 300;
    static final Duration TIMEOUT = Duration.ofSeconds(90);
    static final List<String> LABELS = List.of("zero", "one", "two");

    @TempDir
    static Path backboneDir;
    static Path descriptor;

    @TempDir
    Path logs;

    @BeforeAll
    static void writeBackbone() throws Exception {
        Files.write(backboneDir.resolve("tiny.zip"), TestModels.tinyBackboneBytes(21));
        descriptor = backboneDir.resolve("backbone.json");
        Json.MAPPER.writeValue(descriptor.toFile(),
                new BackboneDescriptor("tiny-21", "tiny.zip", TestModels.CUT, TestModels.MNIST_SPEC, Map.of("source", "CrashRecoveryTest")));
    }

    @Test
    void everyImageIsPredictedAtLeastOnceAfterAKillUnderAtLeastOnce() throws Exception {
        Map<String, Long> counts = killMidStreamAndRecover("alos", StreamsAppConfig.AT_LEAST_ONCE);

        assertThat(counts).hasSize(IMAGES).allSatisfy((id, n) -> assertThat(n).isGreaterThanOrEqualTo(1));
        LOG.info("at_least_once: {} predictions for {} images ({} duplicates replayed after the kill)",
                counts.values().stream().mapToLong(Long::longValue).sum(), IMAGES,
                counts.values().stream().mapToLong(n -> n - 1).sum());
    }

    @Test
    void everyImageIsPredictedExactlyOnceAfterAKillUnderExactlyOnce() throws Exception {
        Map<String, Long> counts = killMidStreamAndRecover("eos", StreamsAppConfig.EXACTLY_ONCE_V2);

        assertThat(counts).hasSize(IMAGES).allSatisfy((id, n) -> assertThat(n).as("predictions of %s", id).isEqualTo(1));
    }

    /** @return predictions per image id, read (read_committed) after the restarted app stopped cleanly */
    private Map<String, Long> killMidStreamAndRecover(String name, String guarantee) throws Exception {
        try (ClassifyFixture fixture = ClassifyFixture.create(name);
             Backbone backbone = Backbones.fromDescriptor(descriptor);
             TopicReader<PredictionEvent> predictions = fixture.predictions();
             TopicReader<byte[]> deadLetters = fixture.deadLetters()) {
            fixture.serveFirstVersion(backbone, LABELS);
            Map<String, String> settings = fixture.settings(Map.of(
                    StreamsAppConfig.BACKBONE, "file:" + descriptor,
                    StreamsAppConfig.PROCESSING_GUARANTEE, guarantee,
                    // commits come far more often than batches: an offset is committed long before its image is
                    // classified, which loses images unless the buffer survives the kill
                    StreamsAppConfig.BATCH_MAX_SIZE, "64",
                    StreamsAppConfig.BATCH_MAX_DELAY_MS, "2000",
                    "kafka.commit.interval.ms", "200",
                    StreamsAppConfig.TOPICS_CREATE, "false",
                    // a killed member must leave the group quickly for the restarted one to get its partitions
                    "kafka.session.timeout.ms", "6000",
                    "kafka.heartbeat.interval.ms", "1000"));
            List<byte[]> images = IntStream.range(0, 30).mapToObj(TestImages::png).toList();
            ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
            AtomicInteger sent = new AtomicInteger();
            AtomicBoolean killed = new AtomicBoolean();
            try {
                ChildApp first = ChildApp.start(settings, logs.resolve("first.log")).awaitReady(TIMEOUT);
                int beforeKill;
                int sentAtKill;
                double bufferedAtKill;
                try (first) {
                    // ~200 images/s, so batches are half full when the kill lands; the last images wait for it
                    load.scheduleAtFixedRate(() -> {
                        int limit = killed.get() ? IMAGES : IMAGES - SENT_AFTER_KILL;
                        for (int k = 0; k < 20 && sent.get() < limit; k++) {
                            int i = sent.getAndIncrement();
                            fixture.sendImage(i % 3, "img-" + i, images.get(i % images.size()));
                        }
                        fixture.flush();
                    }, 0, 100, TimeUnit.MILLISECONDS);
                    beforeKill = predictions.awaitCount(90, TIMEOUT).size();
                    // kill right after seeing images in the buffers: their offsets are committed, their predictions not made
                    AtomicReference<Double> buffered = new AtomicReference<>(0.0);
                    Conditions.await("images waiting in the app's buffers", TIMEOUT, () -> {
                        buffered.set(first.metric("classify_buffered"));
                        return buffered.get() >= 20;
                    });
                    first.kill();
                    bufferedAtKill = buffered.get();
                    sentAtKill = sent.get();
                    killed.set(true);
                }
                LOG.info("{}: killed the app after {} predictions, {} images buffered a moment before, {} of {} images sent", name,
                        beforeKill, bufferedAtKill, sentAtKill, IMAGES);
                assertThat(sentAtKill).as("images sent when the app was killed").isLessThan(IMAGES);

                ChildApp second = ChildApp.start(settings, logs.resolve("second.log"));
                try (second) {
                    predictions.awaitUntil("a prediction for every image", TIMEOUT,
                            r -> r.stream().map(ConsumerRecord::key).distinct().count() == IMAGES);
                    assertThat(second.status("/ready")).isEqualTo(200);
                    assertThat(second.status("/health")).isEqualTo(200);
                    second.stop(Duration.ofSeconds(45));
                    assertThat(second.logTail()).as("SIGTERM runs the clean shutdown").contains("Stopped");
                }
            } finally {
                load.shutdownNow();
            }
            assertThat(deadLetters.readToEnd(TIMEOUT)).isEmpty();
            List<ConsumerRecord<String, PredictionEvent>> all = predictions.readToEnd(TIMEOUT);
            Set<String> expected = IntStream.range(0, IMAGES).mapToObj(i -> "img-" + i).collect(Collectors.toSet());
            assertThat(all).extracting(ConsumerRecord::key).isSubsetOf(expected);
            return all.stream().collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
        }
    }
}
