package dev.streamclassify.model.backbone;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.format.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proof of import, cut and preprocessing: the real ImageNet MobileNetV2 imported through {@code tfjs:} gives, on
 * fixed PNGs run through the product's own decoder and preprocessing, the same cut-layer outputs as TF.js itself
 * (scripts/tfjs-reference/reference.js wrote them to src/test/resources/tfjs-reference/expected).
 */
class TfjsReferenceTest {

    private static final double TOLERANCE = 1e-4;
    private static JsonNode expected;
    private static Backbone outRelu;

    @BeforeAll
    static void load() throws IOException {
        expected = Json.MAPPER.readTree(MobileNetV2Files.referenceDir().resolve("expected/expected.json").toFile());
        int size = expected.path("size").asInt();
        String model = MobileNetV2Files.modelJson().toString();
        // one import (the slow part) serves both cuts: block_10_project_BN is inside the graph cut at out_relu
        outRelu = Backbones.load("tfjs:" + model + "#" + MobileNetV2Files.OUT_RELU + "?pool=none&size=" + size);
    }

    @AfterAll
    static void close() {
        if (outRelu != null) {
            outRelu.close();
        }
    }

    @Test
    void lastFrozenBlockEqualsTfjsOnEveryReferenceImage() throws IOException {
        assertMatchesReference(outRelu, MobileNetV2Files.LAST_FROZEN);
    }

    @Test
    void outReluEqualsTfjsOnEveryReferenceImage() throws IOException {
        assertMatchesReference(outRelu, MobileNetV2Files.OUT_RELU);
    }

    private static void assertMatchesReference(Backbone backbone, String cut) throws IOException {
        Preprocessor pre = new Preprocessor(backbone.info().preprocessing());
        List<String> checked = new ArrayList<>();
        for (JsonNode out : expected.path("outputs")) {
            if (!out.path("cut").asText().equals(cut)) {
                continue;
            }
            byte[] png = Files.readAllBytes(MobileNetV2Files.referenceDir().resolve("images").resolve(out.path("image").asText()));
            float[] pixels = assertDoesNotReject(pre, png);
            INDArray input = Nd4j.create(pixels, new long[]{1, 3, backbone.info().preprocessing().height(), backbone.info().preprocessing().width()}, 'c');
            // DL4J's import keeps Keras' channels-last layout, so the flattened features are in TF.js's NHWC order
            float[] actual = cut.equals(backbone.info().cutLayer()) ? backbone.features(input).toFloatVector()
                    : backbone.graph().output(List.of(cut), false, new INDArray[]{input.permute(0, 2, 3, 1).dup('c')}, null)[0].reshape(-1).toFloatVector();
            float[] reference = floats(MobileNetV2Files.referenceDir().resolve("expected").resolve(out.path("file").asText()));

            assertThat(actual).as("%s at %s", out.path("image").asText(), cut).hasSameSizeAs(reference);
            double maxAbs = 0;
            for (int i = 0; i < actual.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(actual[i] - reference[i]));
            }
            assertThat(maxAbs).as("max abs difference to TF.js, %s at %s (values up to %.1f)", out.path("image").asText(), cut,
                    out.path("maxAbs").asDouble()).isLessThanOrEqualTo(TOLERANCE);
            checked.add(out.path("image").asText());
        }
        assertThat(checked).as("reference images checked at %s", cut).contains("grey-disc.png").hasSizeGreaterThanOrEqualTo(4);
    }

    private static float[] assertDoesNotReject(Preprocessor pre, byte[] png) {
        try {
            return pre.fromEncoded(png);
        } catch (dev.streamclassify.model.image.ImageRejectedException e) {
            throw new AssertionError("reference image refused: " + e.getMessage(), e);
        }
    }

    private static float[] floats(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(out);
        return out;
    }
}
