package dev.streamclassify.streams.models;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
import dev.streamclassify.streams.testing.ClassifyFixture;
import dev.streamclassify.streams.testing.Conditions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The watcher alone (no Kafka Streams) against the real broker. */
class ModelWatcherTest {

    static final List<String> LABELS = List.of("x", "y");
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static Backbone backbone;

    ClassifyFixture fixture;
    SimpleMeterRegistry registry;
    ModelHolder holder;
    ModelWatcher watcher;

    @BeforeAll
    static void loadBackbone() {
        backbone = TestModels.tinyBackbone(31);
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    @BeforeEach
    void setUp() {
        fixture = ClassifyFixture.create("watcher");
        registry = new SimpleMeterRegistry();
        holder = new ModelHolder();
        var config = fixture.config(Map.of());
        watcher = new ModelWatcher(new ModelWatcher.Settings(config.modelsTopic(), ClassifyFixture.MODEL, 4),
                config.consumerProperties(), backbone, holder, new ClassifyMetrics(registry));
    }

    @AfterEach
    void tearDown() {
        watcher.close();
        holder.close();
        fixture.close();
    }

    static ModelVersion version(long v) {
        return TestModels.version(backbone, ClassifyFixture.MODEL, v, LABELS, v);
    }

    long serving() {
        return holder.current().map(ActiveModel::version).orElse(0L);
    }

    @Test
    void servesTheHighestVersionThatLoadsWhileNoActivationExists() throws Exception {
        fixture.publish(version(1));
        fixture.publish(version(2));
        fixture.publishRaw(ModelsTopic.versionKey(ClassifyFixture.MODEL, 3), "garbage".getBytes(StandardCharsets.UTF_8));
        fixture.publish(TestModels.version(backbone, "another-model", 9, LABELS, 9));

        watcher.start();

        assertThat(watcher.awaitModel(TIMEOUT)).isPresent();
        assertThat(serving()).isEqualTo(2);
        watcher.close();
        assertThat(registry.get(ClassifyMetrics.MODEL_REJECTED).tag("reason", "corrupt").counter().count()).isEqualTo(1);
        assertThat(registry.get(ClassifyMetrics.MODEL_SWAPS).counter().count())
                .as("catch-up loads only the version it ends up serving").isEqualTo(1);
    }

    @Test
    void actsOnAnActivationWellWithinASecondAndRollsBack() throws Exception {
        fixture.publish(version(1));
        fixture.publish(version(2));
        fixture.activate(1);
        watcher.start();
        Conditions.await("v1 to serve", TIMEOUT, () -> serving() == 1);

        long start = System.nanoTime();
        fixture.activate(2);
        Conditions.await("v2 to serve", TIMEOUT, () -> serving() == 2);
        Duration toV2 = Duration.ofNanos(System.nanoTime() - start);

        fixture.activate(1);
        Conditions.await("the rollback to v1", TIMEOUT, () -> serving() == 1);

        watcher.close();
        assertThat(toV2).isLessThan(Duration.ofSeconds(1));
        assertThat(registry.get(ClassifyMetrics.MODEL_SWAPS).counter().count()).isEqualTo(3);
        assertThat(registry.get(ClassifyMetrics.MODEL_SWAP_DURATION).timer().count()).isEqualTo(3);
    }

    @Test
    void waitsForTheVersionAnActivationPointsTo() throws Exception {
        fixture.publish(version(1));
        fixture.activate(1);
        watcher.start();
        Conditions.await("v1 to serve", TIMEOUT, () -> serving() == 1);

        fixture.activate(7);
        fixture.publishRaw("not/a/models/key", new byte[]{1});
        Conditions.await("the stray key to be counted", TIMEOUT, () -> registry.find(ClassifyMetrics.MODEL_RECORDS_IGNORED)
                .tag("reason", "unparseable-key").counter() != null);
        assertThat(serving()).isEqualTo(1);

        fixture.publish(version(7));
        Conditions.await("v7 to serve", TIMEOUT, () -> serving() == 7);
    }
}
