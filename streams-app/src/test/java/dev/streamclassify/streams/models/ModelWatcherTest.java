package dev.streamclassify.streams.models;

import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.catalog.ModelsTopic;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.signing.SigningKeys;
import dev.streamclassify.model.signing.VersionSigner;
import dev.streamclassify.model.testing.TestKeys;
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

    final ModelVersionCodec codec = new ModelVersionCodec();
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
        watcher = watcher(Classifier::load);
    }

    ModelWatcher watcher(ModelWatcher.Loader loader) {
        var config = fixture.config(Map.of());
        return new ModelWatcher(new ModelWatcher.Settings(config.modelsTopic(), ClassifyFixture.MODEL, 4, TestKeys.TRUSTED),
                config.consumerProperties(), backbone, holder, new ClassifyMetrics(registry), loader);
    }

    double fallbacks() {
        var c = registry.find(ClassifyMetrics.MODEL_FALLBACKS).counter();
        return c == null ? 0 : c.count();
    }

    double rejected(String reason) {
        var c = registry.find(ClassifyMetrics.MODEL_REJECTED).tag("reason", reason).counter();
        return c == null ? 0 : c.count();
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
        fixture.publishSigned(ModelsTopic.versionKey(ClassifyFixture.MODEL, 3), "garbage".getBytes(StandardCharsets.UTF_8), TestKeys.SIGNER);
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
    void actsOnAnActivationAndRollsBack() throws Exception {
        fixture.publish(version(1));
        fixture.publish(version(2));
        fixture.activate(1);
        watcher.start();
        Conditions.await("v1 to serve", TIMEOUT, () -> serving() == 1);

        // how fast is the Benchmark's swap-latency row's business; here only that the swap happens
        fixture.activate(2);
        Conditions.await("v2 to serve", TIMEOUT, () -> serving() == 2);

        fixture.activate(1);
        Conditions.await("the rollback to v1", TIMEOUT, () -> serving() == 1);

        watcher.close();
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

    @Test
    void refusesUnsignedForeignSignedAndTamperedVersionsBeforeParsingThem() throws Exception {
        fixture.publish(version(1));
        fixture.activate(1);
        watcher.start();
        Conditions.await("v1 to serve", TIMEOUT, () -> serving() == 1);

        byte[] v2 = codec.encode(version(2));
        fixture.publishRaw(ModelsTopic.versionKey(ClassifyFixture.MODEL, 2), v2);
        fixture.activate(2);
        byte[] v3 = codec.encode(version(3));
        fixture.publishSigned(ModelsTopic.versionKey(ClassifyFixture.MODEL, 3), v3, new VersionSigner(SigningKeys.generate()));
        fixture.activate(3);
        // a genuine signature of v4, moved onto v5's key: replayed under another version number
        publishWithSignatureOf(ModelsTopic.versionKey(ClassifyFixture.MODEL, 5), codec.encode(version(4).withVersion(5)),
                ModelsTopic.versionKey(ClassifyFixture.MODEL, 4));
        fixture.activate(5);

        Conditions.await("three refusals", TIMEOUT, () -> rejected("unsigned") == 1 && rejected("untrusted-key") == 1
                && rejected("bad-signature") == 1, registry.getMeters()::toString);
        assertThat(serving()).isEqualTo(1);
        assertThat(watcher.failure()).isEmpty();
    }

    @Test
    void aSecondRecordWithOtherBytesUnderAServedVersionKeyIsRefusedAndTheFirstKeepsServing() throws Exception {
        fixture.publish(version(1));
        fixture.activate(1);
        watcher.start();
        Conditions.await("v1 to serve", TIMEOUT, () -> serving() == 1);

        // correctly signed, same number, other labels: a silent swap under the same version if it were taken
        fixture.publish(TestModels.version(backbone, ClassifyFixture.MODEL, 1, List.of("swapped-a", "swapped-b"), 99));
        fixture.activate(1);

        Conditions.await("the conflict to be counted", TIMEOUT, () -> rejected("version-conflict") == 1);
        assertThat(holder.current().orElseThrow().labels()).isEqualTo(LABELS);
    }

    @Test
    void aStartingInstanceWhoseActivatedVersionIsRefusedServesTheNewestVersionThatLoads() throws Exception {
        try (Backbone foreign = TestModels.tinyBackbone(32)) {
            fixture.publish(version(1));
            fixture.publish(version(2));
            fixture.publish(TestModels.version(foreign, ClassifyFixture.MODEL, 3, LABELS, 3));
            fixture.activate(3);
        }

        watcher.start();

        Conditions.await("a fallback to serve", TIMEOUT, () -> serving() != 0);
        assertThat(serving()).isEqualTo(2);
        assertThat(rejected("foreign-backbone")).isEqualTo(1);
        // the fallback is counted just after the swap, on the watcher thread: wait for it rather than race it
        Conditions.await("the fallback to be counted", TIMEOUT, () -> fallbacks() == 1);

        fixture.publish(version(4));
        fixture.activate(4);
        Conditions.await("the next good activation to serve", TIMEOUT, () -> serving() == 4);
        watcher.close();
        assertThat(fallbacks()).as("a usable activation is no fallback").isEqualTo(1);
    }

    @Test
    void survivesAnErrorWhileLoadingOneVersionAndLoadsTheNext() throws Exception {
        watcher.close();
        watcher = watcher((mv, bb) -> {
            if (mv.version() == 2) {
                throw new StackOverflowError("simulated decoder recursion on v2");
            }
            return Classifier.load(mv, bb);
        });
        fixture.publish(version(1));
        fixture.activate(1);
        watcher.start();
        Conditions.await("v1 to serve", TIMEOUT, () -> serving() == 1);

        fixture.publish(version(2));
        fixture.activate(2);
        Conditions.await("v2 refused", TIMEOUT, () -> rejected("load-failed") == 1);
        fixture.publish(version(3));
        fixture.activate(3);

        Conditions.await("v3 to serve", TIMEOUT, () -> serving() == 3);
        assertThat(watcher.failure()).isEmpty();
    }

    private void publishWithSignatureOf(String key, byte[] value, String signedKey) {
        fixture.publishWithSignature(key, value, TestKeys.SIGNER.sign(signedKey, value));
    }
}
