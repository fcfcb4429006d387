package dev.streamclassify.streams;

import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
import dev.streamclassify.streams.testing.ClassifyFixture;
import dev.streamclassify.streams.testing.Conditions;
import dev.streamclassify.streams.testing.TestImages;
import dev.streamclassify.streams.testing.TopicReader;
import dev.streamclassify.streams.wire.PredictionEvent;
import io.micrometer.core.instrument.Counter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scaling in and out on the real broker, as KEDA does it: three instances share six partitions; while images stream,
 * one instance leaves and another joins; every image still gets a prediction, and the newcomer takes a share of the
 * work. The instances run in this JVM, each with its own state directory, as separate pods would.
 */
class RebalanceUnderLoadIntegrationTest {

    static final Duration TIMEOUT = Duration.ofSeconds(120);
    static final int PARTITIONS = 6;
    static final int BEFORE_LEAVE = 100;
    static final int AFTER_JOIN = 120;

    @Test
    void everyImageGetsAPredictionWhileOneInstanceLeavesAndAnotherJoinsUnderLoad() throws Exception {
        try (Backbone backbone = TestModels.tinyBackbone(11);
             ClassifyFixture fixture = ClassifyFixture.create("rebalance", PARTITIONS);
             TopicReader<PredictionEvent> predictions = fixture.predictions();
             TopicReader<byte[]> deadLetters = fixture.deadLetters()) {
            fixture.serveFirstVersion(backbone, ClassifyFixture.LABELS);
            List<byte[]> images = IntStream.range(0, 40).mapToObj(TestImages::png).toList();
            List<StreamsApp> apps = new ArrayList<>();
            ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
            try {
                for (String name : List.of("a", "b", "c")) {
                    apps.add(start(fixture, backbone, name));
                }
                Conditions.await("three instances running with the model", TIMEOUT,
                        () -> apps.stream().allMatch(app -> app.readiness().ok() && app.state() == KafkaStreams.State.RUNNING));

                // a steady stream, ~100 images/s across the six partitions, that runs through the leave and the join
                AtomicInteger sent = new AtomicInteger();
                AtomicBoolean streaming = new AtomicBoolean(true);
                load.scheduleAtFixedRate(() -> {
                    for (int k = 0; k < 10 && streaming.get(); k++) {
                        int i = sent.getAndIncrement();
                        fixture.sendImage(i % PARTITIONS, "img-" + i, images.get(i % images.size()));
                    }
                    fixture.flush();
                }, 0, 100, TimeUnit.MILLISECONDS);

                // c leaves (as a pod removed on scale-down), then d joins (as a pod added on scale-up)
                predictions.awaitCount(BEFORE_LEAVE, TIMEOUT);
                StreamsApp leaving = apps.remove(2);
                leaving.close();
                StreamsApp joining = start(fixture, backbone, "d");
                apps.add(joining);
                Conditions.await("the joining instance running with the model", TIMEOUT,
                        () -> joining.readiness().ok() && joining.state() == KafkaStreams.State.RUNNING);
                int atJoin = sent.get();
                Conditions.await(AFTER_JOIN + " more images sent after the join", TIMEOUT, () -> sent.get() >= atJoin + AFTER_JOIN);
                streaming.set(false);
                load.shutdown();
                assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).as("the load stopped").isTrue();
                fixture.flush();

                Set<String> expected = IntStream.range(0, sent.get()).mapToObj(i -> "img-" + i).collect(Collectors.toSet());
                predictions.awaitUntil("a prediction for each of the " + expected.size() + " images", TIMEOUT,
                        r -> r.stream().map(ConsumerRecord::key).collect(Collectors.toSet()).containsAll(expected));

                List<ConsumerRecord<String, PredictionEvent>> out = predictions.readToEnd(TIMEOUT);
                assertThat(out.stream().map(ConsumerRecord::key).collect(Collectors.toSet())).isEqualTo(expected);
                assertThat(out).allSatisfy(r -> assertThat(r.value().model().version()).isEqualTo(1));
                assertThat(deadLetters.readToEnd(TIMEOUT)).isEmpty();
                assertThat(predicted(joining)).as("images predicted by the instance that joined").isPositive();
                assertThat(predicted(leaving)).as("images predicted by the instance that left, before it left").isPositive();
                assertThat(apps).allSatisfy(app -> assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING));
            } finally {
                load.shutdownNow();
                apps.forEach(StreamsApp::close);
            }
        }
    }

    /**
     * An instance with a state directory of its own. Kafka Streams does not leave the group on close (a restart would
     * otherwise cost two rebalances), so a departed member's partitions move when its session expires: 6 s here
     * (the broker's minimum), 45 s by default.
     */
    private static StreamsApp start(ClassifyFixture fixture, Backbone backbone, String instance) {
        return new StreamsApp(fixture.config(Map.of(
                StreamsAppConfig.STATE_DIR, fixture.stateDir().resolve(instance).toString(),
                "kafka.session.timeout.ms", "6000",
                "kafka.heartbeat.interval.ms", "1000")), backbone).start();
    }

    private static double predicted(StreamsApp app) {
        return app.meterRegistry().find(ClassifyMetrics.IMAGES).tag("outcome", "predicted").counters().stream()
                .mapToDouble(Counter::count).sum();
    }
}
