package dev.streamclassify.trainer.streampool.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.image.RawImage;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.dataset.LabelledImage;
import dev.streamclassify.trainer.features.Featurizer;
import dev.streamclassify.model.image.ImageDecoder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PoolIngestTest {

    private static final int BATCH = 4;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-30T08:00:00Z"), ZoneOffset.UTC);

    private Backbone backbone;
    private Backbone other;
    private final List<LabelledImage> images = FashionMnist.sampleTrain().images().subList(0, 12);
    private final Map<String, Integer> skipped = new TreeMap<>();

    @BeforeAll
    void loadBackbones() throws Exception {
        backbone = Backbones.loadDefault();
        // the same network under another fingerprint: what a backbone change looks like to the pool
        String modelFile;
        try (InputStream in = Backbones.class.getResourceAsStream(Backbones.DEFAULT_RESOURCE)) {
            modelFile = new ObjectMapper().readTree(in).get("modelFile").asText();
        }
        byte[] model;
        try (InputStream in = Backbones.class.getResourceAsStream("/backbones/default/" + modelFile)) {
            model = in.readAllBytes();
        }
        other = Backbone.of(Backbones.restoreGraph(model), "other", "sha256:" + "1".repeat(64), backbone.info().cutLayer(),
                backbone.info().preprocessing());
    }

    @BeforeEach
    void noSkipsYet() {
        skipped.clear();
    }

    @AfterAll
    void close() {
        backbone.close();
        other.close();
    }

    private PoolIngest ingest(FeatureRing ring, java.util.function.Supplier<Backbone> active) {
        return new PoolIngest(ring, active, BATCH, new ImageDecoder(), (reason, n) -> skipped.merge(reason, n, Integer::sum), CLOCK);
    }

    private static ConsumerRecord<byte[], byte[]> record(int partition, long offset, byte[] value) {
        return new ConsumerRecord<>("images", partition, offset, 1_000L * offset, TimestampType.CREATE_TIME, 0,
                value == null ? -1 : value.length, null, value, new RecordHeaders(), Optional.empty());
    }

    private static byte[] png(LabelledImage image) {
        return ImageEncoder.png(image.image());
    }

    @Test
    void poolsTheFeaturesTrainingWouldComputeWithWhereEachImageWas() {
        FeatureRing ring = new FeatureRing(100, Long.MAX_VALUE);
        PoolIngest ingest = ingest(ring, () -> backbone);

        for (int i = 0; i < 6; i++) {
            ingest.accept(record(i % 2, 10 + i, png(images.get(i))));
        }
        ingest.flush();

        List<FeatureRing.Entry> pooled = ring.contents(backbone.info().fingerprint()).entries();
        List<RawImage> raw = images.subList(0, 6).stream().map(LabelledImage::image).toList();
        float[][] expected = new Featurizer(backbone, 64).features(raw);
        assertThat(pooled).hasSize(6);
        for (int i = 0; i < 6; i++) {
            FeatureRing.Entry e = pooled.get(i);
            assertThat(e.contentHash()).isEqualTo(images.get(i).contentHash());
            assertThat(e.features()).containsExactly(expected[i], org.assertj.core.data.Offset.offset(1e-5f));
            assertThat(e.partition()).isEqualTo(i % 2);
            assertThat(e.offset()).isEqualTo(10 + i);
            assertThat(e.timestamp()).isEqualTo(1_000L * (10 + i));
        }
        assertThat(ingest.added()).isEqualTo(6);
        assertThat(skipped).isEmpty();
    }

    @Test
    void featurizesInBatchesWithoutWaitingForAFlush() {
        FeatureRing ring = new FeatureRing(100, Long.MAX_VALUE);
        PoolIngest ingest = ingest(ring, () -> backbone);

        for (int i = 0; i < BATCH + 1; i++) {
            ingest.accept(record(0, i, png(images.get(i))));
        }

        assertThat(ring.size()).isEqualTo(BATCH);
        ingest.flush();
        assertThat(ring.size()).isEqualTo(BATCH + 1);
    }

    @Test
    void refusedAndRepeatedRecordsAreSkippedAndCountedByReasonWhileGoodOnesArePooled() {
        FeatureRing ring = new FeatureRing(100, Long.MAX_VALUE);
        PoolIngest ingest = ingest(ring, () -> backbone);
        byte[] good = png(images.get(0));

        ingest.accept(record(0, 0, good));
        ingest.flush();
        ingest.accept(record(0, 1, null));
        ingest.accept(record(0, 2, new byte[0]));
        ingest.accept(record(0, 3, "not an image".getBytes(StandardCharsets.UTF_8)));
        ingest.accept(record(0, 4, Arrays.copyOf(good, good.length / 2)));
        ingest.accept(record(0, 5, good));
        ingest.accept(record(0, 6, png(images.get(1))));
        ingest.flush();
        ingest.skip(PoolIngest.UNREADABLE);

        assertThat(ring.contents(backbone.info().fingerprint()).entries()).extracting(FeatureRing.Entry::offset).containsExactly(0L, 6L);
        assertThat(skipped).isEqualTo(Map.of("empty", 2, "unsupported-format", 1, "corrupt", 1, PoolIngest.DUPLICATE, 1,
                PoolIngest.UNREADABLE, 1));
    }

    @Test
    void aBackboneChangeEmptiesThePoolAndRefillsItWithTheNewBackbonesFeaturesOnly() {
        FeatureRing ring = new FeatureRing(100, Long.MAX_VALUE);
        AtomicReference<Backbone> active = new AtomicReference<>(backbone);
        PoolIngest ingest = ingest(ring, active::get);
        for (int i = 0; i < 3; i++) {
            ingest.accept(record(0, i, png(images.get(i))));
        }
        ingest.flush();

        active.set(other);
        ingest.accept(record(0, 3, png(images.get(3))));
        ingest.flush();

        assertThat(ring.contents(backbone.info().fingerprint()).entries()).isEmpty();
        assertThat(ring.contents(other.info().fingerprint()).entries()).extracting(FeatureRing.Entry::offset).containsExactly(3L);
        assertThat(ring.evicted(FeatureRing.Eviction.BACKBONE)).isEqualTo(3);
    }

    @Test
    void aRecordWithoutATimestampIsAgedFromItsArrival() {
        FeatureRing ring = new FeatureRing(100, Long.MAX_VALUE);
        PoolIngest ingest = ingest(ring, () -> backbone);

        ingest.accept(new ConsumerRecord<>("images", 0, 7L, null, png(images.get(0))));
        ingest.flush();

        assertThat(ring.oldestTimestamp()).hasValue(CLOCK.millis());
    }
}
