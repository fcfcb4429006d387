package dev.streamclassify.model.artifact;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamclassify.model.artifact.ArtifactException.Reason;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.testing.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TimeZone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ModelVersionCodecTest {

    private static final List<String> LABELS = List.of("Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private static Backbone backbone;
    private static ModelVersion plain;
    private static ModelVersion fineTuned;

    private final ModelVersionCodec codec = new ModelVersionCodec();

    @BeforeAll
    static void makeVersions() throws Exception {
        backbone = TestModels.tinyBackbone(1);
        plain = TestModels.version(backbone, "default", 3, LABELS, 11);
        Map<String, byte[]> layers = new LinkedHashMap<>();
        try (Backbone other = TestModels.tinyBackbone(2)) {
            layers.put("conv2", RawParams.of(other.graph().getLayer("conv2").params()));
            layers.put("conv1", RawParams.of(other.graph().getLayer("conv1").params()));
        }
        fineTuned = withMetricsAndLayers(plain, perClass(false), layers);
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    @Test
    void roundTripKeepsEveryFieldAndBlob() throws Exception {
        ModelVersion decoded = codec.decode(codec.encode(fineTuned));

        assertThat(decoded).isEqualTo(fineTuned);
        assertThat(decoded.fineTunedLayers()).containsOnlyKeys("conv1", "conv2");
        assertThat(decoded.fineTunedLayers().get("conv2")).isEqualTo(fineTuned.fineTunedLayers().get("conv2"));
        assertThat(decoded.headWeights()).isEqualTo(fineTuned.headWeights());
        assertThat(decoded.metrics()).isEqualTo(fineTuned.metrics());
        assertThat(decoded.createdAt()).isEqualTo(fineTuned.createdAt());
    }

    @Test
    void semiSupervisedFiguresRoundTripAndLabelsOnlyManifestsDoNotMentionThem() throws Exception {
        var figures = new SemiSupervisedFigures("self-training", 25, 1000, List.of(25, 50, 75, 100));
        var m = plain.metrics();
        var semi = new ModelVersion(plain.name(), plain.version(), plain.labels(), plain.preprocessing(), plain.backbone(), plain.head(),
                new TrainingMetrics(m.holdoutAccuracy(), m.trainImages(), m.holdoutImages(), m.epochs(), m.trainSeconds(), m.precision(),
                        m.recall(), figures), plain.createdAt(), plain.headWeights(), plain.fineTunedLayers());

        assertThat(codec.decode(codec.encode(semi)).metrics().semiSupervised()).isEqualTo(figures);
        assertThat(new String(Archives.entries(codec.encode(semi)).get(ModelVersionCodec.MANIFEST), StandardCharsets.UTF_8))
                .contains("\"semiSupervised\"");
        // versions trained on labels only keep the manifest (and bytes) they had before the field existed
        assertThat(new String(Archives.entries(codec.encode(plain)).get(ModelVersionCodec.MANIFEST), StandardCharsets.UTF_8))
                .doesNotContain("semiSupervised");
        assertThat(codec.decode(codec.encode(plain)).metrics().semiSupervised()).isNull();
    }

    @Test
    void reEncodingADecodedVersionIsBitExact() throws Exception {
        for (ModelVersion v : List.of(plain, fineTuned)) {
            byte[] first = codec.encode(v);

            byte[] second = codec.encode(codec.decode(first));

            assertThat(second).as(v.toString()).isEqualTo(first);
        }
    }

    @Test
    void encodingDoesNotDependOnMapInsertionOrder() {
        Map<String, byte[]> layers = fineTuned.fineTunedLayers();
        Map<String, byte[]> reversed = new LinkedHashMap<>();
        reversed.put("conv2", layers.get("conv2"));
        reversed.put("conv1", layers.get("conv1"));
        ModelVersion sameButReordered = withMetricsAndLayers(plain, perClass(true), reversed);

        assertThat(sameButReordered).isEqualTo(fineTuned);
        assertThat(List.copyOf(sameButReordered.metrics().precision().keySet()))
                .as("precondition: the two records iterate their maps differently")
                .isNotEqualTo(List.copyOf(fineTuned.metrics().precision().keySet()));
        assertThat(codec.encode(sameButReordered)).isEqualTo(codec.encode(fineTuned));
    }

    @Test
    void encodingIsTheSameInEveryTimeZone() {
        TimeZone before = TimeZone.getDefault();
        try {
            TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
            byte[] utc = codec.encode(plain);
            TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kolkata"));
            byte[] kolkata = codec.encode(plain);

            assertThat(kolkata).isEqualTo(utc);
        } finally {
            TimeZone.setDefault(before);
        }
    }

    @Test
    void refusesEmptyBytesAsCorrupt() {
        assertRefused(codec, new byte[0], Reason.CORRUPT);
        assertRefused(codec, null, Reason.CORRUPT);
    }

    @Test
    void refusesRandomBytesAsCorrupt() {
        Random random = new Random(5);
        for (int size : new int[]{1, 100, 10_000}) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            assertRefused(codec, bytes, Reason.CORRUPT);
        }
    }

    @Test
    void refusesATruncatedArchiveAsCorrupt() {
        byte[] archive = codec.encode(fineTuned);

        for (int cut : new int[]{30, archive.length / 4, archive.length / 2, archive.length * 3 / 4}) {
            assertRefused(codec, Arrays.copyOf(archive, cut), Reason.CORRUPT);
        }
    }

    @Test
    void refusesATamperedHeadAsCorruptByChecksum() {
        byte[] archive = codec.encode(plain);
        byte[] head = plain.headWeights().clone();
        head[head.length / 2] ^= 0x01;

        ArtifactException e = assertRefused(codec, Archives.withEntry(archive, ModelVersionCodec.HEAD, head), Reason.CORRUPT);

        assertThat(e).hasMessageContaining("checksum").hasMessageContaining(ModelVersionCodec.HEAD);
    }

    @Test
    void refusesATamperedFineTunedLayerAsCorrupt() {
        byte[] archive = codec.encode(fineTuned);
        byte[] layer = fineTuned.fineTunedLayers().get("conv1").clone();
        layer[layer.length - 1] ^= 0x40;

        assertRefused(codec, Archives.withEntry(archive, ModelVersionCodec.LAYER_PREFIX + "conv1" + ModelVersionCodec.LAYER_SUFFIX, layer), Reason.CORRUPT);
    }

    @Test
    void refusesAnEntryTheManifestDoesNotList() {
        byte[] archive = Archives.withEntry(codec.encode(plain), ModelVersionCodec.LAYER_PREFIX + "extra" + ModelVersionCodec.LAYER_SUFFIX, new byte[]{1, 2, 3});

        assertRefused(codec, archive, Reason.CORRUPT);
    }

    @Test
    void refusesAnArchiveWithoutManifest() {
        var entries = Archives.entries(codec.encode(plain));
        entries.remove(ModelVersionCodec.MANIFEST);

        assertRefused(codec, Archives.pack(entries), Reason.CORRUPT);
    }

    @Test
    void refusesAnUnsupportedFormatAsInvalidMetadata() {
        byte[] archive = Archives.withManifest(codec.encode(plain), m -> m.put("format", ModelVersionCodec.FORMAT + 1));

        ArtifactException e = assertRefused(codec, archive, Reason.INVALID_METADATA);

        assertThat(e).hasMessageContaining("format");
    }

    @ParameterizedTest
    @ValueSource(strings = {"format", "name", "version", "labels", "preprocessing", "backbone", "head", "metrics", "createdAt"})
    void refusesAManifestWithAMissingFieldAsInvalidMetadata(String field) {
        byte[] archive = Archives.withManifest(codec.encode(plain), m -> m.remove(field));

        assertRefused(codec, archive, Reason.INVALID_METADATA);
    }

    @Test
    void refusesAManifestWithAMissingNestedFieldAsInvalidMetadata() {
        byte[] archive = Archives.withManifest(codec.encode(plain), m -> ((ObjectNode) m.get("preprocessing")).remove("std"));

        assertRefused(codec, archive, Reason.INVALID_METADATA);
    }

    @Test
    void refusesAManifestWithInvalidValuesAsInvalidMetadata() {
        byte[] archive = codec.encode(plain);

        assertRefused(codec, Archives.withManifest(archive, m -> m.put("name", "../../etc")), Reason.INVALID_METADATA);
        assertRefused(codec, Archives.withManifest(archive, m -> m.put("version", 0)), Reason.INVALID_METADATA);
        assertRefused(codec, Archives.withManifest(archive, m -> m.putArray("labels").add("only-one")), Reason.INVALID_METADATA);
        assertRefused(codec, Archives.withManifest(archive, m -> m.put("labels", "Sandal")), Reason.INVALID_METADATA);
        assertRefused(codec, Archives.withManifest(archive, m -> m.put("createdAt", "yesterday")), Reason.INVALID_METADATA);
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "[]", "{", "not json", ""})
    void refusesAManifestThatIsNotAnObjectAsInvalidMetadata(String manifest) {
        byte[] archive = Archives.withEntry(codec.encode(plain), ModelVersionCodec.MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));

        assertRefused(codec, archive, Reason.INVALID_METADATA);
    }

    @Test
    void refusesAZipBombBeforeExpandingIt() {
        ModelVersion bomb = new ModelVersion(plain.name(), plain.version(), plain.labels(), plain.preprocessing(), plain.backbone(),
                plain.head(), plain.metrics(), plain.createdAt(), new byte[4 * 1024 * 1024], Map.of());
        byte[] archive = new ModelVersionCodec().encode(bomb);
        assertThat(archive.length).as("compressed size").isLessThan(64 * 1024);

        ArtifactException e = assertRefused(new ModelVersionCodec(1024 * 1024), archive, Reason.CORRUPT);

        assertThat(e).hasMessageContaining("size limit");
    }

    @Test
    void refusesTheReported500MiBBombWithTheDefaultBudgetWhichIsWellUnderTheShippedHeap() throws Exception {
        long shippedHeap = 768L * 1024 * 1024;
        assertThat(ModelVersionCodec.DEFAULT_MAX_UNCOMPRESSED_BYTES).as("default budget vs -Xmx768m").isLessThanOrEqualTo(shippedHeap / 4);
        byte[] archive = Archives.bombWithHeadOf(codec.encode(plain), 500L * 1024 * 1024);
        assertThat(archive.length).as("compressed size").isLessThan(1024 * 1024);

        ArtifactException e = assertRefused(codec, archive, Reason.CORRUPT);

        assertThat(e).hasMessageContaining("size limit");
    }

    @Test
    void acceptsAnArchiveRightAtTheSizeLimit() throws Exception {
        byte[] archive = codec.encode(plain);
        long expanded = Archives.entries(archive).values().stream().mapToLong(b -> b.length).sum();

        assertThat(new ModelVersionCodec(expanded).decode(archive)).isEqualTo(plain);
        assertRefused(new ModelVersionCodec(expanded - 1), archive, Reason.CORRUPT);
    }

    private static ArtifactException assertRefused(ModelVersionCodec codec, byte[] bytes, Reason reason) {
        ArtifactException e = catchThrowableOfType(ArtifactException.class, () -> codec.decode(bytes));
        assertThat(e).as("decoding should have been refused").isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
        return e;
    }

    /**
     * Per-class scores keyed by strings that share one hash code ("Aa" and "BB" hash alike), so the iteration order of
     * the immutable maps inside the records depends on insertion order.
     */
    private static Map<String, Double> perClass(boolean reversed) {
        List<String> keys = new ArrayList<>();
        for (int bits = 0; bits < 16; bits++) {
            StringBuilder k = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                k.append((bits >> i & 1) == 0 ? "Aa" : "BB");
            }
            keys.add(k.toString());
        }
        if (reversed) {
            Collections.reverse(keys);
        }
        Map<String, Double> m = new LinkedHashMap<>();
        keys.forEach(k -> m.put(k, k.chars().sum() / 1000.0));
        return m;
    }

    private static ModelVersion withMetricsAndLayers(ModelVersion v, Map<String, Double> perClass, Map<String, byte[]> layers) {
        var metrics = new TrainingMetrics(0.875, 1200, 300, 20, 4.25, perClass, perClass);
        return new ModelVersion(v.name(), v.version(), v.labels(), v.preprocessing(), v.backbone(), v.head(), metrics,
                Instant.parse("2026-11-29T16:00:00.123456789Z"), v.headWeights(), layers);
    }
}
